/**
 * The batch commands end to end, as a user runs them: `samkit annotate`, `samkit boxes2masks` and
 * `samkit embed` on photos made from the sample image and a toy truck with known geometry
 * (test/helpers/toy-scene.ts), checked against the library's own output and the truck's parts; only the
 * comparison with the official box masks reads the shared reference images.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SamAutomaticMaskGenerator } from '../../src/amg/generator.js';
import { polygonsToMask } from '../../src/core/polygons.js';
import { rleArea, rleToMask, type CompressedRle, type UncompressedRle } from '../../src/core/rle.js';
import { SamModel } from '../../src/model/sam-model.js';
import { SamPredictor } from '../../src/predictor.js';
import { EmbeddingStore, imageKey } from '../../src/store/embedding-store.js';
import { NO_REFERENCE_MESSAGE, REFERENCE_DIR } from '../helpers/reference.js';
import { standInImages } from '../helpers/stand-in-images.js';
import { bounds, SCENE_HEIGHT, SCENE_WIDTH, sceneObject, unionMask, writeSceneJpeg } from '../helpers/toy-scene.js';
import { parseJsonImport } from '../../src/project/import/detect.js';
import { shapeToRle } from '../../src/project/import/rasterise.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'samkit.js');
// Official outputs (boxes2masks' box fixtures) come from the shared reference; the photos the other
// tests segment are stand-ins made from the sample image (same names and sizes), so they run anywhere.
const REF = REFERENCE_DIR;
const HAVE_REF = existsSync(path.join(REF, 'fixtures', 'predictor_dog.json'));
const IMAGES = await standInImages();
const PPS = '4';

interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }

function samkit(args: string[], onSpawn?: (p: ChildProcess) => void, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '', stdout = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdout.on('data', (d) => (stdout += d));
    p.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout }));
    onSpawn?.(p);
  });
}

function tmpDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'samkit-batch-it-'));
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let i = 0, u = 0;
  for (let k = 0; k < a.length; k++) { i += a[k] & b[k]; u += a[k] | b[k]; }
  return u ? i / u : 1;
}

/** The fixture RLE (column-major, uncompressed) as a row-major Mask. */
const fixtureMask = (rle: UncompressedRle) => rleToMask(rle);

const skipReason = HAVE_REF ? false : NO_REFERENCE_MESSAGE;

