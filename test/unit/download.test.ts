import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DownloadError, InvalidArgumentError, ModelError } from '../../src/core/errors.js';
import {
  cacheFileName, defaultCacheDir, downloadFile, formatBytes, progressBarReporter,
} from '../../src/model/download.js';
import { resolveModelFile } from '../../src/model/resolve.js';

const BODY = randomBytes(6 * 1024 + 123);
// Key 0x7f (field 15, wire type 7) at byte 0: never an ONNX ModelProto, whatever the random rest is.
BODY[0] = 0x7f;
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');
const requests = new Map<string, number>();
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    requests.set(url, (requests.get(url) ?? 0) + 1);
    const route = url.split('?')[0];
    if (route === '/model.bin' || route === '/other/model.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
      res.end(BODY);
    } else if (route === '/chunked.bin') {
      // No Content-Length: Node switches to chunked encoding.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const third = Math.ceil(BODY.length / 3);
      res.write(BODY.subarray(0, third));
      setTimeout(() => {
        res.write(BODY.subarray(third, 2 * third));
        res.end(BODY.subarray(2 * third));
      }, 5);
    } else if (route === '/drop.bin' || route === '/drop-chunked.bin') {
      const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
      if (route === '/drop.bin') headers['content-length'] = BODY.length;
      res.writeHead(200, headers);
      res.write(BODY.subarray(0, 2048), () => setTimeout(() => res.socket?.destroy(), 10));
    } else if (route === '/slow.bin') {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1024));
      // never finishes unless the client aborts
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

const tmpDirs: string[] = [];

after(async () => {
  server.closeAllConnections();
  server.close();
  await Promise.all(tmpDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function tmpCache(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'samkit-dl-test-'));
  tmpDirs.push(dir);
  return dir;
}

async function assertRejects(p: Promise<unknown>, code: string, ...parts: string[]): Promise<Error> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof Error, `expected a rejection with code ${code}`);
  assert.equal((caught as { code?: string }).code, code, caught.message);
  for (const part of parts) assert.ok(caught.message.includes(part), `"${caught.message}" should mention ${part}`);
  return caught;
}

test('downloads into the cache and reports progress', async () => {
  const dir = await tmpCache();
  const calls: [number, number | null][] = [];
  const url = `${base}/model.bin?t=progress`;
  const file = await downloadFile(url, { cacheDir: dir, onProgress: (r, t) => calls.push([r, t]) });
  assert.equal(path.dirname(file), dir);
  assert.equal(path.basename(file), cacheFileName(url));
  assert.ok(path.basename(file).endsWith('-model.bin'));
  assert.deepEqual(await fs.readFile(file), BODY);
  assert.deepEqual(calls[0], [0, BODY.length]);
  assert.deepEqual(calls.at(-1), [BODY.length, BODY.length]);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] >= calls[i - 1][0]);
  assert.ok(calls.every(([, t]) => t === BODY.length));
  // Only the file and its hash record: no leftover .part files.
  assert.deepEqual((await fs.readdir(dir)).sort(), [path.basename(file), `${path.basename(file)}.sha256`]);
});

test('works without Content-Length: total is null until the final call', async () => {
  const dir = await tmpCache();
  const calls: [number, number | null][] = [];
  const file = await downloadFile(`${base}/chunked.bin`, { cacheDir: dir, onProgress: (r, t) => calls.push([r, t]) });
  assert.deepEqual(await fs.readFile(file), BODY);
  assert.deepEqual(calls[0], [0, null]);
  assert.deepEqual(calls.at(-1), [BODY.length, BODY.length]);
  assert.ok(calls.slice(0, -1).every(([, t]) => t === null));
});

test('a second call is served from the cache without network', async () => {
  const dir = await tmpCache();
  const url = `${base}/model.bin?t=cache`;
  const first = await downloadFile(url, { cacheDir: dir });
  assert.equal(requests.get('/model.bin?t=cache'), 1);
  let progressCalls = 0;
  const second = await downloadFile(url, { cacheDir: dir, onProgress: () => progressCalls++ });
  assert.equal(second, first);
  assert.equal(requests.get('/model.bin?t=cache'), 1);
  assert.equal(progressCalls, 0);
});

