/** `samkit boxes2masks`: masks for the boxes of a COCO dataset. */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { addCommonFlags, checkOut, EXIT_CODES_HELP, defaultJobs, modelSource, resolveProgressMode, queueTarget, type CommonBatchFlags } from '../../batch/cli.js';
import { defaultEmbeddingsDir } from '../../store/embedding-store.js';
import { CliUsageError } from '../args.js';

interface Boxes2MasksFlags extends CommonBatchFlags {
  images?: string;
  out?: string;
  embeddings?: string;
}

const HELP_AFTER = `
Each image's boxes go through the predictor in one batched call with single-mask output (the official
SamPredictor's multimask_output=False). Every annotation with a bbox gets segmentation (pycocotools-
compressed RLE), area (pixels of the mask) and predicted_iou; its bbox, ids, category and every other
field of the file are kept. Images that cannot be read keep their annotations unchanged and make the exit
code 1. Boxes reaching past the image border are clipped to it.

An interrupted run keeps finished images in <out>.partial/ and continues when run again.`;

async function folder(flag: string, dir: string | undefined, required: boolean): Promise<string | undefined> {
  if (dir === undefined) {
    if (required) throw new CliUsageError(`${flag} is required`);
    return undefined;
  }
  let ok = false;
  try {
    ok = (await stat(dir)).isDirectory();
  } catch { /* reported below */ }
  if (!ok) throw new CliUsageError(`${flag}: no such folder: ${dir}`);
  return dir;
}

export function register(program: Command): void {
  const cmd = program
    .command('boxes2masks')
    .description('turn the boxes of a COCO dataset into masks (one batched predictor call per image)')
    .argument('<coco.json>', 'COCO file whose annotations have bbox [x, y, w, h]')
    .option('--images <dir>', 'folder the file_name of each image is relative to')
    .option('--out <file.json>', 'where to write the dataset with masks')
    .option('--embeddings <dir>', `embedding store (from samkit embed) to take image embeddings from when it has them (default: ${defaultEmbeddingsDir()})`);
  addCommonFlags(cmd);
  cmd.addHelpText('after', HELP_AFTER + EXIT_CODES_HELP).action(run);
}

async function run(dataset: string, flags: Boxes2MasksFlags): Promise<void> {
  const images = (await folder('--images', flags.images, true))!;
  // The default store, as annotate and the app use (a missing store just means nothing is stored yet).
  const embeddings = flags.embeddings !== undefined ? await folder('--embeddings', flags.embeddings, false) : defaultEmbeddingsDir();
  const out = await checkOut(flags.out, false);
  const mode = resolveProgressMode(flags);
  const queue = queueTarget(flags);
  const model = await modelSource(flags);
  const { boxes2masks } = await import('../../batch/boxes2masks.js');
  await boxes2masks({ dataset, images, out, embeddings, model, jobs: flags.jobs ?? defaultJobs(), mode, queue });
}
