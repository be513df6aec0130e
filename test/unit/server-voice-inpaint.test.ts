/**
 * The app's speech and inpainting routes through fastify's inject: POST /api/transcribe on espeak-ng
 * speech (pocketsphinx for real, the phrases as its grammar) and its 4xx answers for bad audio;
 * POST /api/inpaint removing an object for real (nothing outside the dilated mask changes, edits
 * stack on `base`), Replace against a local fake AUTOMATIC1111 server (the request checked, 500 ->
 * 502, too slow -> 504), and bad requests.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle, maskToRle } from '../../src/core/rle.js';
import { dilateMask } from '../../src/inpaint/mask-ops.js';
import { createApp } from '../../src/server/app.js';
import { mergePhrases } from '../../src/server/transcribe.js';
import { PocketsphinxTranscriber } from '../../src/speech/pocketsphinx.js';
import { encodeWav16 } from '../../src/speech/wav.js';
import { GraphBuilder } from '../../src/model/onnx-builder.js';
import { main as serverMain } from '../../src/server/main.js';
import { startFakeSd, type FakeSd } from '../helpers/fake-sd.js';

const W = 96, H = 64;
const BOX = [30, 20, 60, 44]; // the magenta object
let dir = '';
let app: FastifyInstance;
let sdApp: FastifyInstance;
let sd: FakeSd;
let imageId = '';
let rgb: Uint8Array;

// Found on PATH (pocketsphinx_continuous -h exits 1).
const has = (bin: string, arg: string): boolean => spawnSync(bin, [arg], { stdio: 'ignore' }).error === undefined;
const noSpeechTools = !(has('espeak-ng', '--version') && has('pocketsphinx_continuous', '-h') && PocketsphinxTranscriber.available())
  && 'espeak-ng or pocketsphinx (+ pocketsphinx-en-us) not installed (.ci/run installs them)';

function objectMask(): Mask {
  const m = new Mask(W, H);
  for (let y = BOX[1]; y < BOX[3]; y++) for (let x = BOX[0]; x < BOX[2]; x++) m.data[y * W + x] = 1;
  return m;
}

async function pixels(png: Buffer | Uint8Array): Promise<Uint8Array> {
  const r = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([r.info.width, r.info.height], [W, H]);
  return new Uint8Array(r.data);
}

/** Pixels changed outside / inside the mask dilated by `dilate`. */
function changes(a: Uint8Array, b: Uint8Array, mask: Mask, dilate: number): { outside: number; inside: number; area: number } {
  const grown = dilateMask(mask.data, W, H, dilate);
  let outside = 0, inside = 0, area = 0;
  for (let i = 0; i < W * H; i++) {
    const diff = a[3 * i] !== b[3 * i] || a[3 * i + 1] !== b[3 * i + 1] || a[3 * i + 2] !== b[3 * i + 2];
    if (grown[i]) { area++; if (diff) inside++; } else if (diff) outside++;
  }
  return { outside, inside, area };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-voice-inpaint-'));
  const web = path.join(dir, 'web');
  await mkdir(web);
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  sd = await startFakeSd();
  app = await createApp({ dataDir: path.join(dir, 'data'), embeddingsDir: path.join(dir, 'emb'), webRoot: web, host: '127.0.0.1' });
  sdApp = await createApp({ dataDir: path.join(dir, 'data'), embeddingsDir: path.join(dir, 'emb'), webRoot: web, host: '127.0.0.1', sdUrl: sd.url, sdTimeoutMs: 2500 });
  rgb = new Uint8Array(W * H * 3);
  let seed = 3;
  for (let i = 0; i < W * H; i++) { seed = (seed * 1103515245 + 12345) >>> 0; rgb.fill(110 + (seed >>> 27), 3 * i, 3 * i + 3); }
  const m = objectMask();
  for (let i = 0; i < W * H; i++) if (m.data[i]) rgb.set([220, 30, 200], 3 * i);
  const png = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  const up = await app.inject({ method: 'POST', url: '/api/images?name=scene.png', headers: { 'content-type': 'application/octet-stream' }, payload: png });
  assert.equal(up.statusCode, 201, up.body);
  imageId = (up.json() as { image: { id: string } }).image.id;
});

after(async () => {
  await app?.close();
  await sdApp?.close();
  await sd?.close();
  await rm(dir, { recursive: true, force: true });
});

