/**
 * Hugging Face hub ids as model sources (`Xenova/slimsam-77-uniform`, `Xenova/sam-vit-base`, ...):
 * the repo's file list comes from the hub API (`/api/models/{id}/tree/{revision}`), the files a
 * family needs from `/{id}/resolve/{revision}/{path}`, into `<cache>/hub/<owner>--<name>/<revision>/`
 * in the repo's own layout, so that the folder loader (folder.ts) then reads it as any local folder.
 * Each file streams into a `.part` beside its target, resumed with a Range request after an
 * interruption, checked against the listed size and (for LFS files) sha256, then renamed into place.
 * SAMKIT_HF_ENDPOINT (or HF_ENDPOINT) points at another hub or a mirror; SAMKIT_HF_TOKEN (or HF_TOKEN,
 * HUGGING_FACE_HUB_TOKEN, the names huggingface_hub reads) is sent to it for gated and private repos.
 * `owner/name@revision` pins a branch, tag or commit.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DownloadError, InvalidOptionError, ModelError } from '../core/errors.js';
import { defaultCacheDir } from '../model/download.js';

/** owner/name as the hub spells repo ids, optionally @revision (a branch, tag or commit). */
const HUB_ID = /^([A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*)(?:@([A-Za-z0-9][A-Za-z0-9_.-]*))?$/;

export function isHubId(source: string): boolean {
  return HUB_ID.test(source) && !source.includes('..');
}

/** `owner/name[@revision]` split; null when it is not a hub id. */
export function parseHubId(source: string): { id: string; revision?: string } | null {
  const m = isHubId(source) ? HUB_ID.exec(source) : null;
  return m ? { id: m[1], ...(m[2] ? { revision: m[2] } : {}) } : null;
}

/** The access token for gated or private repos, from the variables huggingface_hub reads. */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.SAMKIT_HF_TOKEN || env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
}

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.SAMKIT_HF_ENDPOINT || env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** transformers.js's file suffixes per dtype (onnx/<name><suffix>.onnx). */
export const DTYPE_SUFFIXES: Record<string, string> = {
  fp32: '', fp16: '_fp16', q8: '_quantized', quantized: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', q4f16: '_q4f16', bnb4: '_bnb4',
};

export interface HubOptions {
  cacheDir?: string;
  /** fp32, fp16, q8 / quantized, ... (default: the most precise the repo has). */
  dtype?: string;
  revision?: string;
  /** Bearer token (default: hubToken(env)). */
  token?: string;
  /** Per file: bytes received so far and the file's size. */
  onProgress?: (file: string, received: number, total: number) => void;
  fetchImpl?: typeof fetch;
  env?: NodeJS.ProcessEnv;
}

interface TreeEntry { type: string; path: string; size?: number; lfs?: { oid?: string; size?: number } }

/** What a cached hub folder records about itself (written last: its presence means complete). */
export interface HubRecord { id: string; revision: string; dtype: string; files: string[]; endpoint: string }
export const HUB_RECORD = '.samkit-hub.json';

export function hubFolderPath(id: string, cacheDir: string, revision = 'main'): string {
  const [owner, name] = id.split('/');
  return path.join(cacheDir, 'hub', `${owner}--${name}`, revision);
}

function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function listRepo(endpoint: string, id: string, revision: string, fetchImpl: typeof fetch, token: string | undefined): Promise<TreeEntry[]> {
  const url = `${endpoint}/api/models/${id}/tree/${encodeURIComponent(revision)}?recursive=true`;
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: authHeaders(token) });
  } catch (err) {
    throw new DownloadError('DOWNLOAD', `cannot list ${id} on ${endpoint}: ${(err as Error).message}`, { cause: err });
  }
  // The hub answers 401 for repos that do not exist as well as for gated/private ones without access.
  if (res.status === 401 || res.status === 403) {
    throw new ModelError(token
      ? `${id} on ${endpoint} refused the token (HTTP ${res.status}): check that it has access to the repo (gated repos need their terms accepted on the hub)`
      : `${id} is not a public model repo on ${endpoint} (HTTP ${res.status}): check the id, or set HF_TOKEN to a token with access if it is gated or private`);
  }
  if (res.status === 404) throw new ModelError(`${id}@${revision} was not found on ${endpoint} (HTTP 404): check the id and the revision`);
  if (!res.ok) throw new DownloadError('DOWNLOAD', `cannot list ${id} on ${endpoint}: HTTP ${res.status}`);
  const body = await res.json().catch(() => null) as unknown;
  if (!Array.isArray(body)) throw new DownloadError('DOWNLOAD', `the file list of ${id} from ${endpoint} is not a JSON array`);
  return (body as TreeEntry[]).filter((e) => e && e.type === 'file' && typeof e.path === 'string');
}

