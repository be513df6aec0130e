import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Fastify from 'fastify';
import { registerStaticDir } from '../../src/server/static-files.js';

const dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-static-'));
const web = path.join(dir, 'web');
await mkdir(path.join(web, 'kernels'), { recursive: true });
await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
await writeFile(path.join(web, 'app.js'), 'console.log(1)');
await writeFile(path.join(web, 'kernels', 'k.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
await writeFile(path.join(web, '.env'), 'SECRET=1');
await writeFile(path.join(dir, 'outside.txt'), 'OUTSIDE-CONTENT');
const ort = path.join(dir, 'ort');
await mkdir(ort);
await writeFile(path.join(ort, 'rt.wasm'), Buffer.alloc(1000, 7));
await writeFile(path.join(ort, 'other.wasm'), 'x');

const app = Fastify();
registerStaticDir(app, { root: web, prefix: '/', cacheControl: 'no-cache' });
registerStaticDir(app, { root: ort, prefix: '/ort/', cacheControl: 'public, max-age=86400', allow: /^rt\.wasm$/ });
app.get('/api/health', async () => ({ ok: true }));
await app.ready();
after(async () => { await app.close(); await rm(dir, { recursive: true, force: true }); });

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

test('the page: index at /, files and nested files with their types, no-cache', async () => {
  const index = await get('/');
  assert.equal(index.statusCode, 200);
  assert.match(index.body, /<title>t<\/title>/);
  assert.match(String(index.headers['content-type']), /^text\/html/);
  assert.equal(index.headers['cache-control'], 'no-cache');
  assert.match(String((await get('/app.js')).headers['content-type']), /javascript/);
  const wasm = await get('/kernels/k.wasm');
  assert.equal(wasm.statusCode, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.equal((await get('/api/health')).statusCode, 200, 'routes still win over the wildcard');
});

test('conditional requests, ranges and HEAD', async () => {
  const first = await get('/ort/rt.wasm');
  assert.equal(first.statusCode, 200);
  assert.equal(first.headers['cache-control'], 'public, max-age=86400');
  assert.equal(first.rawPayload.length, 1000);
  const etag = String(first.headers.etag);
  assert.equal((await get('/ort/rt.wasm', { 'if-none-match': etag })).statusCode, 304);
  const part = await get('/ort/rt.wasm', { range: 'bytes=0-9' });
  assert.equal(part.statusCode, 206);
  assert.equal(part.rawPayload.length, 10);
  const head = await app.inject({ method: 'HEAD', url: '/ort/rt.wasm' });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-length'], '1000');
});

test('nothing outside the root, no dotfiles, no directories, only allowed names', async () => {
  for (const url of ['/../outside.txt', '/%2e%2e/outside.txt', '/kernels/..%2f..%2foutside.txt', '/ort/../outside.txt', '/ort/%2e%2e%2foutside.txt']) {
    const res = await get(url);
    assert.ok(res.statusCode === 404 || res.statusCode === 403, `${url}: ${res.statusCode}`);
    assert.doesNotMatch(res.body, /OUTSIDE-CONTENT/, url);
  }
  const dot = await get('/.env');
  assert.ok(dot.statusCode === 403 || dot.statusCode === 404, `dotfile: ${dot.statusCode}`);
  assert.doesNotMatch(dot.body, /SECRET/);
  assert.equal((await get('/kernels/')).statusCode, 404);
  assert.equal((await get('/kernels')).statusCode, 404);
  assert.equal((await get('/ort/other.wasm')).statusCode, 404, 'not on the allow-list');
  assert.equal((await get('/ort/')).statusCode, 404);
  assert.equal((await get('/ort/%72t.wasm')).statusCode, 404, 'an encoded spelling is not the allowed name');
  assert.equal((await get('/missing.js')).statusCode, 404);
});
