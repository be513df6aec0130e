/** Shared helpers for the benchmarks: reference images, medians, machine description. */
import { existsSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REFERENCE_DIR = process.env.SAMKIT_REFERENCE ?? path.resolve(PROJECT_ROOT, '../shared/reference');
export const BENCH_IMAGES = ['truck', 'dog', 'dogs', 'picture1', 'picture2', 'picture4', 'picture6'];

export function benchImages(names = process.env.BENCH_IMAGES?.split(',') ?? BENCH_IMAGES): string[] {
  const files = names.map((n) => path.join(REFERENCE_DIR, 'images', `${n}.jpg`));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`benchmark images missing: ${missing.join(', ')} (set SAMKIT_REFERENCE)`);
  return files;
}

/** A [256, 64, 64] image embedding of small pseudo-random values, the same for every benchmark. */
export function syntheticEmbedding(): Float32Array {
  const emb = new Float32Array(256 * 64 * 64);
  let seed = 7;
  for (let i = 0; i < emb.length; i++) { seed = (seed * 16807) % 2147483647; emb[i] = (seed / 2147483647 - 0.5) * 0.4; }
  return emb;
}

export function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? (v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : NaN;
}

export function percentile(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(v.length * p))];
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
