/**
 * Scale-out: images per minute through the Redis queue (BullMQ) with 1 and 2 `samkit worker`
 * processes against the single-machine `annotate` on the same images, and what each image costs
 * the queue: coordinator CPU, Redis CPU, bytes through Redis, and the time worker slots sat idle
 * between jobs (the queue's overhead per image).
 *
 * Runs its own redis-server (Debian's) on a free loopback port. Standalone:
 * `node dist/bench/queue.js [image ...]` (BENCH_IMAGES=dog,truck chooses reference images;
 * BENCH_PPS, default 16, the generator's points per side).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { resolveAmgOptions } from '../src/amg/options.js';
import { annotate } from '../src/batch/annotate.js';
import { defaultJobs } from '../src/batch/cli.js';
import { threadsPerJob } from '../src/batch/pool.js';
import { QUEUE_NAME } from '../src/batch/queue/protocol.js';
import { parseRedisUrl } from '../src/batch/queue/redis-url.js';
import { TestRedis } from '../test/helpers/redis.js';
import { benchImages, machine, PROJECT_ROOT } from './common.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'samkit.js');
const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;
const perMinute = (n: number, s: number): number => round((n / s) * 60);

/** user+system CPU seconds of a process so far (Linux /proc; clock ticks are 1/100 s). */
function procCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Mean time a worker slot waited between finishing a job and starting the next (slots assigned
 * greedily from BullMQ's processedOn/finishedOn): the queue's own cost per image, without the
 * start (coordinator hashing the images) and the tail (fewer images left than slots).
 */
export function pickupGapS(jobs: Array<{ processedOn?: number; finishedOn?: number }>, slots: number): number {
  const sorted = [...jobs].sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0));
  const free = sorted.slice(0, slots).map((j) => j.finishedOn ?? 0);
  const gaps: number[] = [];
  for (const j of sorted.slice(slots)) {
    free.sort((a, b) => a - b);
    // The slot that freed last before this job started is the one that took it.
    let k = 0;
    for (let i = 0; i < free.length; i++) if (free[i] <= (j.processedOn ?? 0)) k = i;
    gaps.push(Math.max(0, (j.processedOn ?? 0) - free[k]) / 1000);
    free[k] = j.finishedOn ?? 0;
  }
  return gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : NaN;
}

async function redisCounters(conn: Redis): Promise<{ bytes: number; cpu: number }> {
  const info = `${await conn.info('stats')}\n${await conn.info('cpu')}`;
  const num = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return { bytes: num('total_net_input_bytes') + num('total_net_output_bytes'), cpu: num('used_cpu_user') + num('used_cpu_sys') };
}

function startWorker(url: string, concurrency: number, threads: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--concurrency', String(concurrency), '--threads', String(threads)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => { err += d; if (/ready:/.test(err)) resolve(p); });
    p.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
}

export async function benchQueue(images: string[], opts: { pointsPerSide?: number } = {}): Promise<Record<string, unknown>> {
  const pps = opts.pointsPerSide ?? Number(process.env.BENCH_PPS ?? 16);
  const options = { pointsPerSide: pps };
  const jobs = defaultJobs();
  const n = images.length;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'samkit-bench-queue-'));
  const dir = path.join(tmp, 'images');
  mkdirSync(dir);
  images.forEach((f) => copyFileSync(f, path.join(dir, path.basename(f))));
  const run = (out: string, queue?: string) => annotate({
    dir, out: path.join(tmp, out), format: 'coco', polygons: false, polygonTolerance: 0, options, resolved: resolveAmgOptions(options),
    jobs, mode: 'quiet', queue: queue ? parseRedisUrl(queue) : undefined,
  });
  const redis = await TestRedis.start(tmp);
  const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection: conn });
  try {
    // Single machine: the default annotate (model loading included, as a user's run pays it).
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run('single.json');
    const singleWall = (performance.now() - t0) / 1000;
    const singleCpu = (() => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e6; })();

    const result: Record<string, unknown> = {};
    // 1 worker with the local run's jobs, and 2 workers splitting them: the same jobs and threads either way.
    const threads = threadsPerJob(jobs);
    for (const [workers, concurrency] of [[1, jobs], [2, Math.max(1, jobs / 2)]] as const) {
      await queue.obliterate({ force: true });
      const procs = await Promise.all(Array.from({ length: workers }, () => startWorker(redis.url, concurrency, threads)));
      const w0 = procs.map((p) => procCpu(p.pid!));
      const r0 = await redisCounters(conn);
      const k0 = process.cpuUsage();
      const q0 = performance.now();
      await run(`queue${workers}.json`, redis.url);
      const wall = (performance.now() - q0) / 1000;
      const k = process.cpuUsage(k0);
      const r1 = await redisCounters(conn);
      const workerCpu = procs.reduce((s, p, i) => s + procCpu(p.pid!) - w0[i], 0);
      // Worker-side busy time of every job (BullMQ's processedOn/finishedOn); slots idle for the rest.
      const done = await queue.getJobs(['completed']);
      const busy = done.reduce((s, j) => s + ((j.finishedOn ?? 0) - (j.processedOn ?? 0)) / 1000, 0);
      const slots = workers * concurrency;
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => new Promise((res) => p.once('exit', res))));
      const identical = readFileSync(path.join(tmp, `queue${workers}.json`)).equals(readFileSync(path.join(tmp, 'single.json')));
      result[`workers${workers}`] = {
        concurrency_per_worker: concurrency, threads_per_job: threads,
        wall_s: round(wall, 1), images_per_min: perMinute(n, wall), identical_to_single: identical,
        job_s_mean: round(busy / done.length),
        idle_slot_s_per_image: round((wall * slots - busy) / n),
        // BullMQ's timestamps are whole milliseconds: 0 means under 1 ms.
        pickup_gap_ms: round(pickupGapS(done, slots) * 1000, 1),
        coordinator_cpu_s_per_image: round((k.user + k.system) / 1e6 / n, 3),
        worker_cpu_s_per_image: round(workerCpu / n),
        redis_cpu_s_per_image: round((r1.cpu - r0.cpu) / n, 4),
        redis_bytes_per_image: Math.round((r1.bytes - r0.bytes) / n),
      };
    }
    const one = result.workers1 as { job_s_mean: number; pickup_gap_ms: number; coordinator_cpu_s_per_image: number; redis_cpu_s_per_image: number };
    return {
      machine: machine(),
      images: n,
      options: { points_per_side: pps },
      single: { jobs, wall_s: round(singleWall, 1), images_per_min: perMinute(n, singleWall), cpu_s_per_image: round(singleCpu / n) },
      ...result,
      // A worker slot's wait between jobs, as a share of a job's time (workers are started before the coordinator).
      queue_overhead_pct: round((one.pickup_gap_ms / 1000 / one.job_s_mean) * 100, 2),
      // What the queue itself spends per image (coordinator + Redis CPU), as a share of an image's time.
      queue_cpu_pct: round(((one.coordinator_cpu_s_per_image + one.redis_cpu_s_per_image) / one.job_s_mean) * 100, 2),
      note: 'one run (the machine is shared); workers are started and ready before the coordinator starts, the single run includes loading its models',
    };
  } finally {
    await queue.close();
    conn.disconnect();
    await redis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  console.log(JSON.stringify(await benchQueue(args.length ? args : benchImages()), null, 2));
}
