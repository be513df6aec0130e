/** `samkit embed`: precompute image embeddings into a content-addressed store. */
import type { Command } from 'commander';
import { defaultEmbeddingsDir } from '../../store/embedding-store.js';
import { addCommonFlags, checkOut, EXIT_CODES_HELP, defaultJobs, modelSource, resolveProgressMode, queueTarget, type CommonBatchFlags } from '../../batch/cli.js';

interface EmbedFlags extends CommonBatchFlags {
  out?: string;
}

const HELP_AFTER = `
The store holds <out>/<model id>/<sha256 of the image file>.npy (float32 embedding, NumPy format) and a
.json beside it (model id, original and input size, shape, source). Images already in the store are
skipped, so running again after an interruption only computes the rest. SamPredictor.setImageEmbedding,
samkit boxes2masks --embeddings and the web app (npm start, same default folder) read the store.`;

export function register(program: Command): void {
  const cmd = program
    .command('embed')
    .description('compute and store image embeddings (skips images already stored)')
    .argument('<images...>', 'image files and/or folders (searched recursively for JPEG, PNG, WebP)')
    .option('--out <dir>', `embedding store folder (default: the web app's store, ${defaultEmbeddingsDir()})`);
  addCommonFlags(cmd);
  cmd.addHelpText('after', HELP_AFTER + EXIT_CODES_HELP).action(run);
}

async function run(inputs: string[], flags: EmbedFlags): Promise<void> {
  // The app's default store, so `samkit embed folder/` then `npm start` opens those images instantly.
  const out = await checkOut(flags.out ?? defaultEmbeddingsDir(), true);
  const mode = resolveProgressMode(flags);
  const queue = queueTarget(flags);
  const model = await modelSource(flags);
  const { embed } = await import('../../batch/embed.js');
  await embed({ inputs, out, model, jobs: flags.jobs ?? defaultJobs(), mode, queue });
}