/** A folder with two good images (one in a subfolder), a corrupt JPEG and a text file. */
function imageFolder(): string {
  const dir = path.join(tmpDir(), 'images');
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  copyFileSync(path.join(IMAGES, 'dog.jpg'), path.join(dir, 'dog.jpg'));
  copyFileSync(path.join(IMAGES, 'picture2.jpg'), path.join(dir, 'sub', 'picture2.jpg'));
  writeFileSync(path.join(dir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  return dir;
}

/** The uninterrupted reference run, shared by the tests that compare against it (made once, on first use). */
let reference: Promise<{ folder: string; out: string; run: Run }> | null = null;
function uninterruptedRun(): Promise<{ folder: string; out: string; run: Run }> {
  reference ??= (async () => {
    const folder = imageFolder();
    const out = path.join(path.dirname(folder), 'dataset.json');
    const run = await samkit(['annotate', folder, '--out', out, '--points-per-side', PPS, '--jobs', '2', '--json']);
    return { folder, out, run };
  })();
  return reference;
}

test('bad flags: one line, exit 2, nothing written', async () => {
  const dir = tmpDir();
  const out = path.join(dir, 'out.json');
  const cases = [
    ['annotate', IMAGES, '--out', out, '--points-per-side', '0'],
    ['annotate', IMAGES, '--out', out, '--pred-iou-thresh', '1.5'],
    ['annotate', IMAGES, '--out', out, '--format', 'tiff'],
    ['annotate', IMAGES, '--out', out, '--format', 'png', '--polygons'],
    ['annotate', IMAGES, '--out', out, '--crop-overlap-ratio', '1'],
    ['annotate', IMAGES, '--out', out, '--jobs', '0'],
    ['annotate', path.join(dir, 'missing'), '--out', out],
    ['annotate', IMAGES],
    ['annotate', IMAGES, '--out', dir],
    ['annotate', IMAGES, '--out', out, '--bogus'],
    ['boxes2masks', path.join(dir, 'x.json'), '--out', out],
    ['boxes2masks', path.join(dir, 'x.json'), '--images', path.join(dir, 'none'), '--out', out],
    ['embed', path.join(dir, 'missing'), '--out', out],
    ['annotate', IMAGES, '--out', out, '--model', './no-such-model.json'],
    ['annotate', IMAGES, '--out', out, '--dtype', 'q8'],
    ['embed', IMAGES, '--out', out, '--model', IMAGES, '--revision', 'v1'],
  ];
  for (const args of cases) {
    const r = await samkit(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^samkit: /);
  }
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
});

test('annotate: COCO of the good images, the corrupt one named and skipped, masks equal to the library\'s', async () => {
  const { folder, out, run: r } = await uninterruptedRun();
  assert.equal(r.code, 1, 'a failed image makes the exit code 1');
  const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l));
  const err = events.find((e) => e.event === 'error');
  assert.equal(err.file, 'broken.jpg');
  assert.ok(events.some((e) => e.event === 'note' && /notes\.txt/.test(e.message)), 'the text file is noted');
  const summary = events.at(-1);
  assert.equal(summary.event, 'summary');
  assert.deepEqual([summary.done, summary.failed, summary.total], [2, 1, 3]);

  const ds = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(ds.images.map((i: { file_name: string }) => i.file_name), ['dog.jpg', 'sub/picture2.jpg']);
  assert.deepEqual(ds.images.map((i: { width: number; height: number }) => [i.width, i.height]), [[800, 534], [769, 770]]);
  assert.equal(ds.info.params.points_per_side, Number(PPS));
  assert.equal(summary.masks, ds.annotations.length);
  // The journal is kept while an image failed, for the next run.
  assert.ok(existsSync(`${out}.partial`));

  const model = await SamModel.load(undefined, { threads: 2 });
  const generator = new SamAutomaticMaskGenerator(model, { pointsPerSide: Number(PPS), outputMode: 'coco_rle' });
  const ids = new Set<number>();
  for (const im of ds.images) {
    const expected = await generator.generate(path.join(folder, im.file_name));
    const got = ds.annotations.filter((a: { image_id: number }) => a.image_id === im.id);
    assert.equal(got.length, expected.length, im.file_name);
    got.forEach((a: Record<string, unknown>, k: number) => {
      const e = expected[k];
      ids.add(a.id as number);
      assert.deepEqual(a.segmentation, e.segmentation);
      assert.equal(a.area, e.area);
      assert.equal(rleArea(a.segmentation as CompressedRle), a.area, 'RLE decodes to the area');
      // COCO counts pixels (toBbox); the generator's record has w = last - first column.
      const [ex, ey, ew, eh] = e.bbox;
      assert.deepEqual(a.bbox, e.area > 0 ? [ex, ey, ew + 1, eh + 1] : e.bbox);
      assert.equal(a.predicted_iou, e.predicted_iou);
      assert.equal(a.stability_score, e.stability_score);
      assert.deepEqual(a.point_coords, e.point_coords);
      assert.deepEqual(a.crop_box, e.crop_box);
    });
  }
  assert.equal(ids.size, ds.annotations.length, 'annotation ids are unique');
});

test('annotate: a run killed half way resumes to exactly the uninterrupted output', async () => {
  const { folder, out: fullOut } = await uninterruptedRun();
  const out = path.join(tmpDir(), 'resumed.json');
  const args = ['annotate', folder, '--out', out, '--points-per-side', PPS, '--jobs', '1', '--json'];
  // Kill -9 as soon as the first image is in the journal.
  const killed = await samkit(args, (p) => {
    const timer = setInterval(() => {
      const root = `${out}.partial`;
      if (!existsSync(root)) return;
      const entries = readdirSync(root).flatMap((d) => readdirSync(path.join(root, d))).filter((f) => /^[0-9a-f]{64}\.json$/.test(f));
      if (entries.length >= 1) { clearInterval(timer); p.kill('SIGKILL'); }
    }, 50);
    p.on('exit', () => clearInterval(timer));
  });
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(existsSync(out), false, 'no output from the killed run');

  const resumed = await samkit(args);
  assert.equal(resumed.code, 1);
  const start = resumed.stderr.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'start');
  assert.ok(start.resumed >= 1, 'the finished image was not computed again');
  assert.equal(readFileSync(out, 'utf8'), readFileSync(fullOut, 'utf8'), 'byte-identical to the uninterrupted run');
});