test('with sha256: verified once, then trusted while size+mtime are unchanged', async () => {
  const dir = await tmpCache();
  const url = `${base}/model.bin?t=sha`;
  const file = await downloadFile(url, { cacheDir: dir, sha256: BODY_SHA.toUpperCase() });
  const rec = JSON.parse(await fs.readFile(`${file}.sha256`, 'utf8')) as { sha256: string; size: number };
  assert.equal(rec.sha256, BODY_SHA);
  assert.equal(rec.size, BODY.length);
  assert.equal(await downloadFile(url, { cacheDir: dir, sha256: BODY_SHA }), file);
  assert.equal(requests.get('/model.bin?t=sha'), 1);

  // A cache file downloaded without a hash gets verified (and recorded) on first use with one.
  await fs.rm(`${file}.sha256`);
  assert.equal(await downloadFile(url, { cacheDir: dir, sha256: BODY_SHA }), file);
  assert.equal(requests.get('/model.bin?t=sha'), 1);
  assert.ok((await fs.stat(`${file}.sha256`)).isFile());

  // A corrupted cache file (size/mtime changed) is re-hashed, found wrong and fetched again.
  await fs.writeFile(file, Buffer.from('corrupted'));
  assert.equal(await downloadFile(url, { cacheDir: dir, sha256: BODY_SHA }), file);
  assert.equal(requests.get('/model.bin?t=sha'), 2);
  assert.deepEqual(await fs.readFile(file), BODY);
});

test('checksum mismatch throws CHECKSUM and leaves nothing in the cache', async () => {
  const dir = await tmpCache();
  const wrong = 'ab'.repeat(32);
  const url = `${base}/model.bin?t=bad-sha`;
  const err = await assertRejects(downloadFile(url, { cacheDir: dir, sha256: wrong }), 'CHECKSUM', wrong, BODY_SHA, url);
  assert.ok(err instanceof DownloadError);
  assert.deepEqual(await fs.readdir(dir), []);
});

test('HTTP 404 throws DOWNLOAD naming the status and URL', async () => {
  const dir = await tmpCache();
  const url = `${base}/nope.bin`;
  const err = await assertRejects(downloadFile(url, { cacheDir: dir }), 'DOWNLOAD', 'HTTP 404', url);
  assert.ok(err instanceof DownloadError);
  assert.deepEqual(await fs.readdir(dir), []);
});

for (const route of ['/drop.bin', '/drop-chunked.bin']) {
  test(`a connection dropped mid-body (${route}) fails and leaves no partial file`, async () => {
    const dir = await tmpCache();
    const url = `${base}${route}`;
    const calls: number[] = [];
    await assertRejects(downloadFile(url, { cacheDir: dir, onProgress: (r) => calls.push(r) }), 'DOWNLOAD', url);
    assert.deepEqual(await fs.readdir(dir), []);
    assert.ok(calls.every((r) => r < BODY.length));
  });
}

test('connection refused is wrapped with the URL', async () => {
  const dir = await tmpCache();
  // Grab a free port, then close it so nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const url = `http://127.0.0.1:${port}/model.bin`;
  await assertRejects(downloadFile(url, { cacheDir: dir }), 'DOWNLOAD', url);
});

test('aborting rejects with the abort reason and cleans the part file', async () => {
  const dir = await tmpCache();
  const ac = new AbortController();
  const p = downloadFile(`${base}/slow.bin`, {
    cacheDir: dir, signal: ac.signal, onProgress: (r) => { if (r > 0) ac.abort(); },
  });
  await assert.rejects(p, (err: Error) => err.name === 'AbortError');
  assert.deepEqual(await fs.readdir(dir), []);
});

test('only http(s) URLs and well-formed hashes are accepted', async () => {
  const dir = await tmpCache();
  for (const url of ['file:///etc/passwd', 'ftp://example.com/model.onnx', 'not a url']) {
    await assert.rejects(downloadFile(url, { cacheDir: dir }), InvalidArgumentError);
  }
  await assert.rejects(downloadFile(`${base}/model.bin`, { cacheDir: dir, sha256: 'abc' }), InvalidArgumentError);
  assert.deepEqual(await fs.readdir(dir), []);
});

test('cache names differ for different URLs with the same basename', () => {
  const a = cacheFileName('https://a.example/models/sam.onnx');
  const b = cacheFileName('https://b.example/models/sam.onnx');
  assert.notEqual(a, b);
  assert.match(a, /^[0-9a-f]{16}-sam\.onnx$/);
  assert.match(cacheFileName('https://x.example/a/b%20c/..%2F..%2Fevil name.onnx'), /^[0-9a-f]{16}-[A-Za-z0-9._-]+$/);
  assert.match(cacheFileName('https://x.example/'), /^[0-9a-f]{16}-download$/);
});