/**
 * The files of a repo one family needs, for a dtype: config files, then the encoder and the
 * decoder (transformers.js names, else samexporter's *encoder* / *decoder*), with their external data.
 */
export function selectFiles(id: string, entries: readonly TreeEntry[], dtype?: string): { files: TreeEntry[]; dtype: string } {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const pairs = Object.entries(DTYPE_SUFFIXES).filter(([d]) => d !== 'quantized');
  const available = pairs.filter(([, s]) => byPath.has(`onnx/vision_encoder${s}.onnx`) && byPath.has(`onnx/prompt_encoder_mask_decoder${s}.onnx`));
  let files: TreeEntry[];
  let chosen: string;
  if (available.length) {
    const want = dtype ?? available[0][0];
    const suffix = DTYPE_SUFFIXES[want];
    if (suffix === undefined) throw new InvalidOptionError(`--dtype must be one of ${Object.keys(DTYPE_SUFFIXES).join(', ')}, got ${JSON.stringify(dtype)}`);
    if (!available.some(([, s]) => s === suffix)) {
      throw new InvalidOptionError(`${id} has no ${want} weights; it has ${available.map(([d]) => d).join(', ')} (pick one with --dtype)`);
    }
    files = [`onnx/vision_encoder${suffix}.onnx`, `onnx/prompt_encoder_mask_decoder${suffix}.onnx`].map((p) => byPath.get(p)!);
    chosen = want === 'quantized' ? 'q8' : want;
  } else {
    const onnx = entries.filter((e) => e.path.toLowerCase().endsWith('.onnx') && !e.path.includes('/'));
    const quant = (p: string) => /quant|int8|uint8|q4|fp16/i.test(p);
    const pick = (word: string) => onnx.filter((e) => e.path.toLowerCase().includes(word) && (word === 'decoder' || !e.path.toLowerCase().includes('decoder')))
      .sort((a, b) => Number(quant(a.path)) - Number(quant(b.path)))[0];
    const enc = pick('encoder');
    const dec = pick('decoder');
    if (!enc || !dec) {
      throw new ModelError(`${id} has no SAM encoder/decoder pair samkit knows (onnx/vision_encoder*.onnx + onnx/prompt_encoder_mask_decoder*.onnx, or *encoder*.onnx + *decoder*.onnx); its files: ${entries.map((e) => e.path).slice(0, 40).join(', ')}`);
    }
    files = [enc, dec];
    chosen = 'as shipped';
  }
  // External weights: <file>_data or <file>_data_<n> (onnx's convention) beside each graph.
  const data = files.flatMap((f) => entries.filter((e) => e.path.startsWith(`${f.path}_data`)));
  const configs = ['config.json', 'preprocessor_config.json'].map((p) => byPath.get(p)).filter((e): e is TreeEntry => e !== undefined);
  return { files: [...configs, ...files, ...data], dtype: chosen };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One file into place: resumed from its .part, checked, renamed. */
async function fetchFile(url: string, target: string, entry: TreeEntry, opts: HubOptions, fetchImpl: typeof fetch, token: string | undefined): Promise<void> {
  const size = entry.lfs?.size ?? entry.size;
  const sha = entry.lfs?.oid;
  const st = await fs.stat(target).catch(() => null);
  if (st && (size === undefined || st.size === size)) return;
  await fs.mkdir(path.dirname(target), { recursive: true });
  const part = `${target}.part`;
  let have = (await fs.stat(part).catch(() => null))?.size ?? 0;
  if (size !== undefined && have > size) { await fs.rm(part, { force: true }); have = 0; }
  let res: Response;
  try {
    // fetch drops the authorization header on a redirect to another origin (the hub's signed CDN URLs).
    res = await fetchImpl(url, { headers: { ...authHeaders(token), ...(have > 0 ? { range: `bytes=${have}-` } : {}) }, redirect: 'follow' });
  } catch (err) {
    throw new DownloadError('DOWNLOAD', `download of ${url} failed: ${(err as Error).message}`, { cause: err });
  }
  if (res.status === 416 && have === size) {
    await res.body?.cancel().catch(() => undefined);
  } else {
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new DownloadError('DOWNLOAD', `download failed: HTTP ${res.status} for ${url}`);
    }
    // 206: the server resumed where the .part ends; 200: it sent everything again.
    const append = res.status === 206 && have > 0;
    if (!append) have = 0;
    const fh = await fs.open(part, append ? 'a' : 'w');
    let received = have;
    try {
      opts.onProgress?.(entry.path, received, size ?? 0);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await fh.write(chunk);
        received += chunk.length;
        opts.onProgress?.(entry.path, received, size ?? received);
        if (size !== undefined && received > size) throw new DownloadError('DOWNLOAD', `${url} sent more than the ${size} bytes the hub lists`);
      }
      await fh.datasync();
    } catch (err) {
      // The .part stays: the next run resumes it.
      if (err instanceof DownloadError) throw err;
      throw new DownloadError('TRUNCATED', `download of ${url} broke off after ${received} of ${size ?? '?'} bytes (${(err as Error).message}); run again to resume`, { cause: err });
    } finally {
      await fh.close();
    }
    if (size !== undefined && received < size) {
      throw new DownloadError('TRUNCATED', `download of ${url} ended after ${received} of ${size} bytes; run again to resume`);
    }
  }
  if (sha && /^[0-9a-f]{64}$/.test(sha)) {
    const got = await sha256Of(part);
    if (got !== sha) {
      await fs.rm(part, { force: true });
      throw new DownloadError('CHECKSUM', `${url}: sha256 ${got} does not match the hub's ${sha}; the partial file was removed`);
    }
  }
  await fs.rename(part, target);
}

