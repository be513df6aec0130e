/** Where the shared reference data lives for tests, and small helpers to compare against it. */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (tests run compiled from dist/test/...). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** `$SAMKIT_REFERENCE_DIR` (or the older `$SAMKIT_REFERENCE`); set it to a missing folder to run as a clone without ../shared would. */
export const REFERENCE_DIR = process.env.SAMKIT_REFERENCE_DIR ?? process.env.SAMKIT_REFERENCE ?? path.resolve(PROJECT_ROOT, '../shared/reference');
export const HAS_REFERENCE = existsSync(path.join(REFERENCE_DIR, 'fixtures', 'index.json'));
export const NO_REFERENCE_MESSAGE = `reference data absent: ${REFERENCE_DIR} (the shared ../shared/reference folder)`;
/** The sample image shipped in the repo (CC0, 451 x 300): for tests that need a real photo but no reference outputs. */
export const SAMPLE_IMAGE = path.join(PROJECT_ROOT, 'samples', 'chelsea.png');
export const REFERENCE_IMAGES = ['truck', 'dog', 'dogs', 'picture1', 'picture2', 'picture4', 'picture6'];

export function referenceImage(name: string): string {
  return path.join(REFERENCE_DIR, 'images', `${name}.jpg`);
}

export function readFixture<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'fixtures', file), 'utf8')) as T;
}

/** IoU of two 0/1 buffers of the same layout. */
export function bufferIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) { inter += a[i] & b[i]; union += a[i] | b[i]; }
  return union === 0 ? 1 : inter / union;
}
