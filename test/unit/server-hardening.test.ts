/**
 * The server against a hostile page and lying input: cross-site writes, text/plain bodies, DNS
 * rebinding through any loopback spelling, a JPEG whose header lies about its size, unbounded
 * uploads, annotation geometry outside the image, heavy exports stalling the event loop, and
 * decode bodies checked only after the embedding was computed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle } from '../../src/core/rle.js';
import { createApp, type AppOptions } from '../../src/server/app.js';
import { isLoopbackHost } from '../../src/server/guards/loopback.js';
import { PixelBudget } from '../../src/server/work/pixel-budget.js';
import { patternPng } from '../helpers/pattern-png.js';

let dir = '';
let web = '';
let app: FastifyInstance;
let png: Buffer;
let pngId = '';
const W = 40;
const H = 30;
const HOST = { host: '127.0.0.1' };

/** A real 16x16 JPEG whose frame header claims `w` x `h`. */
async function lyingJpeg(w: number, h: number): Promise<Buffer> {
  const jpg = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();
  for (let i = 0; i + 8 < jpg.length; i++) {
    if (jpg[i] === 0xff && (jpg[i + 1] === 0xc0 || jpg[i + 1] === 0xc2)) { jpg.writeUInt16BE(h, i + 5); jpg.writeUInt16BE(w, i + 7); break; }
  }
  return jpg;
}

async function newApp(extra: Partial<AppOptions> = {}): Promise<FastifyInstance> {
  return createApp({ dataDir: path.join(dir, 'data'), embeddingsDir: path.join(dir, 'emb'), webRoot: web, host: '127.0.0.1', maxUploadBytes: 4_000_000, maxPixels: 4_000_000, ...extra });
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-harden-'));
  web = path.join(dir, 'web');
  await mkdir(web);
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  app = await newApp();
  png = await patternPng(W, H);
  pngId = createHash('sha256').update(png).digest('hex');
});

