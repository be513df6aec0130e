/** `samkit auto`: segment everything in one image (the official automatic mask generator), JSON records out. */
import type { Command } from 'commander';
import type { AmgOutputMode } from '../../amg/options.js';
import { progressMode } from '../../batch/progress.js';
import { addAmgFlags, amgOptionsFromFlags, type AmgFlags } from '../amg-flags.js';
import { autoProgress } from '../auto-progress.js';
import { CliUsageError } from '../args.js';
import { addModelFlags, resolveModelFlags, type ModelFlags } from '../model-flags.js';

interface AutoFlags extends AmgFlags, ModelFlags {
  outputMode?: AmgOutputMode;
  out?: string;
  overlay?: string;
  quiet?: boolean;
  json?: boolean;
}

const MODES: readonly AmgOutputMode[] = ['binary_mask', 'uncompressed_rle', 'coco_rle'];

function parseMode(v: string): AmgOutputMode {
  if (!(MODES as readonly string[]).includes(v)) throw new CliUsageError(`--output-mode expects one of ${MODES.join(', ')}, got '${v}'`);
  return v as AmgOutputMode;
}

async function run(image: string, flags: AutoFlags): Promise<void> {
  // Checked before the image or the model is loaded; option errors name the flags.
  const options = amgOptionsFromFlags(flags);
  // binary_mask (the default) is written as uncompressed RLE: JSON has no binary masks, and this never holds them all.
  options.outputMode = flags.outputMode === undefined || flags.outputMode === 'binary_mask' ? 'uncompressed_rle' : flags.outputMode;
  const [{ SamAutomaticMaskGenerator }, { SamModel }, { loadImage }] = await Promise.all([
    import('../../amg/generator.js'), import('../../model/sam-model.js'), import('../../image/load-image.js'),
  ]);
  const manifest = await resolveModelFlags(flags);
  const rgb = await loadImage(image);
  const model = await SamModel.load(manifest);
  const generator = new SamAutomaticMaskGenerator(model, options);

  const progress = await autoProgress(progressMode(flags));
  let records;
  try {
    records = await generator.generate({ data: rgb.data, width: rgb.width, height: rgb.height }, { onProgress: (p) => progress.update(p) });
  } finally {
    progress.stop();
  }

  const json = `${JSON.stringify(records)}\n`;
  // Everything is computed before anything is written, so a failure leaves no partial output.
  const writes: Array<[string, string | Uint8Array]> = [];
  if (flags.overlay) {
    const [{ overlayMasks }, { encodePng }] = await Promise.all([import('../../render/overlay.js'), import('../../image/encode-png.js')]);
    const pixels = overlayMasks(rgb.data, rgb.width, rgb.height, records.map((r) => r.segmentation), { order: 'area' });
    writes.push([flags.overlay, await encodePng(pixels, rgb.width, rgb.height, 3)]);
  }
  if (flags.out) writes.push([flags.out, json]);
  const { writeFileAtomic } = await import('../../io/atomic-write.js');
  for (const [file, data] of writes) await writeFileAtomic(file, data);
  if (!flags.out) process.stdout.write(json);
}

export function register(program: Command): void {
  const cmd = program
    .command('auto')
    .description('segment everything in an image (automatic mask generator); prints a JSON array of records')
    .argument('<image>', 'image file (JPEG, PNG, WebP, ...)');
  addModelFlags(addAmgFlags(cmd))
    .option('--output-mode <mode>', 'binary_mask | uncompressed_rle | coco_rle (binary_mask is written as uncompressed RLE)', parseMode)
    .option('--out <file.json>', 'write the JSON here instead of stdout')
    .option('--overlay <file.png>', 'write the image with every mask drawn over it')
    .option('--quiet', 'no progress on stderr')
    .option('--json', 'progress as JSON lines on stderr')
    .addHelpText('after', `
Progress goes to stderr: a bar on a terminal, a line every 2 s otherwise (--json: JSON lines, --quiet: none).
Records have the official fields: segmentation (RLE, column-major {"size":[h,w],"counts":[...]}, or a
pycocotools string with --output-mode coco_rle), area, bbox [x,y,w,h] (w = last - first column),
predicted_iou, point_coords [[x,y]], stability_score, crop_box [x,y,w,h].`)
    .action(run);
}
