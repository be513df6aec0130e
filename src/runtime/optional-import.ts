/**
 * Optional packages: features whose dependencies are large or rarely used (text prompts and Whisper
 * through @huggingface/transformers, the Redis queue through bullmq) are optional peer dependencies,
 * so `npm install samkit` does not pull them. Using the feature without the package gives one line
 * naming the install command instead of Node's module-resolution error.
 */
import { DependencyError } from '../core/errors.js';

/** The versions samkit is tested with (package.json `peerDependencies`; a unit test keeps them equal). */
export const OPTIONAL_PACKAGES = {
  '@huggingface/transformers': '4.3.2',
  bullmq: '5.81.5',
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** True when `err` is Node's "cannot find package `pkg`" (ESM or CommonJS resolution). */
export function isMissingPackage(err: unknown, pkg: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'MODULE_NOT_FOUND')) return false;
  const msg = String(e.message);
  return msg.includes(`'${pkg}'`) || msg.includes(`"${pkg}"`) || msg.includes(`/node_modules/${pkg}/`);
}

/**
 * Run `load` (a dynamic import of the package or of the module that imports it); when the package is
 * not installed, throw a DependencyError saying what needs it and how to install it.
 */
export async function importOptional<T>(pkg: OptionalPackage, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (!isMissingPackage(err, pkg)) throw err;
    throw new DependencyError(`${feature} needs the optional package ${pkg}, which is not installed: npm install ${pkg}@${OPTIONAL_PACKAGES[pkg]}`, { cause: err });
  }
}
