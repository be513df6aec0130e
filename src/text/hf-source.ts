/**
 * Where a detector comes from: a local model folder in the Hugging Face layout (checked here so a
 * wrong folder names what is missing) or a hub id, downloaded once by transformers.js into samkit's
 * cache and read from there afterwards (offline).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { DownloadError, ModelError } from '../core/errors.js';
import { defaultCacheDir } from '../model/download.js';
import type { DetectorFamily } from './detector.js';

/** config.json model_type -> samkit's detector family. */
const FAMILIES: Record<string, DetectorFamily> = { owlvit: 'owlvit', owlv2: 'owlv2', 'grounding-dino': 'grounding-dino' };

export interface LocalDetector { kind: 'folder'; dir: string; family: DetectorFamily }
export interface HubDetector { kind: 'hub'; id: string; host: string; cacheDir: string }
export type DetectorLocation = LocalDetector | HubDetector;

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** The hub's address: $SAMKIT_HF_ENDPOINT, else $HF_ENDPOINT, else huggingface.co. */
export function hubHost(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.SAMKIT_HF_ENDPOINT || env.HF_ENDPOINT || 'https://huggingface.co/';
  return host.endsWith('/') ? host : `${host}/`;
}

export function familyOf(modelType: unknown, where: string): DetectorFamily {
  const family = typeof modelType === 'string' ? FAMILIES[modelType] : undefined;
  if (!family) {
    throw new ModelError(`${where}: model_type '${String(modelType)}' is not a supported detector (supported: ${Object.keys(FAMILIES).join(', ')})`);
  }
  return family;
}

async function isDir(p: string): Promise<boolean | null> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return null;
  }
}

/** Check a model folder has everything transformers.js reads, and tell its family. */
export async function checkDetectorFolder(dir: string): Promise<LocalDetector> {
  const abs = path.resolve(dir);
  let config: { model_type?: unknown };
  try {
    config = JSON.parse(await readFile(path.join(abs, 'config.json'), 'utf8')) as { model_type?: unknown };
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ModelError(`${dir} is not a detector folder: ${missing ? 'no config.json' : `config.json is not JSON (${(err as Error).message})`}`);
  }
  const family = familyOf(config.model_type, `${dir}/config.json`);
  for (const file of ['preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    try {
      await stat(path.join(abs, file));
    } catch {
      throw new ModelError(`${dir} is not a detector folder: no ${file}`);
    }
  }
  const onnx = await readdir(path.join(abs, 'onnx')).catch(() => [] as string[]);
  if (!onnx.includes('model.onnx')) throw new ModelError(`${dir} is not a detector folder: no onnx/model.onnx`);
  return { kind: 'folder', dir: abs, family };
}

/** A folder path or a hub id ("owner/name"). */
export async function locateDetector(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<DetectorLocation> {
  if (typeof ref !== 'string' || ref.trim() === '') throw new ModelError('no detector given: name a model folder or a hub id (e.g. Xenova/owlvit-base-patch32)');
  const dir = await isDir(ref);
  if (dir === true) return checkDetectorFolder(ref);
  if (dir === false) throw new ModelError(`detector ${ref} is a file; give its model folder`);
  if (!HUB_ID.test(ref) || ref.startsWith('.')) throw new ModelError(`detector ${ref}: no such folder, and not a hub id (owner/name)`);
  return { kind: 'hub', id: ref, host: hubHost(env), cacheDir: path.join(defaultCacheDir(env), 'hf') };
}

/** A download failure from transformers.js as samkit's error, naming the model and the host. */
export function hubError(loc: HubDetector, err: unknown): DownloadError {
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new DownloadError('DOWNLOAD', `cannot get detector ${loc.id} from ${loc.host} (nor from the cache ${loc.cacheDir}): ${msg}`, { cause: err });
}
