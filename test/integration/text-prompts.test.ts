/**
 * Text prompts end to end on a tiny colour detector built at test time (OWL-ViT layout, run by
 * transformers.js's own tokenizer, image processor and post-processing): phrase -> box -> SAM mask,
 * absent phrases, thresholds, NMS, maxObjects, bad detectors, the CLI, annotate --text categories, and
 * the hub download path against a local server that serves the hub's URL layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidOptionError, InvalidPromptError, ModelError, DownloadError } from '../../src/core/errors.js';
import { rleToMask, type Rle } from '../../src/core/rle.js';
import { encodePng } from '../../src/image/encode-png.js';
import { SamModel } from '../../src/model/sam-model.js';
import { loadDetector } from '../../src/text/load-detector.js';
import { TextPrompter } from '../../src/text/text-prompter.js';
import { buildTinyOwlVit, COLOURS, sceneRgb } from '../helpers/tiny-detector.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'samkit.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'samkit-text-it-'));
const DETECTOR = buildTinyOwlVit(path.join(tmp, 'tiny-owlvit'));
const W = 256, H = 192;
// Boxes on the detector's 8x8 grid of the image (32 x 24 px cells).
const RED = [32, 24, 96, 96] as const;
const BLUE = [128, 96, 224, 168] as const;
const RGB = sceneRgb(W, H, [{ box: RED, rgb: COLOURS.red }, { box: BLUE, rgb: COLOURS.blue }]);
const IMAGE = { data: RGB, width: W, height: H };

function boxIouWithMask(mask: { data: Uint8Array; width: number }, box: readonly number[]): number {
  let inter = 0, area = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) area++;
  for (let y = box[1]; y < box[3]; y++) for (let x = box[0]; x < box[2]; x++) if (mask.data[y * mask.width + x]) inter++;
  return inter / (area + (box[2] - box[0]) * (box[3] - box[1]) - inter);
}

function samkit(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const finderP = SamModel.load().then((model) => TextPrompter.load(model, { detector: DETECTOR }));

test('each phrase gives its rectangle: box on it, SAM mask of it; absent phrases give nothing', async () => {
  const finder = await finderP;
  const found = await finder.find(IMAGE, 'Red thing. blue box. yellow.');
  assert.deepEqual(found.map((o) => o.label).sort(), ['blue box', 'red thing']);
  for (const [label, box] of [['red thing', RED], ['blue box', BLUE]] as const) {
    const o = found.find((f) => f.label === label)!;
    o.box.forEach((v, i) => assert.ok(Math.abs(v - box[i]) <= 1, `${label} box ${o.box.join(',')} vs ${box.join(',')}`));
    assert.ok(o.score > 0.9 && o.score <= 1, `score ${o.score}`);
    assert.ok(boxIouWithMask(o.mask, box) > 0.9, `${label} mask IoU ${boxIouWithMask(o.mask, box)}`);
    assert.ok(o.predictedIou > 0.5);
  }
  assert.deepEqual(await finder.find(IMAGE, 'yellow. green square'), []);
});

test('thresholds, per-label NMS and maxObjects', async () => {
  const finder = await finderP;
  assert.equal((await finder.find(IMAGE, 'red', { boxThreshold: 0.999 })).length, 0, 'nothing scores over 0.999');
  // With a tiny box threshold the near-misses around the rectangle pass; NMS keeps the best of them.
  const loose = await finder.find(IMAGE, 'red', { boxThreshold: 1e-4, nmsThreshold: 1 });
  assert.ok(loose.length > 1, `${loose.length} boxes without NMS`);
  const nms = await finder.find(IMAGE, 'red', { boxThreshold: 1e-4 });
  assert.equal(nms.length, 1);
  assert.deepEqual(nms[0].box, loose[0].box);
  assert.equal((await finder.find(IMAGE, 'red. blue', { maxObjects: 1 })).length, 1);
});

test('bad input: typed errors naming the problem', async () => {
  const finder = await finderP;
  await assert.rejects(finder.find(IMAGE, ' . . '), InvalidPromptError);
  await assert.rejects(finder.find(IMAGE, 'red', { boxThreshold: 1.5 }), InvalidOptionError);
  await assert.rejects(finder.find(IMAGE, 'red', { nmsThreshold: -0.1 }), InvalidOptionError);
  const empty = path.join(tmp, 'empty'); mkdirSync(empty);
  await assert.rejects(loadDetector(empty), (e: Error) => e instanceof ModelError && /no config\.json/.test(e.message));
  const bert = path.join(tmp, 'bert'); mkdirSync(bert);
  writeFileSync(path.join(bert, 'config.json'), JSON.stringify({ model_type: 'bert' }));
  await assert.rejects(loadDetector(bert), (e: Error) => e instanceof ModelError && /model_type 'bert'/.test(e.message));
  await assert.rejects(loadDetector(path.join(tmp, 'no-such')), ModelError);
});

test('samkit ground: the issue\'s JSON, overlay; bad flags exit non-zero and write nothing', async () => {
  const scene = path.join(tmp, 'scene.png');
  writeFileSync(scene, await encodePng(RGB, W, H, 3));
  const out = path.join(tmp, 'ground.json'), overlay = path.join(tmp, 'ground.png');
  const r = await samkit(['ground', scene, '--text', 'red thing. blue box. yellow', '--detector', DETECTOR, '--out', out, '--overlay', overlay]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8')) as { image: unknown; objects: Array<{ label: string; box: number[]; segmentation: Rle; area: number; bbox: number[]; predicted_iou: number; score: number }> };
  assert.deepEqual(json.image, { width: W, height: H });
  assert.deepEqual(json.objects.map((o) => o.label).sort(), ['blue box', 'red thing']);
  for (const o of json.objects) {
    assert.deepEqual(Object.keys(o), ['label', 'score', 'box', 'segmentation', 'area', 'bbox', 'predicted_iou']);
    assert.equal(rleToMask(o.segmentation).area, o.area);
  }
  assert.ok(statSync(overlay).size > 1000);
  for (const [args, code, msg] of [
    [['ground', scene, '--text', 'red'], 2, /--detector is required/],
    [['ground', scene, '--text', ' . ', '--detector', DETECTOR], 2, /--text needs/],
    [['ground', scene, '--text', 'red', '--detector', DETECTOR, '--box-threshold', '2'], 2, /box-threshold/],
    [['ground', scene, '--text', 'red', '--detector', path.join(tmp, 'empty')], 1, /no config\.json/],
  ] as const) {
    const bad = path.join(tmp, 'bad.json');
    const b = await samkit([...args, '--out', bad]);
    assert.equal(b.code, code, b.stderr);
    assert.match(b.stderr, msg);
    assert.equal(b.stderr.trim().split('\n').length, 1, b.stderr);
    assert.equal(existsSync(bad), false);
  }
});

test('samkit annotate --text: one category per phrase, in phrase order; YOLO classes', async () => {
  const dir = path.join(tmp, 'images'); mkdirSync(dir);
  writeFileSync(path.join(dir, 'a.png'), await encodePng(RGB, W, H, 3));
  const file = path.join(tmp, 'coco.json');
  const r = await samkit(['annotate', dir, '--text', 'blue box. red thing. yellow', '--detector', DETECTOR, '--out', file, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const coco = JSON.parse(readFileSync(file, 'utf8')) as { categories: Array<{ id: number; name: string }>; annotations: Array<{ category_id: number; bbox: number[] }> };
  assert.deepEqual(coco.categories.map((c) => [c.id, c.name]), [[1, 'blue box'], [2, 'red thing'], [3, 'yellow']]);
  assert.deepEqual(coco.annotations.map((a) => a.category_id).sort(), [1, 2]);
  const blue = coco.annotations.find((a) => a.category_id === 1)!;
  assert.ok(Math.abs(blue.bbox[0] - BLUE[0]) <= 2 && Math.abs(blue.bbox[1] - BLUE[1]) <= 2, blue.bbox.join(','));
  const yolo = path.join(tmp, 'yolo');
  const y = await samkit(['annotate', dir, '--text', 'blue box. red thing', '--detector', DETECTOR, '--out', yolo, '--format', 'yolo', '--quiet']);
  assert.equal(y.code, 0, y.stderr);
  assert.equal(readFileSync(path.join(yolo, 'classes.txt'), 'utf8'), 'blue box\nred thing\n');
  assert.match(readFileSync(path.join(yolo, 'data.yaml'), 'utf8'), /names:\n {2}0: "blue box"\n {2}1: "red thing"/);
  assert.deepEqual(readFileSync(path.join(yolo, 'labels', 'a.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]).sort(), ['0', '1']);
});

test('a hub id downloads once into the cache (hub URL layout), then loads with the server gone', async () => {
  const files = new Map<string, Buffer>();
  const walk = (d: string, rel = ''): void => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(path.join(d, f.name), `${rel}${f.name}/`);
      else files.set(`${rel}${f.name}`, readFileSync(path.join(d, f.name)));
    }
  };
  walk(DETECTOR);
  let hits = 0;
  const server = createServer((req, res) => {
    const m = /^\/samkit-test\/tiny-owlvit\/resolve\/main\/(.+)$/.exec(decodeURIComponent(req.url ?? ''));
    const body = m ? files.get(m[1]) : undefined;
    if (!body) { res.writeHead(404).end('not found'); return; }
    hits++;
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const cache = path.join(tmp, 'cache');
  const saved = { ...process.env };
  try {
    process.env.SAMKIT_HF_ENDPOINT = host;
    process.env.SAMKIT_CACHE_DIR = cache;
    const seen: string[] = [];
    const det = await loadDetector('samkit-test/tiny-owlvit', { onProgress: (p) => seen.push(p.file) });
    assert.ok(hits >= 4, `${hits} files served`);
    assert.ok(seen.includes('onnx/model.onnx'), seen.join(','));
    assert.ok(existsSync(path.join(cache, 'hf', 'samkit-test', 'tiny-owlvit', 'onnx', 'model.onnx')));
    const boxes = await det.detect(IMAGE, ['blue'], { boxThreshold: 0.3, textThreshold: 0.25 });
    assert.equal(boxes.length > 0, true);
    await new Promise<void>((r) => server.close(() => r()));
    const again = await loadDetector('samkit-test/tiny-owlvit');
    assert.equal(again.family, 'owlvit');
    await assert.rejects(loadDetector('samkit-test/not-there'), DownloadError);
  } finally {
    process.env = saved;
    server.close();
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