/** The local folder of a hub model, downloading what is missing; the cached copy when offline. */
export async function hubFolder(source: string, opts: HubOptions = {}): Promise<string> {
  const parsed = parseHubId(source);
  if (!parsed) throw new InvalidOptionError(`${JSON.stringify(source)} is not a hub id (owner/name or owner/name@revision)`);
  const { id } = parsed;
  if (parsed.revision && opts.revision && parsed.revision !== opts.revision) {
    throw new InvalidOptionError(`${source} names revision ${parsed.revision} but --revision says ${opts.revision}`);
  }
  const revision = parsed.revision ?? opts.revision ?? 'main';
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir(opts.env));
  const dir = hubFolderPath(id, cacheDir, revision);
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const endpoint = hubEndpoint(opts.env);
  const record = await readHubRecord(dir);
  if (record && (opts.dtype === undefined || record.dtype === opts.dtype || (opts.dtype === 'quantized' && record.dtype === 'q8'))) return dir;
  const token = opts.token ?? hubToken(opts.env);
  const entries = await listRepo(endpoint, id, revision, fetchImpl, token);
  const { files, dtype } = selectFiles(id, entries, opts.dtype);
  for (const f of files) {
    const url = `${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${f.path.split('/').map(encodeURIComponent).join('/')}`;
    await fetchFile(url, path.join(dir, ...f.path.split('/')), f, opts, fetchImpl, token);
  }
  // Another dtype downloaded earlier stays; the folder loader takes the record's files.
  const rec: HubRecord = { id, revision, dtype, files: files.map((f) => f.path), endpoint };
  await fs.writeFile(path.join(dir, `${HUB_RECORD}.part`), `${JSON.stringify(rec, null, 2)}\n`);
  await fs.rename(path.join(dir, `${HUB_RECORD}.part`), path.join(dir, HUB_RECORD));
  return dir;
}

export async function readHubRecord(dir: string): Promise<HubRecord | null> {
  const text = await fs.readFile(path.join(dir, HUB_RECORD), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as HubRecord;
    return typeof r.id === 'string' && Array.isArray(r.files) ? r : null;
  } catch {
    return null;
  }
}

/** Every hub model in the cache (complete downloads only). */
export async function cachedHubModels(cacheDir: string = defaultCacheDir()): Promise<Array<HubRecord & { dir: string }>> {
  const root = path.join(cacheDir, 'hub');
  const out: Array<HubRecord & { dir: string }> = [];
  for (const repo of await fs.readdir(root).catch(() => [] as string[])) {
    for (const rev of await fs.readdir(path.join(root, repo)).catch(() => [] as string[])) {
      const dir = path.join(root, repo, rev);
      const r = await readHubRecord(dir);
      if (r) out.push({ ...r, dir });
    }
  }
  return out;
}
