/** `samkit annotate`: the automatic mask generator over a folder of images, written as a dataset. */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { addCommonFlags, checkOut, EXIT_CODES_HELP, defaultJobs, modelSource, resolveProgressMode, queueTarget, type CommonBatchFlags } from '../../batch/cli.js';
import { DATASET_FORMATS, writesFolder, type DatasetFormat } from '../../dataset/formats.js';
import { addAmgFlags, amgOptionsFromFlags, resolveAmgFlags, type AmgFlags } from '../amg-flags.js';
import { CliUsageError, parseFloatArg } from '../args.js';
import type { TextRun } from '../../batch/annotate.js';
import { parsePhrases } from '../../text/phrases.js';
import { addDetectorFlags, checkGroundFlags, type GroundFlags } from './ground.js';

interface AnnotateFlags extends AmgFlags, CommonBatchFlags, Omit<GroundFlags, 'out' | 'overlay' | 'model' | 'quiet'> {
  out?: string;
  format: string;
  polygons?: boolean;
  polygonTolerance: number;
}

const HELP_AFTER = `
Formats (--format):
  coco   one COCO instances file (--out file.json): images, one "object" category, and per mask an annotation
         with segmentation (pycocotools-compressed RLE, or polygons with --polygons), area, bbox, predicted_iou,
         stability_score, point_coords, crop_box.
  sa1b   one SA-1B style JSON per image ({ image, annotations }) in the --out folder, named like the image.
  png    like the official scripts/amg.py: per image a folder with <i>.png (0/255) per mask and metadata.csv.
  yolo   an Ultralytics dataset folder: data.yaml, classes.txt, images/ (copies of the inputs) and labels/ with per
         image a .txt of "0 x0 y0 x1 y1 ..." (normalised) per mask.

Polygons (--polygons for coco, always for yolo): COCO polygons are traced along pixel borders (vertices on
pixel corners, so an exact polygon covers exactly the mask's pixels); YOLO polygons run through the centres of
the boundary pixels, the convention Ultralytics rasterises (polygon2mask: integer vertices, cv2.fillPoly
including the boundary). In COCO every
part of a multi-part mask is its own polygon of the list; holes are cut into the part around them by a
zero-width bridge (pycocotools unions the polygons of an annotation, so a separate hole ring would fill
it). YOLO allows one polygon per line, so all parts and holes of a mask are joined by zero-width bridges.

COCO bbox is pycocotools' toBbox of the mask ([x, y, w, h], w and h count pixels); SA-1B and PNG's
metadata.csv keep the official generator's convention (w = last column - first column), as its own
records do. area is the pixel count of the mask (also with --polygons). score fields are always floats.

An interrupted run keeps its finished images in <out>.partial/ and continues there when run again with the
same arguments; the output is written once all images are done (images that failed are left out and
the exit code is 1).`;

export function register(program: Command): void {
  const cmd = program
    .command('annotate')
    .description('run the automatic mask generator over every image in a folder (recursively) and write a dataset')
    .argument('<dir>', 'folder of images (JPEG, PNG, WebP; other files are skipped), or one image')
    .option('--out <path>', 'output: a .json file for coco, a folder for sa1b, png and yolo')
    .option('--format <format>', `output format: ${DATASET_FORMATS.join(', ')}`, 'coco')
    .option('--polygons', 'segmentations as polygons instead of RLE (coco; yolo is always polygons)')
    .option('--polygon-tolerance <px>', 'simplify polygons: max distance of a dropped vertex, in pixels (0 = exact pixel contours)', parseFloatArg('--polygon-tolerance', 0, 1000), 0);
  addAmgFlags(cmd);
  // Text prompts replace the generator: one category per phrase.
  addDetectorFlags(cmd.option('--text <phrases>', 'label by text instead of the automatic mask generator: phrases separated by ".", one category each (needs --detector)'));
  addCommonFlags(cmd);
  cmd.addHelpText('after', HELP_AFTER + EXIT_CODES_HELP).action(run);
}

async function run(dir: string, flags: AnnotateFlags): Promise<void> {
  if (!DATASET_FORMATS.includes(flags.format as DatasetFormat)) {
    throw new CliUsageError(`--format must be one of ${DATASET_FORMATS.join(', ')}, got '${flags.format}'`);
  }
  const format = flags.format as DatasetFormat;
  if (flags.polygons && format === 'png') throw new CliUsageError('--polygons applies to --format coco (yolo is always polygons)');
  // SA-1B's segmentation is COCO RLE by definition (its readers call mask_utils.decode on it).
  if (flags.polygons && format === 'sa1b') throw new CliUsageError('--polygons cannot be used with --format sa1b: SA-1B segmentations are COCO RLE (use --format coco --polygons for polygons)');
  const out = await checkOut(flags.out, writesFolder(format));
  const options = amgOptionsFromFlags(flags);
  const mode = resolveProgressMode(flags);
  try {
    await stat(dir);
  } catch {
    throw new CliUsageError(`no such file or folder: ${dir}`);
  }
  const text = flags.text !== undefined || flags.detector !== undefined ? textRun(flags) : undefined;
  const queue = queueTarget(flags);
  const model = await modelSource(flags);
  // Everything above is a usage check; the batch code loads only now, as `samkit predict` does not need it.
  const { annotate } = await import('../../batch/annotate.js');
  await annotate({
    dir, out, format, polygons: flags.polygons ?? format === 'yolo', polygonTolerance: flags.polygonTolerance, options, resolved: resolveAmgFlags(options),
    // One detector per job is large: text runs use one job unless told otherwise.
    model, jobs: flags.jobs ?? (text ? 1 : defaultJobs()), mode, text, queue,
  });
}

function textRun(flags: AnnotateFlags): TextRun {
  const { text, detector } = checkGroundFlags(flags);
  const options = { boxThreshold: flags.boxThreshold, textThreshold: flags.textThreshold, nmsThreshold: flags.nms, maxObjects: flags.maxObjects };
  return { phrases: parsePhrases(text), detector, options: Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
}
