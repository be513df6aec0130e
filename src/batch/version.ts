/** samkit's package version, recorded in journals and dataset `info` (it decides how results are computed). */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function samkitVersion(): string {
  if (cached === null) {
    try {
      // dist/src/batch/version.js -> package.json at the package root.
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
      cached = pkg.version ?? 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
