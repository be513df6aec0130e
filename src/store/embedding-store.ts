/**
 * A content-addressed store of image embeddings on disk, shared by `samkit embed`, the library
 * (`SamPredictor.setImageEmbedding`) and the web app.
 *
 * Layout: `<root>/<modelId>/<sha256 of the image file bytes>.npy` holds the float32 embedding (NumPy
 * format, so Python can read it too) and a `.json` beside it holds what it was computed from. The
 * JSON is written last and acts as the commit marker: an entry without it does not exist.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import type { Size } from '../core/transforms.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { fileExists } from '../io/file-exists.js';
import { decodeNpyFloat32, encodeNpyFloat32 } from '../io/npy.js';
import { defaultCacheDir } from '../model/download.js';

/** The store `samkit embed` fills and the web app reads by default: `<samkit cache dir>/embeddings`. */
export function defaultEmbeddingsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultCacheDir(env), 'embeddings');
}

export interface EmbeddingMeta {
  version: 1;
  modelId: string;
  /** sha256 of the encoded image file's bytes (the key). */
  sha256: string;
  originalSize: Size;
  /** Size after resizing the longest side to the model input size. */
  inputSize: Size;
  dims: number[];
  /** Where the image came from when it was stored (informational). */
  source?: string;
  createdAt: string;
}

export interface StoredEmbedding {
  meta: EmbeddingMeta;
  data: Float32Array;
}

/** sha256 hex of image bytes: the store's key. */
export function imageKey(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function safeModelId(modelId: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(modelId) || modelId.startsWith('.')) {
    throw new InvalidArgumentError(`model id '${modelId}' cannot name a store folder (use letters, digits, '.', '_', '-')`);
  }
  return modelId;
}

export class EmbeddingStore {
  constructor(readonly root: string) {}

  private base(modelId: string, key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new InvalidArgumentError(`embedding key must be a sha256 hex string, got '${key}'`);
    return path.join(this.root, safeModelId(modelId), key);
  }

  async has(modelId: string, key: string): Promise<boolean> {
    return fileExists(`${this.base(modelId, key)}.json`);
  }

  /** The stored embedding for this image key, or null when there is none (or it is unreadable). */
  async get(modelId: string, key: string): Promise<StoredEmbedding | null> {
    const base = this.base(modelId, key);
    let meta: EmbeddingMeta;
    try {
      meta = JSON.parse(await readFile(`${base}.json`, 'utf8')) as EmbeddingMeta;
    } catch {
      return null;
    }
    try {
      const { data, shape } = decodeNpyFloat32(await readFile(`${base}.npy`), `${base}.npy`);
      if (shape.join('x') !== meta.dims.join('x')) return null;
      return { meta, data };
    } catch {
      return null;
    }
  }

  async put(meta: Omit<EmbeddingMeta, 'version' | 'createdAt'>, data: Float32Array): Promise<string> {
    const base = this.base(meta.modelId, meta.sha256);
    await mkdir(path.dirname(base), { recursive: true });
    await writeFileAtomic(`${base}.npy`, encodeNpyFloat32(data, meta.dims));
    const full: EmbeddingMeta = { version: 1, ...meta, createdAt: new Date().toISOString() };
    await writeFileAtomic(`${base}.json`, `${JSON.stringify(full, null, 2)}\n`);
    return `${base}.npy`;
  }
}
