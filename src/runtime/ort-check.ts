/**
 * onnxruntime-node loads its native binary when it is first imported. When that binary is missing or
 * cannot load (an install whose script failed offline, a copied node_modules from another platform),
 * Node's error is a stack trace about a `.node` file; this turns it into one line naming the fix.
 * Imported first by the library entry and the CLI, so it runs before any module that uses the runtime.
 */
import { createRequire } from 'node:module';
import { DependencyError } from '../core/errors.js';

export const ORT_REINSTALL = 'reinstall with ONNXRUNTIME_NODE_INSTALL=skip npm install (the CPU runtime ships in the package; the variable skips the CUDA download that fails offline)';

/** The one-line error for a failed onnxruntime-node load. */
export function onnxruntimeLoadError(err: unknown): DependencyError {
  const cause = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return new DependencyError(`onnxruntime-node cannot load its native runtime (${cause}): ${ORT_REINSTALL}`, { cause: err });
}

/** Load onnxruntime-node (or what `load` loads) and throw a DependencyError naming the fix if it fails. */
export function checkOnnxruntimeNode(load: () => unknown = () => createRequire(import.meta.url)('onnxruntime-node')): void {
  try {
    load();
  } catch (err) {
    throw onnxruntimeLoadError(err);
  }
}

checkOnnxruntimeNode();
