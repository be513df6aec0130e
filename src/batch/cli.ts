/** Pieces shared by the batch commands' command-line handling (checked before anything is written). */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { CliUsageError, parseIntArg } from '../cli/args.js';
import { addModelFlags, resolveModelFlags, type ModelFlags } from '../cli/model-flags.js';
import type { ModelSource } from '../model/sam-model.js';
import { progressMode, type ProgressMode } from './progress.js';
import { parseRedisUrl, type RedisTarget } from './queue/redis-url.js';

export interface CommonBatchFlags extends ModelFlags {
  jobs?: number;
  quiet?: boolean;
  json?: boolean;
  queue?: string;
}

/**
 * Default parallel jobs: on two cores, two single-threaded models (measured faster than one model
 * with two threads, and cheaper in CPU time: see bench/batch.ts); on bigger machines one job per two
 * cores, each with two onnxruntime threads.
 */
export function defaultJobs(cores = availableParallelism()): number {
  return cores >= 2 ? Math.max(2, Math.floor(cores / 2)) : 1;
}

export const EXIT_CODES_HELP = `
Exit codes: 0 every image done, 1 some image failed (the others are written) or another error,
2 bad flags (nothing written), 130 stopped by Ctrl+C (finished images kept).`;

export function addCommonFlags(cmd: Command): Command {
  return addModelFlags(cmd
    .option('--jobs <n>', `images processed at once, each by its own single-model worker thread; 1 = one model in this thread using every core (default ${defaultJobs()} here)`, parseIntArg('--jobs', 1, 64)))
    .option('--quiet', 'print nothing but errors on stderr')
    .option('--json', 'progress as JSON lines on stderr (events: start, image, error, note, interrupted, summary)')
    .option('--queue <redis-url>', 'scale out: enqueue one job per image on redis://host:port[/db] for `samkit worker` processes and wait for them (no model is loaded here; --jobs is ignored)');
}

/** The checked --queue target, or undefined for a local run. */
export function queueTarget(flags: CommonBatchFlags): RedisTarget | undefined {
  return flags.queue === undefined ? undefined : parseRedisUrl(flags.queue);
}

export function resolveProgressMode(flags: CommonBatchFlags): ProgressMode {
  if (flags.quiet && flags.json) throw new CliUsageError('--quiet and --json exclude each other');
  return progressMode(flags);
}

/** The model source for --model, read and checked now so a bad manifest fails before any output. */
export async function modelSource(flags: ModelFlags): Promise<ModelSource> {
  return resolveModelFlags(flags);
}

/** --out must be a file for single-file formats and a folder (or nothing yet) for per-image ones. */
export async function checkOut(out: string | undefined, folder: boolean, flag = '--out'): Promise<string> {
  if (!out) throw new CliUsageError(`${flag} is required`);
  try {
    const st = await stat(out);
    if (folder && !st.isDirectory()) throw new CliUsageError(`${flag} ${out} is a file; this format writes a folder`);
    if (!folder && st.isDirectory()) throw new CliUsageError(`${flag} ${out} is a folder; give a file name`);
  } catch (err) {
    if (err instanceof CliUsageError) throw err;
  }
  return out;
}
