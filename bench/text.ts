/**
 * Text prompts: detector ms per image and SAM ms per image (set image + one batched decode over the
 * kept boxes) on the tiny colour detector built at bench time (it measures samkit's overhead around a
 * detector, not a real detector's cost), and `annotate --text` images per minute (model and detector
 * loading included, as a command-line run pays them).
 *
 * Standalone: `node dist/bench/text.js` (BENCH_TEXT_IMAGES=8 images for the annotate part).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { annotate } from '../src/batch/annotate.js';
import { encodePng } from '../src/image/encode-png.js';
import { SamModel } from '../src/model/sam-model.js';
import { TextPrompter } from '../src/text/text-prompter.js';
import { buildTinyOwlVit, COLOURS, sceneRgb } from '../test/helpers/tiny-detector.js';
import { machine } from './common.js';

const W = 1024, H = 768;
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

export async function benchText(): Promise<Record<string, unknown>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'samkit-bench-text-'));
  try {
    const detector = buildTinyOwlVit(path.join(tmp, 'det'));
    const objects = [{ box: [128, 96, 384, 384], rgb: COLOURS.red }, { box: [512, 384, 896, 672], rgb: COLOURS.blue }];
    const image = { data: sceneRgb(W, H, objects), width: W, height: H };
    const finder = await TextPrompter.load(await SamModel.load(), { detector });
    await finder.find(image, 'red. blue. yellow');   // warm-up
    const rounds = 5;
    let det = 0, sam = 0, found = 0;
    for (let i = 0; i < rounds; i++) {
      found = (await finder.find(image, 'red. blue. yellow')).length;
      det += finder.lastTimings.detectMs; sam += finder.lastTimings.samMs;
    }
    const n = Number(process.env.BENCH_TEXT_IMAGES ?? 8);
    const dir = path.join(tmp, 'images'); mkdirSync(dir);
    for (let i = 0; i < n; i++) writeFileSync(path.join(dir, `s${i}.png`), await encodePng(sceneRgb(W, H, objects, 11 + i), W, H, 3));
    const t0 = performance.now();
    const summary = await annotate({
      dir, out: path.join(tmp, 'coco.json'), formats: ['coco'], polygons: false, polygonTolerance: 0, options: {}, resolved: {} as never,
      jobs: 1, mode: 'quiet', text: { phrases: ['red', 'blue', 'yellow'], detector, options: {} },
    });
    const secs = (performance.now() - t0) / 1000;
    return {
      image: `${W}x${H} synthetic, 3 phrases, ${found} found`,
      detector_ms_per_image: round(det / rounds), sam_ms_per_image: round(sam / rounds),
      annotate_text_images: summary.images, annotate_text_images_per_min: round((summary.images / secs) * 60, 2),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify({ machine: machine(), text: await benchText() }, null, 2));
}
