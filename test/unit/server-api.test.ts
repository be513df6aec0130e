/**
 * The annotation server's API through fastify's inject: uploads are validated by decoding, ids are
 * checked, errors are JSON with a status a page can act on, annotations round-trip, exports decode.
 * Nothing here loads the model except the embedding-store and decode tests.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { Mask } from '../../src/core/mask.js';
import { polygonsToMask } from '../../src/core/polygons.js';
import { maskToCocoRle, rleToMask } from '../../src/core/rle.js';
import { createApp } from '../../src/server/app.js';
import type { AnnotationDoc, ImageInfo } from '../../src/server/protocol.js';
import { chooseMaskToken } from '../../src/core/mask-choice.js';
import { encodePrompts } from '../../src/core/prompt.js';
import { lowResFootprint } from '../../src/core/upsample.js';
import { EmbeddingStore } from '../../src/store/embedding-store.js';
import { crc32, zip } from '../../src/server/zip.js';
import { patternPng } from '../helpers/pattern-png.js';

let dir = '';
let app: FastifyInstance;
let png: Buffer;
let pngId = '';
const W = 40;
const H = 30;

function rectMask(x0: number, y0: number, x1: number, y1: number): Mask {
  const m = new Mask(W, H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m.data[y * W + x] = 1;
  return m;
}

function object(id: string, label: string, mask: Mask): Record<string, unknown> {
  return { id, label, segmentation: maskToCocoRle(mask), area: 1, bbox: [0, 0, 0, 0], source: 'click', visible: true, pointCoords: [[5, 5]], pointLabels: [1] };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-server-'));
  const web = path.join(dir, 'web');
  await mkdir(web);
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  app = await createApp({ dataDir: path.join(dir, 'data'), embeddingsDir: path.join(dir, 'emb'), webRoot: web, host: '127.0.0.1', maxUploadBytes: 200_000, maxPixels: 1_000_000 });
  png = await patternPng(W, H);
  pngId = createHash('sha256').update(png).digest('hex');
});

after(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

const upload = (body: Buffer, name = 'a.png', type = 'application/octet-stream') =>
  app.inject({ method: 'POST', url: `/api/images?name=${encodeURIComponent(name)}`, headers: { 'content-type': type, host: '127.0.0.1' }, payload: body });
const get = (url: string) => app.inject({ method: 'GET', url, headers: { host: '127.0.0.1' } });

test('upload stores an image under its content hash, once', async () => {
  const first = await upload(png, 'dir/../photo.png');
  assert.equal(first.statusCode, 201);
  const body = first.json() as { image: ImageInfo; created: boolean };
  assert.equal(body.image.id, pngId);
  assert.equal(body.image.name, 'photo.png');
  assert.deepEqual([body.image.width, body.image.height, body.image.format], [W, H, 'png']);
  const again = await upload(png, 'other.png', 'image/png');
  assert.equal(again.statusCode, 200);
  assert.equal((again.json() as { created: boolean }).created, false);
  const file = await get(`/api/images/${pngId}/file`);
  assert.equal(file.statusCode, 200);
  assert.equal(file.headers['content-type'], 'image/png');
  assert.ok(file.rawPayload.equals(png));
  const list = (await get('/api/images')).json() as { images: Array<{ id: string }> };
  assert.deepEqual(list.images.map((i) => i.id), [pngId]);
});

test('multipart uploads work too', async () => {
  const other = await patternPng(20, 10, 3);
  const boundary = '----samkit';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.png"\r\nContent-Type: image/png\r\n\r\n`),
    other,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await app.inject({ method: 'POST', url: '/api/images', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, host: '127.0.0.1' }, payload });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal((res.json() as { image: ImageInfo }).image.name, 'm.png');
});

test('content decides, not the name: non-images, other formats and corrupt files are refused', async () => {
  const text = await upload(Buffer.from('just some text, named like a photo'), 'photo.jpg');
  assert.equal(text.statusCode, 415);
  assert.match((text.json() as { error: string }).error, /photo\.jpg is not a supported image: open a JPEG, PNG or WebP file/);
  const gif = await upload(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).gif().toBuffer(), 'x.gif');
  assert.equal(gif.statusCode, 415);
  assert.match((gif.json() as { error: string }).error, /GIF file; open a JPEG, PNG or WebP/);
  const jpeg = await sharp(Buffer.alloc(64 * 64 * 3, 90), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
  const truncated = await upload(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'cut.jpg');
  assert.equal(truncated.statusCode, 422);
  assert.match((truncated.json() as { error: string }).error, /cut\.jpg is corrupt or truncated/);
  const empty = await upload(Buffer.alloc(0), 'empty.png');
  assert.equal(empty.statusCode, 400);
});

test('too large: the upload limit and the pixel limit are stated', async () => {
  const big = await upload(Buffer.alloc(300_000, 1), 'big.png');
  assert.equal(big.statusCode, 413);
  assert.match((big.json() as { error: string }).error, /upload limit is 195 KB/);
  const huge = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer();
  const res = await upload(huge, 'huge.png');
  assert.equal(res.statusCode, 413);
  assert.match((res.json() as { error: string }).error, /huge\.png is 1200 x 1000 pixels \(1\.2 MP\); the limit is 1 MP/);
});

test('ids are validated and unknown images are 404', async () => {
  for (const bad of ['abc', '..%2F..%2Fetc', pngId.toUpperCase(), `${pngId}0`]) {
    const res = await get(`/api/images/${bad}/annotations`);
    assert.equal(res.statusCode, 400, bad);
    assert.match((res.json() as { error: string }).error, /image id must be 64 lowercase hex/);
  }
  const missing = await get(`/api/images/${'0'.repeat(64)}`);
  assert.equal(missing.statusCode, 404);
  assert.match((missing.json() as { error: string }).error, /no such image/);
  const route = await get('/api/nothing');
  assert.equal(route.statusCode, 404);
  assert.equal(route.headers['content-type']?.toString().startsWith('application/json'), true);
});

test('security headers, loopback Host check and the onnxruntime-web files', async () => {
  const page = await get('/');
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
  const rebound = await app.inject({ method: 'GET', url: '/api/health', headers: { host: 'evil.example:8777' } });
  assert.equal(rebound.statusCode, 403);
  assert.equal((await get('/ort/ort-wasm-simd-threaded.mjs')).statusCode, 200);
  const wasm = await app.inject({ method: 'HEAD', url: '/ort/ort-wasm-simd-threaded.wasm', headers: { host: 'localhost' } });
  assert.equal(wasm.statusCode, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.equal((await get('/ort/ort.node.min.js')).statusCode, 404);
  assert.equal((await get('/ort/../package.json')).statusCode, 404);
});

test('annotations: empty by default, saved whole, validated, geometry recomputed', async () => {
  const empty = (await get(`/api/images/${pngId}/annotations`)).json() as AnnotationDoc;
  assert.deepEqual(empty.objects, []);
  const put = (objects: unknown[]) => app.inject({ method: 'PUT', url: `/api/images/${pngId}/annotations`, headers: { host: '127.0.0.1' }, payload: { objects } });
  const ok = await put([object('a', ' dog ', rectMask(2, 3, 12, 9)), object('b', 'cat', rectMask(20, 10, 30, 25))]);
  assert.equal(ok.statusCode, 200, ok.body);
  const doc = (await get(`/api/images/${pngId}/annotations`)).json() as AnnotationDoc;
  assert.equal(doc.objects.length, 2);
  assert.equal(doc.objects[0].label, 'dog');
  assert.equal(doc.objects[0].area, 60);
  assert.deepEqual(doc.objects[0].bbox, [2, 3, 9, 5]);
  assert.deepEqual(doc.objects[0].cropBox, [0, 0, W, H]);

  const wrongSize = object('c', 'x', rectMask(0, 0, 2, 2));
  (wrongSize.segmentation as { size: number[] }).size = [H + 1, W];
  const cases: Array<[unknown[], RegExp]> = [
    [[wrongSize], /mask is 40x31, the image is 40x30/],
    [[{ ...object('d', 'x', rectMask(0, 0, 2, 2)), segmentation: { size: [H, W], counts: '!!' } }], /RLE counts/],
    [[object('e', 'x', rectMask(0, 0, 2, 2)), object('e', 'y', rectMask(3, 3, 5, 5))], /ids must be unique/],
    [[object('../x', 'x', rectMask(0, 0, 2, 2))], /id must be/],
    [[object('f', 'x', new Mask(W, H))], /the mask is empty/],
  ];
  for (const [objects, message] of cases) {
    const res = await put(objects);
    assert.equal(res.statusCode, 400);
    assert.match((res.json() as { error: string }).error, message);
  }
  const notJson = await app.inject({ method: 'PUT', url: `/api/images/${pngId}/annotations`, headers: { host: '127.0.0.1', 'content-type': 'application/json' }, payload: '{oops' });
  assert.equal(notJson.statusCode, 400);
  // The failed saves did not touch the stored document.
  assert.equal(((await get(`/api/images/${pngId}/annotations`)).json() as AnnotationDoc).objects.length, 2);
});

test('exports: COCO RLE, SA-1B, PNG masks and label image', async () => {
  const coco = await get(`/api/images/${pngId}/export?format=coco-rle`);
  assert.equal(coco.statusCode, 200);
  assert.match(String(coco.headers['content-disposition']), /attachment; filename="photo_coco\.json"/);
  const c = coco.json() as {
    images: Array<{ id: number; width: number; height: number; file_name: string }>;
    categories: Array<{ id: number; name: string }>;
    annotations: Array<{ category_id: number; segmentation: { size: [number, number]; counts: string }; area: number; bbox: number[]; iscrowd: number }>;
  };
  assert.deepEqual(c.images, [{ id: 1, file_name: 'photo.png', width: W, height: H }]);
  assert.deepEqual(c.categories.map((x) => x.name), ['dog', 'cat']);
  assert.equal(c.annotations[1].category_id, 2);
  // pycocotools' bbox is the pixel extent.
  assert.deepEqual(c.annotations[0].bbox, [2, 3, 10, 6]);
  assert.equal(c.annotations[0].iscrowd, 0);
  const m = rleToMask(c.annotations[0].segmentation);
  assert.deepEqual(m.data, rectMask(2, 3, 12, 9).data);

  const sa = (await get(`/api/images/${pngId}/export?format=sa1b`)).json() as { image: { width: number }; annotations: Array<{ bbox: number[]; crop_box: number[]; point_coords: number[][] }> };
  assert.equal(sa.image.width, W);
  assert.deepEqual(sa.annotations[0].bbox, [2, 3, 9, 5]);
  assert.deepEqual(sa.annotations[0].crop_box, [0, 0, W, H]);
  assert.deepEqual(sa.annotations[0].point_coords, [[5, 5]]);

  const zipRes = await get(`/api/images/${pngId}/export?format=png-masks`);
  assert.equal(zipRes.headers['content-type'], 'application/zip');
  const entries = readZip(zipRes.rawPayload);
  assert.deepEqual([...entries.keys()], ['masks/photo_001_dog.png', 'masks/photo_002_cat.png', 'masks.json']);
  const meta = await sharp(entries.get('masks/photo_002_cat.png')!).metadata();
  assert.deepEqual([meta.width, meta.height, meta.channels], [W, H, 1]);
  const data = await sharp(entries.get('masks/photo_002_cat.png')!).extractChannel(0).raw().toBuffer();
  const cat = rectMask(20, 10, 30, 25).data;
  for (let i = 0; i < cat.length; i++) assert.equal(data[i], cat[i] ? 255 : 0);

  const labels = readZip((await get(`/api/images/${pngId}/export?format=png-labelmap`)).rawPayload);
  const lm = await sharp(labels.get('photo_labels.png')!).extractChannel(0).raw().toBuffer();
  assert.equal(lm[3 * W + 2], 1);
  assert.equal(lm[10 * W + 20], 2);
  assert.equal(lm[0], 0);
  assert.match(labels.get('photo_labels.json')!.toString(), /"value":2,"label":"cat"/);

  const bad = await get(`/api/images/${pngId}/export?format=xml`);
  assert.equal(bad.statusCode, 400);
  assert.match((bad.json() as { error: string }).error, /unknown export format 'xml'/);
});

test('polygon exports: COCO polygons keep holes under even-odd filling, YOLO takes the largest outline', async () => {
  const donut = rectMask(4, 4, 20, 20);
  for (let y = 8; y < 14; y++) for (let x = 8; x < 16; x++) donut.data[y * W + x] = 0;
  const twoParts = rectMask(24, 2, 28, 6);
  for (let y = 10; y < 28; y++) for (let x = 22; x < 38; x++) twoParts.data[y * W + x] = 1;
  const put = await app.inject({ method: 'PUT', url: `/api/images/${pngId}/annotations`, headers: { host: '127.0.0.1' }, payload: { objects: [object('d', 'donut', donut), object('t', 'two parts', twoParts)] } });
  assert.equal(put.statusCode, 200, put.body);

  const coco = (await get(`/api/images/${pngId}/export?format=coco-polygons`)).json() as { annotations: Array<{ segmentation: number[][]; area: number }> };
  const [d, t] = coco.annotations;
  assert.equal(d.segmentation.length, 1, 'one polygon for the donut, its hole bridged in');
  assert.equal(t.segmentation.length, 2, 'one polygon per part');
  for (const [ann, mask] of [[d, donut], [t, twoParts]] as const) {
    const filled = polygonsToMask(ann.segmentation.map((ring) => ({ outer: ring, holes: [] })), W, H);
    assert.deepEqual(filled.data, mask.data, 'even-odd filling of the polygons gives the mask back');
    assert.equal(ann.area, mask.area);
  }

  const yolo = readZip((await get(`/api/images/${pngId}/export?format=yolo`)).rawPayload);
  const lines = yolo.get('labels/photo.txt')!.toString().trim().split('\n');
  assert.equal(lines.length, 2);
  const [cls, ...coords] = lines[1].split(' ');
  assert.equal(cls, '1');
  const xs = coords.filter((_, i) => i % 2 === 0).map(Number);
  const ys = coords.filter((_, i) => i % 2 === 1).map(Number);
  // The big part of the second object: pixels x 22..37, y 10..27, its ring on their centres (the
  // convention Ultralytics rasterises), normalised.
  assert.deepEqual([Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)], [22.5 / W, 37.5 / W, 10.5 / H, 27.5 / H].map((v) => Number(v.toFixed(6))));
  assert.match(yolo.get('data.yaml')!.toString(), /names:\n {2}0: "donut"\n {2}1: "two parts"/);
});

test('automatic masks: options are validated before any work', async () => {
  const res = await app.inject({ method: 'POST', url: `/api/images/${pngId}/auto`, headers: { host: '127.0.0.1' }, payload: { pointsPerSide: 1000 } });
  assert.equal(res.statusCode, 400);
  assert.match((res.json() as { error: string }).error, /pointsPerSide must be an integer in \[1, 64\], got 1000/);
});

test('embeddings precomputed in the store are served without running the encoder', async () => {
  const model = await app.samkit.model();
  const dims = [...model.embeddingShape];
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => (i % 97) / 97);
  await new EmbeddingStore(path.join(dir, 'emb')).put({ modelId: model.manifest.id, sha256: pngId, originalSize: { width: W, height: H }, inputSize: { width: 1024, height: 768 }, dims }, data);
  const res = await get(`/api/images/${pngId}/embedding`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-embedding-shape'], dims.join(','));
  assert.equal(res.headers['x-image-size'], `${W},${H}`);
  assert.equal(res.headers['x-embedding-source'], 'store');
  const got = new Float32Array(res.rawPayload.buffer.slice(res.rawPayload.byteOffset, res.rawPayload.byteOffset + res.rawPayload.length));
  assert.deepEqual(got, data);
  const info = (await get('/api/model')).json() as { id: string; decoderUrl: string };
  assert.equal(info.id, model.manifest.id);
  const dec = await get(info.decoderUrl);
  assert.equal(dec.statusCode, 200);
  assert.ok(dec.rawPayload.length > 1_000_000);
});

test('decode: prompts decoded on the server, the mask rows over the image, all tokens or the chosen one', async () => {
  const model = await app.samkit.model();
  const post = (body: unknown, id = pngId) => app.inject({ method: 'POST', url: `/api/images/${id}/decode`, headers: { host: '127.0.0.1' }, payload: body as object });
  const floats = (res: { rawPayload: Buffer }) => new Float32Array(res.rawPayload.buffer.slice(res.rawPayload.byteOffset, res.rawPayload.byteOffset + res.rawPayload.length));
  const all = await post({ points: [20, 10], labels: [1], box: null });
  assert.equal(all.statusCode, 200, all.body);
  const tokens = Number(all.headers['x-decode-tokens']);
  const m = Number(all.headers['x-mask-size']);
  const rows = Number(all.headers['x-mask-rows']);
  assert.equal(tokens, 4);
  assert.equal(all.headers['x-decode-planes'], '0,1,2,3');
  // 40x30 -> 1024x768 in the model input: the upsampling of its last row still reads low-res row 192.
  assert.equal(rows, lowResFootprint({ width: m, height: m }, 1024, { width: 1024, height: 768 }).height);
  assert.equal(rows, 193);
  const body = floats(all);
  assert.equal(body.length, tokens + tokens * rows * m);
  // The library's decoder on the same embedding gives the same scores and logits there.
  const emb = await app.samkit.embeddings.get(pngId);
  const ref = await model.decode(emb.data, encodePrompts([{ pointCoords: [[20, 10]], pointLabels: [1] }], { width: W, height: H }, 1024, m));
  for (let t = 0; t < tokens; t++) {
    assert.ok(Math.abs(body[t] - ref.iou[t]) < 1e-5, `score ${t}`);
    let d = 0, scale = 0;
    for (let k = 0; k < rows * m; k++) {
      d = Math.max(d, Math.abs(body[tokens + t * rows * m + k] - ref.masks[t * m * m + k]));
      scale = Math.max(scale, Math.abs(ref.masks[t * m * m + k]));
    }
    assert.ok(scale > 0 && d <= 2e-5 * Math.max(1, scale), `token ${t}: logits differ by ${d} (scale ${scale})`);
  }
  // token 'auto' on a lone point: only the best multimask candidate's plane.
  const one = await post({ points: [20, 10], labels: [1], box: null, token: 'auto' });
  const chosen = chooseMaskToken(body.subarray(0, tokens), true, 'auto');
  assert.equal(one.headers['x-decode-planes'], String(chosen));
  assert.deepEqual(floats(one).subarray(tokens), body.subarray(tokens + chosen * rows * m, tokens + (chosen + 1) * rows * m));
  const boxed = await post({ points: [], labels: [], box: [5, 5, 30, 25], token: 'auto' });
  assert.equal(boxed.headers['x-decode-planes'], '0', 'a box shows the single-mask token');
  // Bad prompts are 400 with the reason; unknown images 404.
  for (const [bad, why] of [
    [{ points: [20], labels: [1] }, /x, y pairs/],
    [{ points: [200, 10], labels: [1] }, /outside the image \(x in \[0, 40\]/],
    [{ points: [20, 10], labels: [2] }, /labels must be 1 \(foreground\) or 0/],
    [{ points: [20, 10], labels: [] }, /1 point\(s\) but 0 label/],
    [{ points: [20, 10], labels: [1], token: 'x' }, /token must be 'auto', 'best-multi' or a token index/],
    [{ points: [20, 10], labels: [1], token: 9 }, /token 9 does not exist/],
    [{}, /at least one point, a box/],
  ] as const) {
    const res = await post(bad);
    assert.equal(res.statusCode, 400, JSON.stringify(bad));
    assert.match((res.json() as { error: string }).error, why);
  }
  assert.equal((await post({ points: [1, 1], labels: [1] }, '0'.repeat(64))).statusCode, 404);
});

/** Read a ZIP of stored entries through its central directory, checking every CRC. */
function readZip(buf: Buffer): Map<string, Buffer> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'no end of central directory');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    assert.equal(buf.readUInt32LE(offset), 0x04034b50);
    const start = offset + 30 + buf.readUInt16LE(offset + 26) + buf.readUInt16LE(offset + 28);
    const data = buf.subarray(start, start + size);
    assert.equal(crc32(data), crc, `crc of ${name}`);
    out.set(name, data);
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return out;
}

test('zip: stored entries with correct CRCs and UTF-8 names', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  const entries = readZip(zip([{ name: 'a.txt', data: 'hello' }, { name: 'dir/é.bin', data: new Uint8Array([0, 1, 2, 255]) }]));
  assert.equal(entries.get('a.txt')!.toString(), 'hello');
  assert.deepEqual([...entries.get('dir/é.bin')!], [0, 1, 2, 255]);
});
