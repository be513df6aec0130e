/** Default locations of the annotation app's files. */
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Uploaded images and annotations: user data, so not under the cache dir (which may be wiped).
 * `$SAMKIT_DATA_DIR`, else `$XDG_DATA_HOME/samkit`, else `~/.local/share/samkit`, plus `app/`.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SAMKIT_DATA_DIR) return path.join(path.resolve(env.SAMKIT_DATA_DIR), 'app');
  const xdg = env.XDG_DATA_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'samkit', 'app');
  return path.join(os.homedir(), '.local', 'share', 'samkit', 'app');
}

/** The built frontend (web/dist), relative to this compiled file (dist/src/server/). */
export function webDistDir(): string {
  return fileURLToPath(new URL('../../../web/dist/', import.meta.url));
}