test('two downloads of the same URL at once both succeed', async () => {
  const dir = await tmpCache();
  const url = `${base}/model.bin?t=concurrent`;
  const [a, b] = await Promise.all([downloadFile(url, { cacheDir: dir }), downloadFile(url, { cacheDir: dir })]);
  assert.equal(a, b);
  assert.deepEqual(await fs.readFile(a), BODY);
  assert.ok((await fs.readdir(dir)).every((f) => !f.endsWith('.part')));
});

test('default cache dir: SAMKIT_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(defaultCacheDir({ SAMKIT_CACHE_DIR: '/tmp/x', XDG_CACHE_HOME: '/tmp/y' }), path.resolve('/tmp/x'));
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/tmp/y' }), path.join('/tmp/y', 'samkit'));
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }), path.join(os.homedir(), '.cache', 'samkit'));
  assert.equal(defaultCacheDir({}), path.join(os.homedir(), '.cache', 'samkit'));
});

test('resolveModelFile downloads URLs and checks local paths', async () => {
  const dir = await tmpCache();
  const url = `${base}/other/model.bin`;
  // The body is random bytes, not ONNX: refused by default, taken when the check is replaced.
  await assert.rejects(resolveModelFile(url, { cacheDir: dir }), /is not usable \(byte 0 is not an ONNX ModelProto field/);
  requests.delete('/other/model.bin');
  const anyFile = async (): Promise<null> => null;
  const file = await resolveModelFile(url, { cacheDir: dir, verify: anyFile });
  assert.deepEqual(await fs.readFile(file), BODY);
  assert.equal(await resolveModelFile({ url, sha256: BODY_SHA }, { cacheDir: dir }), file);
  assert.equal(requests.get('/other/model.bin'), 1);
  // A missing local path falls back to the URL; an existing one wins.
  assert.equal(await resolveModelFile({ path: path.join(dir, 'absent.onnx'), url }, { cacheDir: dir, verify: anyFile }), file);
  assert.equal(await resolveModelFile({ path: file, url: `${base}/nope.bin` }), file);
  await assert.rejects(resolveModelFile({ url, sha256: 'cd'.repeat(32) }, { cacheDir: await tmpCache() }),
    (err: Error) => (err as DownloadError).code === 'CHECKSUM');
  const missing = path.join(dir, 'missing.onnx');
  await assert.rejects(resolveModelFile(missing), (err: Error) => err instanceof ModelError && err.message.includes(missing));
  await assert.rejects(resolveModelFile(dir), ModelError);
  await assert.rejects(resolveModelFile('s3://bucket/model.onnx'), InvalidArgumentError);
});

test('formatBytes', () => {
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(12_345_678), '12.3 MB');
  assert.equal(formatBytes(1_500), '1.5 kB');
});

interface FakeStream { isTTY: boolean; columns: number; out: string[]; write(s: string): boolean; cursorTo(): boolean; clearLine(): boolean; moveCursor(): boolean }
function fakeStream(isTTY: boolean): FakeStream {
  const out: string[] = [];
  return {
    isTTY, columns: 120, out,
    write(s: string) { out.push(s); return true; },
    cursorTo: () => true, clearLine: () => true, moveCursor: () => true,
  };
}

test('progressBarReporter prints one final line when not a TTY', () => {
  const s = fakeStream(false);
  const report = progressBarReporter('encoder.onnx', s as unknown as NodeJS.WriteStream);
  report(0, 12_345_678);
  report(5_000_000, 12_345_678);
  assert.deepEqual(s.out, []);
  report(12_345_678, 12_345_678);
  assert.deepEqual(s.out, ['downloaded encoder.onnx (12.3 MB)\n']);
  // Unknown size: still only the final line.
  const s2 = fakeStream(false);
  const r2 = progressBarReporter('x', s2 as unknown as NodeJS.WriteStream);
  r2(0, null);
  r2(100, null);
  r2(100, 100);
  assert.deepEqual(s2.out, ['downloaded x (100 B)\n']);
});

test('progressBarReporter draws a bar on a TTY and never keeps the process alive', () => {
  const s = fakeStream(true);
  const report = progressBarReporter('decoder.onnx', s as unknown as NodeJS.WriteStream);
  report(0, 2_000_000);
  report(1_000_000, 2_000_000);
  report(2_000_000, 2_000_000);
  const text = s.out.join('');
  assert.ok(text.includes('decoder.onnx'), text);
  assert.ok(text.includes('2.0 MB'), text);
  assert.ok(text.includes('100%'), text);
  // An unfinished bar (as after a failed download) must not hold the event loop open:
  // if it did, this test file would never exit.
  const unfinished = progressBarReporter('stuck', fakeStream(true) as unknown as NodeJS.WriteStream);
  unfinished(0, 1000);
  unfinished(10, 1000);
});