after(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

const upload = (body: Buffer, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/images?name=a.png', headers: { 'content-type': 'application/octet-stream', ...HOST, ...headers }, payload: body });

test('cross-site writes are refused; same-origin and Origin-less requests are served', async () => {
  const evil = await upload(png, { origin: 'http://evil.example' });
  assert.equal(evil.statusCode, 403);
  assert.equal((evil.json() as { code: string }).code, 'CROSS_ORIGIN');
  assert.equal((await upload(png, { 'sec-fetch-site': 'cross-site' })).statusCode, 403);
  assert.equal((await upload(png, { origin: 'null' })).statusCode, 403);
  // Another port of the same machine is another origin.
  assert.equal((await upload(png, { origin: 'http://127.0.0.1:9999' })).statusCode, 403);
  const same = await upload(png, { origin: 'http://127.0.0.1', 'sec-fetch-site': 'same-origin' });
  assert.equal(same.statusCode, 201, same.body);
  assert.equal((await upload(png)).statusCode, 200); // curl: no Origin, already stored
  // Reads stay open (the page's GETs carry no Origin; other sites cannot read them without CORS).
  const read = await app.inject({ method: 'GET', url: `/api/images/${pngId}`, headers: { ...HOST, origin: 'http://evil.example' } });
  assert.equal(read.statusCode, 200);
  assert.equal(read.headers['access-control-allow-origin'], undefined);
  const auto = await app.inject({ method: 'POST', url: `/api/images/${pngId}/auto`, headers: { ...HOST, origin: 'http://evil.example', 'content-type': 'application/json' }, payload: '{}' });
  assert.equal(auto.statusCode, 403);
});

test('JSON bodies must be JSON: text/plain and file bodies are refused, non-objects are 400', async () => {
  const post = (url: string, type: string, payload: string | Buffer, method: 'POST' | 'PUT' = 'POST') =>
    app.inject({ method, url, headers: { ...HOST, 'content-type': type }, payload });
  await upload(png);
  assert.equal((await post(`/api/images/${pngId}/auto`, 'text/plain', '{}')).statusCode, 415);
  assert.equal((await post(`/api/images/${pngId}/auto`, 'application/x-www-form-urlencoded', 'a=1')).statusCode, 415);
  assert.equal((await post(`/api/images/${pngId}/auto`, 'application/octet-stream', Buffer.from('{}'))).statusCode, 415);
  assert.equal((await post(`/api/images/${pngId}/auto`, 'application/json', '[1, 2]')).statusCode, 400);
  assert.equal((await post(`/api/images/${pngId}/auto`, 'application/json', '"go"')).statusCode, 400);
  assert.equal((await post(`/api/images/${pngId}/annotations`, 'text/plain', '{"objects": []}', 'PUT')).statusCode, 415);
  assert.equal((await post(`/api/images/${pngId}/decode`, 'text/plain', '{}')).statusCode, 415);
});

test('every loopback spelling is loopback for the Host check (DNS rebinding)', async () => {
  for (const h of ['127.0.0.1', '127.0.0.1:8777', '127.1.2.3', 'localhost:1', '[::1]:8777', '::1', '[::ffff:127.0.0.1]:80', '::ffff:127.0.0.1', '[::ffff:7f00:1]']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['evil.com', 'evil.com:8777', '128.0.0.1', '10.0.0.1', '[::2]', '::ffff:10.0.0.1', '127.0.0.1.evil.com', '']) assert.ok(!isLoopbackHost(h), h);
  for (const bound of ['::ffff:127.0.0.1', '127.0.0.2', '::1']) {
    const a = await newApp({ host: bound });
    const evil = await a.inject({ method: 'GET', url: '/api/health', headers: { host: 'evil.com' } });
    const ok = await a.inject({ method: 'GET', url: '/api/health', headers: { host: '127.0.0.2:8777' } });
    await a.close();
    assert.equal(evil.statusCode, 403, `bound to ${bound}`);
    assert.equal(ok.statusCode, 200, `bound to ${bound}`);
  }
});

test('a JPEG whose header claims more pixels than its data holds is refused at once', async () => {
  const t0 = performance.now();
  const liar = await upload(await lyingJpeg(2000, 2000));
  assert.equal(liar.statusCode, 422, liar.body);
  assert.match((liar.json() as { error: string }).error, /truncated/);
  assert.ok(performance.now() - t0 < 2000);
  // A real JPEG of that format is still accepted.
  const real = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 1, g: 2, b: 3 } } }).jpeg().toBuffer();
  assert.equal((await upload(real)).statusCode, 201);
});

test('uploads: at most two are received at once, the others get 429 before their body is read', async () => {
  const a = await newApp();
  await a.listen({ host: '127.0.0.1', port: 0 });
  const port = (a.server.address() as AddressInfo).port;
  const send = (body: Buffer | null) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/images?name=x.png', headers: { 'content-type': 'application/octet-stream', 'content-length': png.length } });
    const answer = new Promise<number>((resolve, reject) => { req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); }); req.on('error', reject); });
    if (body) req.end(body); else req.write(png.subarray(0, 10)); // held: the rest comes later
    return { req, answer };
  };
  const held = [send(null), send(null)];
  try {
  await new Promise((r) => setTimeout(r, 200));
  const third = send(png);
  // Without a gate the third upload would be read and stored: it answers 201 (or not within 5 s).
  const late = new Promise<number>((r) => setTimeout(() => r(-1), 5000).unref());
  assert.equal(await Promise.race([third.answer, late]), 429);
  for (const h of held) h.req.end(png.subarray(10));
  const statuses = await Promise.all(held.map((h) => h.answer));
  assert.ok(statuses.every((s) => s === 200 || s === 201), String(statuses));
  assert.ok([200, 201].includes(await send(png).answer)); // the slots were released
  } finally {
    for (const h of held) h.req.destroy();
    await a.close();
  }
});

