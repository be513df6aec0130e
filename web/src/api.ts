/** Calls to the samkit server, with errors a person can act on. */
import type { AnnotationDoc, AnnotationObject, AutoEvent, AutoOptions, ImageInfo, ImageListEntry, ModelInfo } from '../../src/server/protocol.js';

/** The server could not be reached at all (stopped, crashed, network). */
export class UnreachableError extends Error {
  constructor() {
    super(`cannot reach the samkit server at ${location.origin}: is \`npm start\` still running?`);
    this.name = 'UnreachableError';
  }
}

/** The server answered with an error status and a message. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly code: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface UploadResult {
  image: ImageInfo;
  created: boolean;
  /** The embedding store already has this image. */
  embedded: boolean;
  /** The server's last encoder time, for the progress estimate. */
  encodeMsEstimate: number;
}

export interface EmbeddingResponse {
  data: Float32Array;
  dims: number[];
  source: string;
  /** The decoder's other image-side inputs by name (views into the same buffer as data). */
  imageInputs: Record<string, { data: Float32Array; dims: number[] }>;
}

/** The embedding and the `x-image-inputs` tensors that follow it in the body; null when the sizes do not add up. */
export function splitEmbeddingBody(body: Float32Array, dims: number[], header: string | null): Pick<EmbeddingResponse, 'data' | 'imageInputs'> | null {
  const size = (d: number[]) => (d.length && d.every((v) => Number.isInteger(v) && v > 0) ? d.reduce((a, b) => a * b, 1) : NaN);
  const n = size(dims);
  if (!(n <= body.length)) return null;
  const imageInputs: EmbeddingResponse['imageInputs'] = {};
  let at = n;
  for (const item of (header ?? '').split(',').filter(Boolean)) {
    const eq = item.lastIndexOf('=');
    const d = item.slice(eq + 1).split('x').map(Number);
    const k = size(d);
    if (eq <= 0 || !(at + k <= body.length)) return null;
    imageInputs[item.slice(0, eq)] = { data: body.subarray(at, at + k), dims: d };
    at += k;
  }
  return at === body.length ? { data: body.subarray(0, n), imageInputs } : null;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code = 'HTTP';
  try {
    const body = (await res.json()) as { error?: string; code?: string };
    if (body.error) message = body.error;
    if (body.code) code = body.code;
  } catch { /* not JSON */ }
  return new ApiError(res.status, message, code);
}

async function request(path: string, init?: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new UnreachableError();
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

export const api = {
  health: (): Promise<{ ok: boolean }> => json('/api/health'),
  model: (): Promise<ModelInfo> => json('/api/model'),
  images: (): Promise<{ images: ImageListEntry[] }> => json('/api/images'),
  image: (id: string): Promise<ImageInfo> => json(`/api/images/${id}`),
  imageBlob: async (id: string): Promise<Blob> => (await request(`/api/images/${id}/file`)).blob(),

  /** Upload with progress (fetch cannot report upload progress). */
  upload(file: Blob, name: string, onProgress: (fraction: number) => void): Promise<UploadResult> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/api/images?name=${encodeURIComponent(name)}`);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onerror = () => reject(new UnreachableError());
      xhr.onload = () => {
        let body: { error?: string; code?: string } & Record<string, unknown> = {};
        try { body = JSON.parse(xhr.responseText) as typeof body; } catch { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body as unknown as UploadResult);
        else reject(new ApiError(xhr.status, body.error ?? `upload failed (${xhr.status})`, body.code ?? 'HTTP'));
      };
      xhr.send(file);
    });
  },

  /** The embedding, and for model families that take them the decoder's other image-side inputs (see src/server/embedding-body.ts). */
  async embedding(id: string): Promise<EmbeddingResponse> {
    const res = await request(`/api/images/${id}/embedding`);
    const dims = (res.headers.get('x-embedding-shape') ?? '').split(',').map(Number);
    const body = new Float32Array(await res.arrayBuffer());
    const parts = splitEmbeddingBody(body, dims, res.headers.get('x-image-inputs'));
    if (!parts) throw new ApiError(500, `the embedding response has ${body.length} values, not the announced shape ${dims.join('x')} and inputs ${res.headers.get('x-image-inputs') ?? 'none'}`, 'BAD_EMBEDDING');
    return { ...parts, dims, source: res.headers.get('x-embedding-source') ?? 'unknown' };
  },

  annotations: (id: string): Promise<AnnotationDoc> => json(`/api/images/${id}/annotations`),

  saveAnnotations: (id: string, objects: AnnotationObject[]): Promise<{ ok: boolean; updatedAt: string }> => json(`/api/images/${id}/annotations`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ objects }),
  }),

  /** Run the automatic mask generator; progress events arrive as the server streams them. */
  async auto(id: string, options: AutoOptions, onEvent: (e: AutoEvent) => void, signal: AbortSignal): Promise<void> {
    const res = await request(`/api/images/${id}/auto`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(options), signal,
    });
    if (!res.body) throw new ApiError(500, 'no response body', 'HTTP');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      let chunk: ReadableStreamReadResult<string>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new UnreachableError();
      }
      if (chunk.done) break;
      buf += chunk.value;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as AutoEvent);
      }
    }
  },

  /** The project's class list, replaced whole (renamed: old name to new name, objects follow). */
  saveClasses: (classes: Array<{ name: string; color: string; hotkey: number | null }>, renamed: Record<string, string>): Promise<{ classes: Array<{ name: string; color: string; hotkey: number | null }>; relabelled: number }> => json('/api/project/classes', {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ classes, renamed }),
  }),

  exportUrl: (id: string, format: string): string => `/api/images/${id}/export?format=${encodeURIComponent(format)}`,
};
