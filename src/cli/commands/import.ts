/**
 * `samkit import <dir> <file|folder>`: add COCO, YOLO, SA-1B, PNG mask folders or samkit's own
 * outputs to a project folder as proposals, reviewed later in `samkit app <dir>`.
 */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { CliUsageError } from '../args.js';

interface ImportFlags { image?: string; data?: string; json?: boolean }

async function run(dir: string, source: string, flags: ImportFlags): Promise<void> {
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new CliUsageError(`the project folder ${dir} does not exist or is not a folder`);
  // Loaded here: the other commands do not pay for the project modules.
  const [{ ImageLibrary }, { AnnotationStore }, { ProjectStore, PROJECT_DATA_DIR }, { ProposalStore }, { importIntoProject }, { MAX_IMAGE_PIXELS }] = await Promise.all([
    import('../../server/image-library.js'), import('../../server/annotations.js'), import('../../project/project-store.js'),
    import('../../project/proposal-store.js'), import('../../project/import-run.js'), import('../../image/load-image.js'),
  ]);
  const data = flags.data ?? path.join(dir, PROJECT_DATA_DIR);
  const project = new ProjectStore(dir, new ImageLibrary(data, MAX_IMAGE_PIXELS), new AnnotationStore(data), [data]);
  const s = await importIntoProject(project, new ProposalStore(data), source, { image: flags.image });
  if (flags.json) process.stdout.write(`${JSON.stringify(s)}\n`);
  else process.stdout.write(`imported ${s.proposals} proposal(s) for ${s.images} image(s) (${s.format}${s.duplicates ? `, ${s.duplicates} already proposed` : ''}${s.empty ? `, ${s.empty} empty skipped` : ''}); review them in: samkit app ${dir}\n`);
}

export function register(program: Command): void {
  program
    .command('import')
    .description('import annotations into a project folder as proposals to review in `samkit app <dir>`')
    .argument('<dir>', 'the project folder (its images)')
    .argument('<source>', 'COCO JSON, SA-1B JSON (file or folder), YOLO dataset folder, PNG mask folders, or samkit auto / ground / predict JSON')
    .option('--image <path>', 'for samkit auto / ground / predict output (which names no image): the project image, as a path inside <dir>')
    .option('--data <dir>', 'the app\'s data folder if not <dir>/.samkit (as given to samkit app --data)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Images are matched by file_name relative to <dir>, else by base name (YOLO labels and PNG folders by
their path without extension). Masks must have the image's size. Nothing is stored unless the whole
source is valid; masks already proposed for an image are not added again.`)
    .action(run);
}
