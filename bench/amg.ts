/**
 * Benchmark of the automatic mask generator: wall time and peak memory of a default generate() per
 * image, with the generator's own breakdown (encoder, decoder, filtering, NMS, output).
 *
 * Standalone: `node dist/bench/amg.js [image ...]` (default: the shared reference images truck, dogs,
 * picture4). Set AMG_BENCH_THREADS to pin onnxruntime's thread count.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SamAutomaticMaskGenerator } from '../src/amg/generator.js';
import type { AmgOptions } from '../src/amg/options.js';
import { SamModel } from '../src/model/sam-model.js';

const MB = 1024 * 1024;

export interface AmgBenchImage {
  image: string;
  width: number;
  height: number;
  masks: number;
  wallS: number;
  /** Highest RSS sampled during generate() (MiB). */
  peakRssMiB: number;
  /** RSS before generate() (MiB). */
  startRssMiB: number;
  breakdownMs: Record<string, number>;
  counts: { points: number; candidates: number; passedIou: number; passedStability: number; records: number };
  decodeMsPerPoint: number;
}

export async function benchAmg(images: string[], options: { amg?: AmgOptions; threads?: number } = {}): Promise<object> {
  const t0 = performance.now();
  const model = await SamModel.load(undefined, options.threads ? { threads: options.threads } : {});
  const modelLoadMs = performance.now() - t0;
  const generator = new SamAutomaticMaskGenerator(model, { ...options.amg, outputMode: 'uncompressed_rle' });
  const results: AmgBenchImage[] = [];
  for (const image of images) {
    global.gc?.();
    const startRss = process.memoryUsage.rss();
    let peak = startRss;
    // The decoder yields to the event loop between calls, so sampling sees the whole run.
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 25);
    const t = performance.now();
    const records = await generator.generate(image);
    const wallS = (performance.now() - t) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    const s = generator.lastStats!;
    results.push({
      image: path.basename(image), width: s.width, height: s.height, masks: records.length, wallS: round(wallS, 2),
      peakRssMiB: round(peak / MB, 1), startRssMiB: round(startRss / MB, 1),
      breakdownMs: Object.fromEntries(Object.entries(s.ms).map(([k, v]) => [k, Math.round(v)])),
      counts: { points: s.points, candidates: s.candidates, passedIou: s.passedIou, passedStability: s.passedStability, records: s.records },
      decodeMsPerPoint: round(s.ms.decode / s.points, 1),
    });
  }
  const walls = results.map((r) => r.wallS).sort((a, b) => a - b);
  // Decoder lanes (default) against decoding on the calling thread, alternated on the first image.
  let lanes: object | null = null;
  if (images.length) {
    const single = await SamModel.load(undefined, { ...(options.threads ? { threads: options.threads } : {}), decoderLanes: 1 });
    const runs: Record<string, number[]> = { lanes: [], callingThread: [] };
    for (let rep = 0; rep < 2; rep++) {
      for (const [name, m] of [['lanes', model], ['callingThread', single]] as const) {
        const t = performance.now();
        await new SamAutomaticMaskGenerator(m, { ...options.amg, outputMode: 'uncompressed_rle' }).generate(images[0]);
        runs[name].push(round((performance.now() - t) / 1000, 2));
      }
    }
    const best = (v: number[]) => Math.min(...v);
    lanes = { image: path.basename(images[0]), wallS: runs, ratio: round(best(runs.lanes) / best(runs.callingThread), 3) };
    await single.close();
  }
  await model.close();
  return {
    lanes,
    bench: 'amg',
    config: { ...generator.options, grids: undefined },
    modelLoadMs: Math.round(modelLoadMs),
    medianWallS: walls.length ? walls[walls.length >> 1] : null,
    maxRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
    images: results,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function defaultImages(): string[] {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dir = process.env.SAMKIT_REFERENCE ? path.join(process.env.SAMKIT_REFERENCE, 'images') : path.resolve(root, '../shared/reference/images');
  return ['truck', 'dogs', 'picture4'].map((n) => path.join(dir, `${n}.jpg`)).filter((p) => existsSync(p));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const images = process.argv.slice(2);
  const threads = process.env.AMG_BENCH_THREADS ? Number(process.env.AMG_BENCH_THREADS) : undefined;
  benchAmg(images.length ? images : defaultImages(), { threads }).then(
    (r) => { process.stdout.write(`${JSON.stringify(r, null, 2)}\n`); },
    (err) => { process.stderr.write(`bench amg: ${(err as Error).message}\n`); process.exitCode = 1; },
  );
}
