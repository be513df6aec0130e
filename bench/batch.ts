/**
 * Batch commands: images per minute for `annotate` (default generator options) and for `boxes2masks`
 * (10 boxes per image), against the per-image time of the single-image path (one model in this
 * thread, one image after another: what `samkit auto` / `samkit predict` do per image). The batch
 * figures include model loading, as a command-line run pays it.
 *
 * Standalone: `node dist/bench/batch.js [image ...]` (default: the reference images; BENCH_IMAGES=dog,truck
 * chooses some; BENCH_PPS=16 shortens the annotate part; BENCH_JOBS=1,2,3 the job counts compared;
 * BENCH_REPEATS=3 runs every configuration three times, interleaved, and keeps the fastest).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SamAutomaticMaskGenerator } from '../src/amg/generator.js';
import { resolveAmgOptions } from '../src/amg/options.js';
import { annotate } from '../src/batch/annotate.js';
import { boxes2masks } from '../src/batch/boxes2masks.js';
import { defaultJobs } from '../src/batch/cli.js';
import { loadImage } from '../src/image/load-image.js';
import { SamModel } from '../src/model/sam-model.js';
import { SamPredictor } from '../src/predictor.js';
import { benchImages, machine } from './common.js';

const BOXES_PER_IMAGE = 10;

/** Ten boxes spread over the image, the same on every run. */
export function benchBoxes(width: number, height: number): Array<[number, number, number, number]> {
  const boxes: Array<[number, number, number, number]> = [];
  for (let k = 0; k < BOXES_PER_IMAGE; k++) {
    const x0 = Math.floor(((k % 5) / 5) * width * 0.8), y0 = Math.floor((Math.floor(k / 5) / 2) * height * 0.6);
    boxes.push([x0, y0, Math.min(width, x0 + Math.floor(width / 4)), Math.min(height, y0 + Math.floor(height / 3))]);
  }
  return boxes;
}

const perMinute = (n: number, s: number): number => Math.round((n / s) * 60 * 100) / 100;
const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;

/** Wall and CPU seconds (all threads of this process, workers included) of one run. */
async function measure(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** Per configuration the fastest of the repeats (the one least disturbed by other load on the machine). */
function best(runs: Array<{ wall: number; cpu: number }>, n: number): Record<string, number> {
  const r = runs.reduce((a, b) => (b.wall < a.wall ? b : a));
  return { wall_s: round(r.wall, 1), cpu_s: round(r.cpu, 1), images_per_min: perMinute(n, r.wall), s_per_image: round(r.wall / n) };
}

export async function benchBatch(images: string[], opts: { pointsPerSide?: number; jobs?: number[]; repeats?: number } = {}): Promise<Record<string, unknown>> {
  const pps = opts.pointsPerSide ?? (process.env.BENCH_PPS ? Number(process.env.BENCH_PPS) : undefined);
  const jobsList = opts.jobs ?? (process.env.BENCH_JOBS ? process.env.BENCH_JOBS.split(',').map(Number) : [...new Set([defaultJobs(), 1])]);
  const repeats = opts.repeats ?? Number(process.env.BENCH_REPEATS ?? 1);
  const options = pps ? { pointsPerSide: pps } : {};
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'samkit-bench-batch-'));
  const dir = path.join(tmp, 'images');
  mkdirSync(dir);
  const n = images.length;
  images.forEach((f) => copyFileSync(f, path.join(dir, path.basename(f))));
  const sizes = await Promise.all(images.map(async (f) => { const im = await loadImage(f); return { width: im.width, height: im.height }; }));
  const coco = {
    images: images.map((f, i) => ({ id: i + 1, file_name: path.basename(f), ...sizes[i] })),
    annotations: images.flatMap((_, i) => benchBoxes(sizes[i].width, sizes[i].height).map(([x0, y0, x1, y1], k) => ({
      id: i * 100 + k + 1, image_id: i + 1, category_id: 1, bbox: [x0, y0, x1 - x0, y1 - y0], area: (x1 - x0) * (y1 - y0), iscrowd: 0,
    }))),
    categories: [{ id: 1, name: 'object' }],
  };
  writeFileSync(path.join(tmp, 'boxes.json'), JSON.stringify(coco));
  try {
    // Single-image path: one model with every core (loaded once, as a library user would), images one after another.
    const model = await SamModel.load();
    const generator = new SamAutomaticMaskGenerator(model, options);
    const predictor = new SamPredictor(model);
    const runs: Record<string, Array<{ wall: number; cpu: number }>> = {};
    const add = (k: string, r: { wall: number; cpu: number }): void => { (runs[k] ??= []).push(r); };
    for (let rep = 0; rep < repeats; rep++) {
      // Configurations interleaved, so a burst of load elsewhere hits one repeat, not one configuration.
      add('annotate/single', await measure(async () => { for (const f of images) await generator.generate(f); }));
      add('boxes2masks/single', await measure(async () => {
        for (let i = 0; i < n; i++) {
          await predictor.setImage(images[i]);
          await predictor.predictBatch(benchBoxes(sizes[i].width, sizes[i].height).map((box) => ({ box })), { multimaskOutput: false });
        }
      }));
      for (const jobs of jobsList) {
        const out = path.join(tmp, `annotate-${jobs}-${rep}.json`);
        add(`annotate/jobs${jobs}`, await measure(() => annotate({
          dir, out, formats: ['coco'], polygons: false, polygonTolerance: 0, options, resolved: resolveAmgOptions(options), jobs, mode: 'quiet',
        })));
        const bout = path.join(tmp, `masks-${jobs}-${rep}.json`);
        add(`boxes2masks/jobs${jobs}`, await measure(() => boxes2masks({ dataset: path.join(tmp, 'boxes.json'), images: dir, out: bout, jobs, mode: 'quiet' })));
      }
    }
    const section = (cmd: string): Record<string, unknown> => ({
      single_image_path: best(runs[`${cmd}/single`], n),
      batch: Object.fromEntries(jobsList.map((j) => [`jobs${j}`, best(runs[`${cmd}/jobs${j}`], n)])),
    });
    return {
      machine: machine(),
      images: n,
      repeats,
      note: 'wall_s of the fastest repeat; cpu_s is user+system time of all threads; batch runs include loading the model(s)',
      annotate: { options: pps ? { points_per_side: pps } : 'default', ...section('annotate') },
      boxes2masks: { boxes_per_image: BOXES_PER_IMAGE, ...section('boxes2masks') },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const result = await benchBatch(args.length ? args : benchImages());
  console.log(JSON.stringify(result, null, 2));
}
