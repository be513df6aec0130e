/**
 * Cached, checksummed, atomic downloads of model files.
 *
 * Files land in a per-user cache under a name derived from the URL. They are streamed to a
 * private `.part` file and renamed into place only once complete and verified, so a crash or a
 * concurrent run never sees a half-written model at the final path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import cliProgress from 'cli-progress';
import { DownloadError, InvalidArgumentError, SamkitError } from '../core/errors.js';

export type ProgressCallback = (received: number, total: number | null) => void;

export interface DownloadOptions {
  /** Defaults to defaultCacheDir(). */
  cacheDir?: string;
  /** Expected SHA-256 (64 hex chars). A cached file that does not match is downloaded again. */
  sha256?: string;
  /**
   * Called with 0 before the body is read, after every chunk, and, when the server sent no
   * usable Content-Length, once more at the end with total === received. So the last call of a
   * successful download always has total === received. Not called on a cache hit.
   */
  onProgress?: ProgressCallback;
  /** For tests or custom agents; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
  /** Aborting rejects with the signal's reason (not wrapped) and removes the partial file. */
  signal?: AbortSignal;
  /** Give up when the server sends nothing (headers or data) for this long; default 60 s. */
  stallTimeoutMs?: number;
  /** Largest file accepted (bytes); default 8 GB. Reading stops as soon as it is exceeded. */
  maxBytes?: number;
  /**
   * Checks the complete file before it enters the cache (e.g. that it is an ONNX model); returns
   * why it is unusable, or null. Runs after the checksum. A refused file is deleted.
   */
  verify?: (file: string) => Promise<string | null>;
}

export const DEFAULT_STALL_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_DOWNLOAD_BYTES = 8 * 1024 ** 3;

/** `$SAMKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/samkit`, else `~/.cache/samkit`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SAMKIT_CACHE_DIR) return path.resolve(env.SAMKIT_CACHE_DIR);
  // The XDG spec says relative values must be ignored.
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'samkit');
  return path.join(os.homedir(), '.cache', 'samkit');
}

function parseDownloadUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(`only http: and https: URLs can be downloaded, got ${parsed.protocol} in ${redact(parsed)}`);
  }
  return parsed;
}

// URLs can carry credentials (https://user:token@host/...); keep them out of error messages.
function redact(u: URL): string {
  if (!u.username && !u.password) return u.href;
  const copy = new URL(u.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/**
 * Cache file name for a URL: 16 hex chars of the URL's SHA-256 (so distinct URLs never collide,
 * even with the same basename) plus the sanitized basename (so the cache stays readable).
 */
export function cacheFileName(url: string): string {
  const parsed = parseDownloadUrl(url);
  const key = createHash('sha256').update(parsed.href).digest('hex').slice(0, 16);
  let base = parsed.pathname.split('/').pop() ?? '';
  try {
    base = decodeURIComponent(base);
  } catch {
    // keep the raw segment when it has broken %-escapes
  }
  base = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-80);
  return `${key}-${base || 'download'}`;
}

function normalizeSha256(sha: string | undefined): string | undefined {
  if (sha === undefined) return undefined;
  if (!/^[0-9a-f]{64}$/i.test(sha)) {
    throw new InvalidArgumentError(`sha256 must be 64 hex characters, got ${JSON.stringify(sha)}`);
  }
  return sha.toLowerCase();
}

interface HashRecord { sha256: string; size: number; mtimeMs: number }

const recordPath = (file: string): string => `${file}.sha256`;

async function readHashRecord(file: string): Promise<HashRecord | null> {
  try {
    const rec = JSON.parse(await fs.readFile(recordPath(file), 'utf8')) as Partial<HashRecord>;
    if (typeof rec.sha256 === 'string' && typeof rec.size === 'number' && typeof rec.mtimeMs === 'number') {
      return { sha256: rec.sha256, size: rec.size, mtimeMs: rec.mtimeMs };
    }
  } catch {
    // missing or corrupt record: the caller just re-hashes
  }
  return null;
}