test('the pixel budget runs decodes that fit together and queues the rest in order', async () => {
  const budget = new PixelBudget(100);
  const log: string[] = [];
  let release!: () => void;
  const hold = new Promise<void>((r) => { release = r; });
  const first = budget.run(60, async () => { log.push('a'); await hold; log.push('a done'); });
  const second = budget.run(60, async () => { log.push('b'); });
  const third = budget.run(30, async () => { log.push('c'); });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(log, ['a']); // b does not fit; c waits behind b (no overtaking)
  release();
  await Promise.all([first, second, third]);
  assert.deepEqual(log, ['a', 'a done', 'b', 'c']);
});

function fullMask(w: number, h: number): Mask {
  const m = new Mask(w, h);
  m.data.fill(1);
  return m;
}

test('annotation points, boxes and crop boxes are range-checked', async () => {
  await upload(png);
  const base = { id: 'o1', label: 'x', segmentation: maskToCocoRle(fullMask(W, H)), source: 'click' };
  const put = (o: object) => app.inject({ method: 'PUT', url: `/api/images/${pngId}/annotations`, headers: HOST, payload: { objects: [{ ...base, ...o }] } });
  assert.equal((await put({ pointCoords: [[5, 5]], pointLabels: [1], box: [1, 2, 30, 20], cropBox: [0, 0, W, H] })).statusCode, 200);
  const bad = async (o: object, re: RegExp) => {
    const r = await put(o);
    assert.equal(r.statusCode, 400, JSON.stringify(o));
    assert.match((r.json() as { error: string }).error, re);
  };
  await bad({ pointCoords: [[5, 500]] }, /point 0 .* outside/);
  await bad({ pointCoords: [[-1, 5]] }, /outside/);
  await bad({ pointCoords: Array.from({ length: 1000 }, () => [1, 1]) }, /at most 256 points/);
  await bad({ pointCoords: [[1, 1]], pointLabels: [1, 1] }, /differ in length/);
  await bad({ box: [30, 2, 1, 20] }, /inverted/);
  await bad({ box: [0, 0, W + 50, H] }, /outside/);
  await bad({ cropBox: [10, 0, W, H] }, /cropBox .* not inside/);
  await bad({ cropBox: [0, 0, -5, H] }, /not inside/);
});

test('a heavy label-map export runs off the event loop', async () => {
  const bigW = 1000, bigH = 800;
  const big = await patternPng(bigW, bigH, 3);
  const bigId = createHash('sha256').update(big).digest('hex');
  assert.equal((await upload(big)).statusCode, 201);
  const seg = maskToCocoRle(fullMask(bigW, bigH));
  const objects = Array.from({ length: 1500 }, (_, i) => ({ id: `o${i}`, label: `c${i % 3}`, segmentation: seg }));
  const saved = await app.inject({ method: 'PUT', url: `/api/images/${bigId}/annotations`, headers: HOST, payload: { objects } });
  assert.equal(saved.statusCode, 200, saved.body);
  // The longest gap between timer ticks while the export runs is the event loop's worst stall.
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => { const now = performance.now(); worst = Math.max(worst, now - last); last = now; }, 5);
  const t0 = performance.now();
  const res = await app.inject({ method: 'GET', url: `/api/images/${bigId}/export?format=png-labelmap`, headers: HOST });
  const took = performance.now() - t0;
  clearInterval(tick);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/zip');
  assert.ok(took > 300, `the export took only ${took.toFixed(0)} ms: too light to show a stall`);
  assert.ok(worst < Math.min(250, took / 2), `the event loop stalled ${worst.toFixed(0)} ms during a ${took.toFixed(0)} ms export`);
});

test('decode: a bad body is refused before any embedding is computed or stored', async () => {
  await upload(png);
  const emb = path.join(dir, 'emb');
  const res = await app.inject({ method: 'POST', url: `/api/images/${pngId}/decode`, headers: HOST, payload: { points: [1e9, 1e9], labels: [1] } });
  assert.equal(res.statusCode, 400, res.body);
  const stored = await readdir(emb, { recursive: true }).catch(() => []);
  assert.deepEqual(stored.filter((n) => String(n).endsWith('.npy') || String(n).endsWith('.bin')), []);
  assert.equal((await app.inject({ method: 'POST', url: `/api/images/${pngId}/decode`, headers: HOST, payload: [] })).statusCode, 400);
});