const inpaintReq = (a: FastifyInstance, body: Record<string, unknown>) => a.inject({ method: 'POST', url: '/api/inpaint', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

test('capabilities: the page learns the recogniser and which inpainting methods the server has', async () => {
  const t = (await app.inject({ url: '/api/transcribe' })).json() as { asr: string; available: boolean };
  assert.equal(t.asr, 'pocketsphinx');
  assert.equal(t.available, PocketsphinxTranscriber.available());
  assert.deepEqual((await app.inject({ url: '/api/inpaint' })).json(), { methods: { remove: true, ns: true, lama: false, replace: false }, dilate: 3 });
  assert.equal(((await sdApp.inject({ url: '/api/inpaint' })).json() as { methods: { replace: boolean } }).methods.replace, true);
});

test('mergePhrases: the request\'s phrases then the project classes, once each', () => {
  assert.deepEqual(mergePhrases('red car. Dog', ['dog', 'cat']), ['red car', 'Dog', 'cat']);
  assert.deepEqual(mergePhrases('', []), []);
});

test('POST /api/transcribe: espeak-ng speech -> pocketsphinx with the phrases as grammar -> the phrase', { skip: noSpeechTools }, async () => {
  const wav = path.join(dir, 'said.wav');
  execFileSync('espeak-ng', ['-v', 'en', '-w', wav, 'blue box'], { stdio: 'ignore' });
  const bytes = await readFile(wav); // espeak's 22 kHz: the server resamples
  const raw = await app.inject({ method: 'POST', url: `/api/transcribe?phrases=${encodeURIComponent('red car. blue box. green tree')}`, headers: { 'content-type': 'audio/wav' }, payload: bytes });
  assert.equal(raw.statusCode, 200, raw.body);
  const r = raw.json() as { transcript: string; phrase: string; prompt: string; backend: string };
  assert.equal(r.transcript, 'blue box');
  assert.equal(r.prompt, 'blue box');
  assert.equal(r.backend, 'pocketsphinx');
  // The same as multipart (curl -F audio=@said.wav -F phrases=...).
  const boundary = 'samkitboundary';
  const form = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="phrases"\r\n\r\nred car. blue box\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="said.wav"\r\nContent-Type: audio/wav\r\n\r\n`), bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const multi = await app.inject({ method: 'POST', url: '/api/transcribe', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: form });
  assert.equal(multi.statusCode, 200, multi.body);
  assert.equal((multi.json() as { prompt: string }).prompt, 'blue box');
  // No phrases in the request: a project's classes are the vocabulary.
  const projectDir = path.join(dir, 'project');
  await mkdir(projectDir, { recursive: true });
  const projectApp = await createApp({ dataDir: path.join(projectDir, '.samkit'), embeddingsDir: path.join(dir, 'emb'), webRoot: path.join(dir, 'web'), host: '127.0.0.1', projectDir, projectClasses: [{ name: 'red car', color: '#e6194b', hotkey: 1 }, { name: 'blue box', color: '#3cb44b', hotkey: 2 }] });
  try {
    const byClass = await projectApp.inject({ method: 'POST', url: '/api/transcribe', headers: { 'content-type': 'audio/wav' }, payload: bytes });
    assert.equal(byClass.statusCode, 200, byClass.body);
    assert.deepEqual((byClass.json() as { phrases: string[] }).phrases, ['red car', 'blue box']);
    assert.equal((byClass.json() as { prompt: string }).prompt, 'blue box');
  } finally {
    await projectApp.close();
  }
  // Silence: nothing heard is a 422 the page can show.
  const silence = await app.inject({ method: 'POST', url: '/api/transcribe?phrases=red', headers: { 'content-type': 'audio/wav' }, payload: Buffer.from(encodeWav16(new Float32Array(16000), 16000)) });
  assert.equal(silence.statusCode, 422, silence.body);
});

test('POST /api/transcribe: empty, not WAV, unsupported sample format, no data: a 4xx with a message', async () => {
  const post = (payload: Buffer, type = 'audio/wav') => app.inject({ method: 'POST', url: '/api/transcribe?phrases=red', headers: { 'content-type': type }, payload });
  const wav = Buffer.from(encodeWav16(new Float32Array(800), 16000));
  const alaw = Buffer.from(wav);
  alaw.writeUInt16LE(6, 20); // format 6 = A-law
  alaw.writeUInt16LE(8, 34);
  const cases: Array<[string, Buffer, number]> = [
    ['empty', Buffer.alloc(0), 400],
    ['mp3-ish', Buffer.from('ID3\x03\x00\x00\x00 not a wav at all'), 415],
    ['a-law', alaw, 415],
    ['header only', wav.subarray(0, 36), 400],
  ];
  for (const [what, payload, status] of cases) {
    const res = await post(payload);
    assert.equal(res.statusCode, status, `${what}: ${res.body}`);
    const body = res.json() as { error: string };
    assert.ok(typeof body.error === 'string' && body.error.length > 0 && !body.error.includes('\n'), what);
  }
  assert.equal((await post(wav, 'text/plain')).statusCode, 415);
  assert.equal((await post(Buffer.alloc(17 * 1024 * 1024, 1))).statusCode, 413);
});

test('POST /api/inpaint remove: the object is filled, nothing outside the dilated mask changes; edits stack on base', async () => {
  const mask = objectMask();
  const res = await inpaintReq(app, { imageId, mask: maskToCocoRle(mask), method: 'remove' });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'image/png');
  const out = await pixels(res.rawPayload);
  const c = changes(rgb, out, mask, 3);
  assert.equal(c.outside, 0);
  assert.ok(c.inside > 0.9 * mask.area, `${c.inside} of ${c.area} changed inside`);
  assert.equal(Number(res.headers['x-filled-pixels']), c.area);
  let magenta = 0;
  for (let i = 0; i < W * H; i++) if (mask.data[i] && out[3 * i] > 180 && out[3 * i + 1] < 80) magenta++;
  assert.equal(magenta, 0, 'no object colour left');
  // A second edit on the first one's result, the mask as an uncompressed RLE, dilate 0.
  const small = new Mask(W, H);
  for (let y = 2; y < 8; y++) for (let x = 2; x < 8; x++) small.data[y * W + x] = 1;
  const again = await inpaintReq(app, { imageId, mask: maskToRle(small), method: 'ns', dilate: 0, base: res.rawPayload.toString('base64') });
  assert.equal(again.statusCode, 200, again.body);
  const out2 = await pixels(again.rawPayload);
  assert.equal(changes(out, out2, small, 0).outside, 0, 'the second edit starts from the first');
});

test('POST /api/inpaint by object id: the saved object\'s mask', async () => {
  const obj = { id: 'obj-1', label: 'thing', segmentation: maskToCocoRle(objectMask()), area: 1, bbox: [0, 0, 0, 0], source: 'click', visible: true, pointCoords: [[40, 30]], pointLabels: [1] };
  const put = await app.inject({ method: 'PUT', url: `/api/images/${imageId}/annotations`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ version: 1, imageId, objects: [obj] }) });
  assert.equal(put.statusCode, 200, put.body);
  const res = await inpaintReq(app, { imageId, objectId: 'obj-1' });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(changes(rgb, await pixels(res.rawPayload), objectMask(), 3).outside, 0);
  assert.equal((await inpaintReq(app, { imageId, objectId: 'nope' })).statusCode, 404);
});

test('POST /api/inpaint replace: the A1111 request carries the image, mask and prompt; the answer lands in the mask only', async () => {
  const mask = objectMask();
  sd.mode = 'ok';
  sd.requests.length = 0;
  const res = await inpaintReq(sdApp, { imageId, mask: maskToCocoRle(mask), method: 'replace', prompt: 'a potted plant' });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(sd.requests.length, 1);
  const b = sd.requests[0];
  assert.equal(b.prompt, 'a potted plant');
  assert.ok(typeof b.denoising_strength === 'number' && b.inpainting_fill === 1 && b.inpaint_full_res === true);
  assert.deepEqual(await pixels(Buffer.from((b.init_images as string[])[0], 'base64')), rgb);
  const sentMask = await sharp(Buffer.from(b.mask as string, 'base64')).greyscale().raw().toBuffer();
  const grown = dilateMask(mask.data, W, H, 3);
  for (let i = 0; i < W * H; i++) assert.equal(sentMask[i] >= 128 ? 1 : 0, grown[i], `mask pixel ${i}`);
  const out = await pixels(res.rawPayload);
  assert.equal(changes(rgb, out, mask, 3).outside, 0);
  const centre = 3 * (32 * W + 45);
  assert.deepEqual([...out.subarray(centre, centre + 3)], sd.colour);
});

test('POST /api/inpaint replace: SD 500 -> 502, no answer in time -> 504, one-line messages', async () => {
  const body = { imageId, mask: maskToCocoRle(objectMask()), method: 'replace', prompt: 'x' };
  sd.mode = 'error';
  const failed = await inpaintReq(sdApp, body);
  assert.equal(failed.statusCode, 502, failed.body);
  assert.match((failed.json() as { error: string }).error, /^Stable Diffusion server answered 500: CUDA out of memory/);
  assert.ok(!(failed.json() as { error: string }).error.includes('\n'));
  sd.mode = 'slow';
  const slow = await inpaintReq(sdApp, body);
  assert.equal(slow.statusCode, 504, slow.body);
  assert.match((slow.json() as { error: string }).error, /no answer within 2.5 s/);
  sd.mode = 'ok';
});

test('POST /api/inpaint: bad requests are 4xx JSON errors', async () => {
  const mask = maskToCocoRle(objectMask());
  const empty = maskToCocoRle(new Mask(W, H));
  const wrong = maskToCocoRle(new Mask(W + 1, H));
  const cases: Array<[Record<string, unknown>, number]> = [
    [{ mask }, 400],
    [{ imageId: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', mask }, 404],
    [{ imageId }, 400],
    [{ imageId, mask: { size: [H, W] } }, 400],
    [{ imageId, mask: empty }, 400],
    [{ imageId, mask: wrong }, 400],
    [{ imageId, mask, method: 'blur' }, 400],
    [{ imageId, mask, dilate: -1 }, 400],
    [{ imageId, mask, method: 'lama' }, 501],
    [{ imageId, mask, method: 'replace', prompt: 'a cat' }, 501],
    [{ imageId, mask, base: 'not base64!' }, 400],
    [{ imageId, mask, base: Buffer.from('GIF89a....').toString('base64') }, 400],
  ];
  for (const [body, status] of cases) {
    const res = await inpaintReq(app, body);
    assert.equal(res.statusCode, status, `${JSON.stringify(body).slice(0, 120)}: ${res.body}`);
    assert.equal(typeof (res.json() as { error?: unknown }).error, 'string');
  }
  const noPrompt = await inpaintReq(sdApp, { imageId, mask, method: 'replace', prompt: ' ' });
  assert.equal(noPrompt.statusCode, 400, noPrompt.body);
  const otherSize = await sharp({ create: { width: W + 2, height: H, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
  assert.equal((await inpaintReq(app, { imageId, mask, base: otherSize.toString('base64') })).statusCode, 400);
});

/** A LaMa-contract graph: masked pixels become 255 * 0.25 = 64, the rest the input. */
function tinyLama(): Uint8Array {
  const g = new GraphBuilder('tiny_lama');
  const image = g.input('image', [1, 3, 512, 512]);
  const mask = g.input('mask', [1, 1, 512, 512]);
  const keep = g.o('Mul', [image, g.o('Sub', [g.scalar(1), mask])]);
  g.output(g.o('Mul', [g.o('Add', [keep, g.o('Mul', [mask, g.scalar(0.25)])]), g.scalar(255)]), 'output', [1, 3, 512, 512]);
  return g.build();
}

test('POST /api/inpaint lama: the server\'s --lama model fills the mask (run in the worker), twice on one session', async () => {
  const file = path.join(dir, 'lama.onnx');
  await writeFile(file, tinyLama());
  const lamaApp = await createApp({ dataDir: path.join(dir, 'data'), embeddingsDir: path.join(dir, 'emb'), webRoot: path.join(dir, 'web'), host: '127.0.0.1', lama: file });
  try {
    assert.equal(((await lamaApp.inject({ url: '/api/inpaint' })).json() as { methods: { lama: boolean } }).methods.lama, true);
    const mask = objectMask();
    for (let run = 0; run < 2; run++) {
      const res = await inpaintReq(lamaApp, { imageId, mask: maskToCocoRle(mask), method: 'lama', dilate: 0 });
      assert.equal(res.statusCode, 200, res.body);
      const out = await pixels(res.rawPayload);
      assert.equal(changes(rgb, out, mask, 0).outside, 0);
      let far = 0;
      for (let i = 0; i < W * H; i++) if (mask.data[i] && Math.abs(out[3 * i] - 64) > 2) far++;
      assert.equal(far, 0, 'the masked pixels are the model\'s output');
    }
  } finally {
    await lamaApp.close();
  }
});

test('samkit app: --lama without the file, a bad --sd-url or --sd-timeout are usage errors at start', async () => {
  const usage = (args: string[]) => assert.rejects(serverMain(['--port', '0', ...args], 'samkit app'), (e: Error & { exitCode?: number }) => e.exitCode === 2 && /--lama|--sd-url|--sd-timeout/.test(e.message));
  await usage(['--lama', path.join(dir, 'missing.onnx')]);
  await usage(['--sd-url', 'localhost:7860']);
  await usage(['--sd-timeout', '0']);
});