// Best effort: the record only saves time, so failing to write it must not fail the download.
async function writeHashRecord(file: string, sha256: string, st: Stats): Promise<void> {
  const rec: HashRecord = { sha256, size: st.size, mtimeMs: st.mtimeMs };
  const tmp = `${recordPath(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, JSON.stringify(rec) + '\n');
    await fs.rename(tmp, recordPath(file));
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** True when `target` is a usable cached copy (matching `expected` when given). */
async function isCached(target: string, expected: string | undefined): Promise<boolean> {
  let st: Stats;
  try {
    st = await fs.stat(target);
  } catch {
    return false;
  }
  if (!st.isFile()) return false;
  if (expected === undefined) return true;
  // Re-hashing a multi-MB model on every run is wasteful; trust the recorded hash while the
  // file's size and mtime are unchanged.
  const rec = await readHashRecord(target);
  if (rec && rec.size === st.size && rec.mtimeMs === st.mtimeMs) return rec.sha256 === expected;
  let actual: string;
  try {
    actual = await hashFile(target);
  } catch {
    return false;
  }
  await writeHashRecord(target, actual, st);
  return actual === expected;
}

function errorDetail(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici reports "fetch failed" / "terminated" with the useful part (ECONNREFUSED, "other side closed") in cause.
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && cause !== err.message ? `${err.message}: ${cause}` : err.message;
}

function wrapNetworkError(err: unknown, shown: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof SamkitError) return err;
  return new DownloadError('DOWNLOAD', `download of ${shown} failed: ${errorDetail(err)}`, { cause: err });
}

function contentLength(res: Response): number | null {
  // With a Content-Encoding, fetch decodes the body and the header counts encoded bytes.
  const enc = res.headers.get('content-encoding');
  if (enc && enc !== 'identity') return null;
  const raw = res.headers.get('content-length');
  if (raw === null || !/^\d+$/.test(raw.trim())) return null;
  return Number(raw);
}

async function writeAll(fh: fs.FileHandle, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
}

/** Streams the response body of `url` into `part`, returning its SHA-256 and stats. */
async function fetchToFile(
  url: URL, part: string, opts: DownloadOptions,
): Promise<{ sha256: string; stats: Stats }> {
  const shown = redact(url);
  const { signal, onProgress } = opts;
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  // A stalled server must not hang the load: the timer restarts on every chunk.
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(new DownloadError('DOWNLOAD', `download of ${shown} stalled: nothing received for ${Math.round(stallMs / 1000)} s`)), stallMs);
    timer.unref();
  };
  const both = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
  arm();
  try {
    return await streamToFile();
  } catch (err) {
    if (stall.signal.aborted && !signal?.aborted) throw stall.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }

  async function streamToFile(): Promise<{ sha256: string; stats: Stats }> {
  let res: Response;
  try {
    res = await fetchImpl(url.href, { signal: both, redirect: 'follow' });
  } catch (err) {
    throw wrapNetworkError(err, shown, signal);
  }
  if (!res.ok) {
    // Drain nothing: cancelling frees the connection without reading an error page we don't need.
    await res.body?.cancel().catch(() => undefined);
    const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    throw new DownloadError('DOWNLOAD', `download failed: ${status} for ${shown}`);
  }
  if (!res.body) throw new DownloadError('DOWNLOAD', `download failed: empty response (HTTP ${res.status}) for ${shown}`);

  const total = contentLength(res);
  if (total !== null && total > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new DownloadError('DOWNLOAD', `download of ${shown} is ${formatBytes(total)}, more than the limit of ${formatBytes(maxBytes)}`);
  }
  const reader = res.body.getReader();
  const hash = createHash('sha256');
  let received = 0;
  // 'wx': the name is unique to this call, so an existing file means something is badly wrong.
  const fh = await fs.open(part, 'wx');
  try {
    onProgress?.(0, total);
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw wrapNetworkError(err, shown, signal);
      }
      if (chunk.done) break;
      arm();
      received += chunk.value.length;
      if (received > maxBytes) throw new DownloadError('DOWNLOAD', `download of ${shown} exceeds the limit of ${formatBytes(maxBytes)}; stopped`);
      hash.update(chunk.value);
      await writeAll(fh, chunk.value);
      onProgress?.(received, total);
    }
    if (total !== null && received !== total) {
      throw new DownloadError('DOWNLOAD', `download of ${shown} ended after ${received} of ${total} bytes`);
    }
    if (total === null) onProgress?.(received, received);
    // Flush before the rename so a power loss cannot leave an empty file under the final name.
    await fh.datasync();
    return { sha256: hash.digest('hex'), stats: await fh.stat() };
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  } finally {
    await fh.close();
  }
  }
}

/**
 * Download `url` into the cache (or reuse the cached copy) and return the local path.
 * Throws InvalidArgumentError for non-http(s) URLs or a malformed sha256, DownloadError('DOWNLOAD')
 * for HTTP and network failures, DownloadError('CHECKSUM') when the content does not match `sha256`.
 */
export async function downloadFile(url: string, opts: DownloadOptions = {}): Promise<string> {
  const parsed = parseDownloadUrl(url);
  const expected = normalizeSha256(opts.sha256);
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  const target = path.join(cacheDir, cacheFileName(parsed.href));
  if (await isCached(target, expected)) return target;

  opts.signal?.throwIfAborted();
  try {
    await fs.mkdir(cacheDir, { recursive: true });
  } catch (err) {
    throw new DownloadError('DOWNLOAD',
      `cannot create cache directory ${cacheDir} (set SAMKIT_CACHE_DIR to use another one): ${(err as Error).message}`,
      { cause: err });
  }
  const part = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.part`;
  let result: { sha256: string; stats: Stats };
  try {
    result = await fetchToFile(parsed, part, opts);
    if (expected !== undefined && result.sha256 !== expected) {
      throw new DownloadError('CHECKSUM',
        `checksum mismatch for ${redact(parsed)}: expected sha256 ${expected}, got ${result.sha256}`);
    }
    const problem = opts.verify ? await opts.verify(part) : null;
    if (problem) throw new DownloadError('DOWNLOAD', `${redact(parsed)} is not usable (${problem}); it was not cached`);
    // rename() within one directory is atomic: readers see the old file or the complete new one.
    await fs.rename(part, target);
  } catch (err) {
    await fs.rm(part, { force: true }).catch(() => undefined);
    throw err;
  }
  await writeHashRecord(target, result.sha256, result.stats);
  return target;
}