test('annotate: Ctrl+C stops the workers cleanly with exit 130 and keeps finished images', async () => {
  const folder = path.join(tmpDir(), 'three');
  mkdirSync(folder);
  for (const name of ['dog', 'picture2', 'truck']) copyFileSync(path.join(IMAGES, `${name}.jpg`), path.join(folder, `${name}.jpg`));
  const out = path.join(tmpDir(), 'interrupted.json');
  // Ctrl+C as soon as the first image is done, while the workers are inside the others.
  const r = await samkit(['annotate', folder, '--out', out, '--points-per-side', PPS, '--jobs', '2', '--json'], (p) => {
    let sent = false;
    p.stderr!.on('data', (d: Buffer) => {
      if (!sent && d.toString().includes('"event":"image"')) { sent = true; p.kill('SIGINT'); }
    });
  });
  assert.equal(r.code, 130, r.stderr);
  const last = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
  assert.deepEqual([last.event, last.stage], ['interrupted', 'stopped']);
  assert.ok(last.done >= 1 && last.done < 3, `done ${last.done}`);
  assert.equal(existsSync(out), false);
  assert.ok(existsSync(`${out}.partial`));
});

test('annotate: SA-1B, PNG (amg.py layout), YOLO, LabelMe and COCO polygon outputs', async () => {
  const dir = path.join(tmpDir(), 'one');
  mkdirSync(dir);
  copyFileSync(path.join(IMAGES, 'dog.jpg'), path.join(dir, 'dog.jpg'));
  const base = path.dirname(dir);
  const common = ['--points-per-side', PPS, '--jobs', '1', '--quiet'];
  for (const [format, out] of [['coco', 'rle.json'], ['sa1b', 'sa1b'], ['png', 'png'], ['yolo', 'yolo'], ['labelme', 'labelme']]) {
    const r = await samkit(['annotate', dir, '--out', path.join(base, out), '--format', format, ...common]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', '--quiet prints nothing on stderr on success');
    assert.equal(r.stdout, `${path.join(base, out)}\n`, '--quiet still prints the output path');
    assert.equal(existsSync(path.join(base, `${out}.partial`)), false, 'journal removed after a complete run');
  }
  const poly = await samkit(['annotate', dir, '--out', path.join(base, 'poly.json'), '--polygons', ...common]);
  assert.equal(poly.code, 0, poly.stderr);
  // SA-1B segmentations are RLE by definition: polygons there are a usage error, nothing written.
  const sa1bPoly = await samkit(['annotate', dir, '--out', path.join(base, 'sa1b-poly'), '--format', 'sa1b', '--polygons', ...common]);
  assert.equal(sa1bPoly.code, 2);
  assert.match(sa1bPoly.stderr, /--polygons cannot be used with --format sa1b/);
  assert.equal(existsSync(path.join(base, 'sa1b-poly')), false);

  const coco = JSON.parse(readFileSync(path.join(base, 'rle.json'), 'utf8'));
  const anns = coco.annotations;
  assert.ok(anns.length > 0);

  const sa1b = JSON.parse(readFileSync(path.join(base, 'sa1b', 'dog.json'), 'utf8'));
  assert.deepEqual(sa1b.image, { image_id: 1, width: 800, height: 534, file_name: 'dog.jpg' });
  assert.deepEqual(sa1b.annotations.map((a: { segmentation: unknown }) => a.segmentation), anns.map((a: { segmentation: unknown }) => a.segmentation));

  const csv = readFileSync(path.join(base, 'png', 'dog', 'metadata.csv'), 'utf8').split('\n');
  assert.equal(csv[0], 'id,area,bbox_x0,bbox_y0,bbox_w,bbox_h,point_input_x,point_input_y,predicted_iou,stability_score,crop_box_x0,crop_box_y0,crop_box_w,crop_box_h');
  assert.equal(csv.length, anns.length + 1);
  const row = csv[1].split(',');
  assert.equal(Number(row[1]), anns[0].area);
  // metadata.csv keeps the generator's box (w = last - first column), COCO counts pixels (toBbox).
  const [bx, by, bw, bh] = anns[0].bbox;
  assert.deepEqual(row.slice(2, 6).map(Number), [bx, by, bw - 1, bh - 1]);
  assert.deepEqual(sa1b.annotations[0].bbox, [bx, by, bw - 1, bh - 1]);
  assert.equal(Number(row[8]), anns[0].predicted_iou);
  const pngs = readdirSync(path.join(base, 'png', 'dog')).filter((f) => f.endsWith('.png'));
  assert.equal(pngs.length, anns.length);
  const { default: sharp } = await import('sharp');
  const { data } = await sharp(path.join(base, 'png', 'dog', '0.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const m0 = rleToMask(anns[0].segmentation);
  let same = 0;
  for (let i = 0; i < m0.data.length; i++) same += (data[i] === 255) === (m0.data[i] === 1) ? 1 : 0;
  assert.equal(same, m0.data.length, '0.png is the first mask');

  // The Ultralytics layout: labels/ beside images/ (a copy of the input) and data.yaml naming the class.
  const yolo = readFileSync(path.join(base, 'yolo', 'labels', 'dog.txt'), 'utf8').trim().split('\n');
  assert.equal(readFileSync(path.join(base, 'yolo', 'classes.txt'), 'utf8'), 'object\n');
  assert.match(readFileSync(path.join(base, 'yolo', 'data.yaml'), 'utf8'), /^names:\n {2}0: "?object"?$/m);
  assert.ok(existsSync(path.join(base, 'yolo', 'images', 'dog.jpg')));
  assert.equal(yolo.length, anns.length);
  for (const line of yolo) {
    const [cls, ...xy] = line.split(' ');
    assert.equal(cls, '0');
    assert.equal(xy.length % 2, 0);
    assert.ok(xy.length >= 6);
    assert.ok(xy.every((v) => Number(v) >= 0 && Number(v) <= 1));
  }

  // LabelMe / X-AnyLabeling: one JSON per image whose imagePath leads to the image; its polygons,
  // drawn as labelme draws them (import does), give the masks back.
  const lmFile = path.join(base, 'labelme', 'dog.json');
  const lm = JSON.parse(readFileSync(lmFile, 'utf8'));
  assert.deepEqual([lm.imageWidth, lm.imageHeight, lm.imageData, lm.shapes.length], [800, 534, null, anns.length]);
  assert.equal(path.resolve(path.dirname(lmFile), lm.imagePath), path.join(dir, 'dog.jpg'));
  const lmMasks = parseJsonImport(readFileSync(lmFile, 'utf8'), 'dog.json').images[0].masks;
  lmMasks.forEach((m, k) => {
    assert.equal(m.label, 'object');
    const back = rleToMask(shapeToRle(m.shape, 800, 534, m.where));
    assert.ok(iou(back.data, rleToMask(anns[k].segmentation).data) >= 0.95, `LabelMe shape ${k}`);
  });

  const pd = JSON.parse(readFileSync(path.join(base, 'poly.json'), 'utf8'));
  pd.annotations.forEach((a: { segmentation: number[][]; area: number }, k: number) => {
    assert.ok(Array.isArray(a.segmentation) && a.segmentation.length >= 1);
    assert.equal(a.area, anns[k].area, 'area stays the mask\'s pixel count');
    const filled = polygonsToMask(a.segmentation.map((outer) => ({ outer, holes: [] })), 800, 534);
    assert.equal(iou(filled.data, rleToMask(anns[k].segmentation).data), 1, 'exact polygons cover exactly the mask');
  });
});

test('boxes2masks: a mask per box (the toy truck\'s parts), everything else kept; stored embeddings give the same masks', async () => {
  const dir = tmpDir();
  const images = path.join(dir, 'images');
  mkdirSync(images);
  // The toy truck (known geometry): boxes 10 px around its front tyre and its cab (with its window); and a stand-in photo.
  await writeSceneJpeg(path.join(images, 'toy-truck.jpg'));
  copyFileSync(path.join(IMAGES, 'dog.jpg'), path.join(images, 'dog.jpg'));
  const box = (name: string): number[] => { const [x0, y0, x1, y1] = bounds(sceneObject(name).shape); return [x0 - 10, y0 - 10, x1 - x0 + 20, y1 - y0 + 20]; };
  const parts = new Map([[500, ['front tyre']], [501, ['cab', 'window']]]);
  const coco = {
    info: { note: 'mine' },
    images: [{ id: 10, file_name: 'toy-truck.jpg', width: SCENE_WIDTH, height: SCENE_HEIGHT, license: 4 }, { id: 11, file_name: 'dog.jpg', width: 800, height: 534 }],
    annotations: [
      ...[...parts].map(([id, names]) => ({ id, image_id: 10, category_id: 3, bbox: box(names[0]), area: 1, iscrowd: 0, score: 0.5 })),
      { id: 502, image_id: 11, category_id: 3, bbox: [60, 250, 300, 250], area: 1, iscrowd: 0, score: 0.5 },
      // An annotation without a box stays as it is.
      { id: 900, image_id: 10, category_id: 3, keypoints: [1, 2, 2] },
    ] as Array<Record<string, unknown>>,
    categories: [{ id: 3, name: 'thing' }],
  };
  writeFileSync(path.join(dir, 'boxes.json'), JSON.stringify(coco));

  const out = path.join(dir, 'masks.json');
  const r = await samkit(['boxes2masks', path.join(dir, 'boxes.json'), '--images', images, '--out', out, '--jobs', '1', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const ds = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(ds.info, coco.info);
  assert.deepEqual(ds.images, coco.images);
  assert.deepEqual(ds.categories, coco.categories);
  assert.equal(ds.annotations.length, 4);
  assert.deepEqual(ds.annotations[3], coco.annotations[3]);

  const model = await SamModel.load(undefined, { threads: 2 });
  const predictor = new SamPredictor(model);
  for (const [k, a] of ds.annotations.slice(0, 3).entries()) {
    const orig = coco.annotations[k];
    for (const key of ['id', 'image_id', 'category_id', 'bbox', 'iscrowd', 'score']) assert.deepEqual(a[key], orig[key], key);
    assert.equal(typeof a.segmentation.counts, 'string', 'compressed RLE');
    assert.equal(rleArea(a.segmentation), a.area);
    const mask = rleToMask(a.segmentation);
    const part = parts.get(a.id);
    if (part) {
      const v = iou(mask.data, unionMask(part));
      assert.ok(v >= 0.9, `the box around the ${part[0]} gives the ${part.join(' and ')}: IoU ${v.toFixed(3)}`);
    }
  }
  // And exactly the library's single-mask outputs for the image's boxes, decoded as one batch as the CLI does.
  for (const im of coco.images) {
    const anns = ds.annotations.slice(0, 3).filter((a: { image_id: number }) => a.image_id === im.id);
    await predictor.setImage(path.join(images, im.file_name));
    const lib = await predictor.predictBatch(anns.map((a: { bbox: number[] }) => { const [x, y, w, h] = a.bbox; return { box: [x, y, x + w, y + h] as [number, number, number, number] }; }), { multimaskOutput: false });
    anns.forEach((a: { id: number; segmentation: CompressedRle; predicted_iou: number }, k: number) => {
      assert.equal(iou(rleToMask(a.segmentation).data, lib[k].masks[0].data), 1, `annotation ${a.id}: the library's mask`);
      assert.equal(a.predicted_iou, lib[k].scores[0], `annotation ${a.id}: the library's score`);
    });
  }

  // embed, then boxes2masks from the store: same masks, the store is used, a rerun of embed skips everything.
  const store = path.join(dir, 'store');
  const e1 = await samkit(['embed', images, path.join(dir, 'boxes.json'), '--out', store, '--jobs', '2', '--json']);
  assert.equal(e1.code, 0, e1.stderr);
  const s1 = e1.stderr.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(s1.some((e) => e.event === 'note' && /boxes\.json/.test(e.message)), 'the JSON file is skipped with a note');
  assert.equal(s1.at(-1).done, 2);
  const e2 = await samkit(['embed', images, '--out', store, '--json']);
  assert.equal(e2.code, 0, e2.stderr);
  const start2 = e2.stderr.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'start');
  assert.equal(start2.resumed, 2, 'already stored images are skipped');
  // Without --out the store is the web app's default one, <samkit cache dir>/embeddings.
  const cache = path.join(dir, 'cache');
  const e3 = await samkit(['embed', path.join(images, 'dog.jpg'), '--json'], undefined, { ...process.env, SAMKIT_CACHE_DIR: cache });
  assert.equal(e3.code, 0, e3.stderr);
  assert.ok(await new EmbeddingStore(path.join(cache, 'embeddings')).get(model.manifest.id, imageKey(readFileSync(path.join(images, 'dog.jpg')))), 'stored in the default store');
  const entry = await new EmbeddingStore(store).get(model.manifest.id, imageKey(readFileSync(path.join(images, 'dog.jpg'))));
  assert.ok(entry);
  assert.deepEqual(entry.meta.originalSize, { width: 800, height: 534 });
  predictor.setImageEmbedding(entry.data, entry.meta.originalSize);
  await model.close();

  const out2 = path.join(dir, 'masks2.json');
  const r2 = await samkit(['boxes2masks', path.join(dir, 'boxes.json'), '--images', images, '--out', out2, '--embeddings', store, '--jobs', '1']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /2 image\(s\) used stored embeddings/);
  assert.deepEqual(JSON.parse(readFileSync(out2, 'utf8')), ds);
  rmSync(dir, { recursive: true, force: true });
});

test('boxes2masks matches the official single-mask box masks (reference fixtures)', { skip: skipReason }, async () => {
  const dir = tmpDir();
  const images = path.join(dir, 'images');
  mkdirSync(images);
  const refMasks = new Map<number, Uint8Array>();
  const coco = { images: [] as object[], annotations: [] as object[], categories: [{ id: 3, name: 'thing' }] };
  ['dog', 'truck'].forEach((name, i) => {
    copyFileSync(path.join(REF, 'images', `${name}.jpg`), path.join(images, `${name}.jpg`));
    const fx = JSON.parse(readFileSync(path.join(REF, 'fixtures', `predictor_${name}.json`), 'utf8'));
    const c = fx.cases.find((x: { id: string }) => x.id === 'box');
    const [h, w] = fx.image_size, [x0, y0, x1, y1] = c.prompt.box;
    coco.images.push({ id: 10 + i, file_name: `${name}.jpg`, width: w, height: h });
    coco.annotations.push({ id: 500 + i, image_id: 10 + i, category_id: 3, bbox: [x0, y0, x1 - x0, y1 - y0] });
    refMasks.set(500 + i, fixtureMask(c.masks[0]).data);
  });
  writeFileSync(path.join(dir, 'boxes.json'), JSON.stringify(coco));
  const out = path.join(dir, 'masks.json');
  const r = await samkit(['boxes2masks', path.join(dir, 'boxes.json'), '--images', images, '--out', out, '--jobs', '1', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const ds = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(ds.annotations.length, 2);
  for (const a of ds.annotations) {
    const v = iou(rleToMask(a.segmentation).data, refMasks.get(a.id)!);
    assert.ok(v >= 0.95, `IoU vs official for ${a.id}: ${v.toFixed(4)}`);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('boxes2masks: a missing image is named, its annotations stay unchanged, exit 1', async () => {
  const dir = tmpDir();
  const images = path.join(dir, 'images');
  mkdirSync(images);
  copyFileSync(path.join(IMAGES, 'dog.jpg'), path.join(images, 'dog.jpg'));
  const coco = {
    images: [{ id: 1, file_name: 'dog.jpg', width: 800, height: 534 }, { id: 2, file_name: 'gone.jpg', width: 10, height: 10 }],
    annotations: [{ id: 1, image_id: 1, bbox: [60, 250, 300, 250] }, { id: 2, image_id: 2, bbox: [1, 1, 2, 2] }],
  };
  writeFileSync(path.join(dir, 'in.json'), JSON.stringify(coco));
  const out = path.join(dir, 'out.json');
  const r = await samkit(['boxes2masks', path.join(dir, 'in.json'), '--images', images, '--out', out, '--jobs', '1', '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gone\.jpg/);
  const ds = JSON.parse(readFileSync(out, 'utf8'));
  assert.ok(ds.annotations[0].segmentation);
  assert.deepEqual(ds.annotations[1], coco.annotations[1]);
  rmSync(dir, { recursive: true, force: true });
});
