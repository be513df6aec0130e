/**
 * onnxruntime sessions that reuse their optimized graph. Optimizing a graph at session creation costs
 * more than the encoder's whole setup on a short CLI run (about 0.5 s for the encoder and 0.3 s for a
 * decoder here); onnxruntime can save the optimized graph, and loading that with optimizations off
 * gives the same kernels and the same results. The saved graph may use layouts specific to this CPU,
 * so the cache key includes the CPU model, the architecture and the onnxruntime version.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import { ModelError } from '../core/errors.js';
import { contentKey } from './content-key.js';
import { recordDerived } from './derived-cache.js';
import { withFloat32IO } from '../runtime/float16-session.js';

function baseOptions(threads: number): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' };
}

async function optimizedPath(file: string, cacheDir: string): Promise<string | null> {
  try {
    // Keyed by the model's content, not its location: identical models share one optimized graph.
    const key = createHash('sha256')
      .update([await contentKey(file, cacheDir), ort.env.versions?.common ?? '', process.arch, os.cpus()[0]?.model ?? ''].join('\0'))
      .digest('hex')
      .slice(0, 24);
    return path.join(cacheDir, 'optimized', `${key}.onnx`);
  } catch {
    return null;
  }
}

/**
 * A session for a model file or bytes. With a cache dir, a file's optimized graph is saved there on
 * first use and loaded from there afterwards; any problem with the cache falls back to a plain load.
 */
/**
 * A session for a model file or bytes (optimized once and cached per content when a cache dir is
 * given), taking and returning float32 where the graph declares float16 I/O (withFloat32IO).
 */
export async function createSession(model: string | Uint8Array, threads: number, what: string, cacheDir?: string): Promise<ort.InferenceSession> {
  return withFloat32IO(await openSession(model, threads, what, cacheDir));
}

async function openSession(model: string | Uint8Array, threads: number, what: string, cacheDir?: string): Promise<ort.InferenceSession> {
  const options = baseOptions(threads);
  const optimized = typeof model === 'string' && cacheDir ? await optimizedPath(model, cacheDir) : null;
  if (optimized) {
    try {
      return await ort.InferenceSession.create(optimized, { ...options, graphOptimizationLevel: 'disabled' });
    } catch {
      await rm(optimized, { force: true }).catch(() => undefined);
    }
    const tmp = `${optimized}.${process.pid}.${Date.now()}.part`;
    try {
      await mkdir(path.dirname(optimized), { recursive: true });
      // logSeverityLevel 3: onnxruntime warns that such a file is meant for this machine, which the key ensures.
      const session = await ort.InferenceSession.create(model as string, { ...options, optimizedModelFilePath: tmp, logSeverityLevel: 3 });
      await rename(tmp, optimized).then(
        () => recordDerived(path.dirname(optimized), path.basename(optimized, '.onnx'), model as string),
        () => rm(tmp, { force: true }),
      );
      return session;
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
  try {
    return typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  } catch (err) {
    throw new ModelError(`cannot load ${what}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}