/** "12.3 MB" style sizes (SI units, like most download tools). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(1)} ${units[i]}`;
}

// SingleBar re-arms a ref'd render timer; if a download fails, the reporter never sees the end
// and that timer would keep the process alive. Unref it after every render.
class UnrefSingleBar extends cliProgress.SingleBar {
  override render(): void {
    super.render();
    (this as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref();
  }
}

export type ProgressReporter = ProgressCallback & {
  /** Stop the bar early (e.g. after a failed download) so the terminal line is finished. */
  stop(): void;
};

/**
 * An onProgress callback drawing a progress bar (bytes, total, speed) on stderr. When stderr is
 * not a TTY (CI logs, pipes) it prints only one line at the end: "downloaded <label> (12.3 MB)".
 */
export function progressBarReporter(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  let bar: UnrefSingleBar | null = null;
  let start = 0;
  let last = -1;
  let done = false;

  const payload = (received: number, total: number | null): Record<string, string> => {
    const secs = Math.max((Date.now() - start) / 1000, 1e-3);
    return {
      received: formatBytes(received),
      size: total === null ? '?' : formatBytes(total),
      speed: `${formatBytes(Math.round(received / secs))}/s`,
    };
  };

  const stop = (): void => {
    bar?.stop();
    bar = null;
  };

  const report = (received: number, total: number | null): void => {
    // A smaller value than before means the callback is being reused for a new download.
    if (received < last || start === 0) {
      stop();
      start = Date.now();
      done = false;
    }
    last = received;
    if (done) return;
    const finished = total !== null && received >= total;
    if (stream.isTTY) {
      if (!bar) {
        const format = total === null
          ? `${label} | {received} | {speed}`
          : `${label} [{bar}] {percentage}% | {received} / {size} | {speed}`;
        bar = new UnrefSingleBar({
          stream, format, barsize: 30, hideCursor: false, linewrap: true, gracefulExit: false,
        }, cliProgress.Presets.shades_classic);
        bar.start(total ?? 0, received, payload(received, total));
      }
      bar.update(received, payload(received, total));
      if (finished) stop();
    } else if (finished) {
      stream.write(`downloaded ${label} (${formatBytes(received)})\n`);
    }
    if (finished) done = true;
  };
  return Object.assign(report, { stop });
}
