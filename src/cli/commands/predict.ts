/** `samkit predict`: one prompt on one image, JSON masks out, optional overlay and logits. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidPromptError } from '../../core/errors.js';
import { maskToCocoRle, maskToRle } from '../../core/rle.js';
import { encodePng } from '../../image/encode-png.js';
import { loadImage } from '../../image/load-image.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { decodeNpyFloat32, encodeNpyFloat32 } from '../../io/npy.js';
import { SamPredictor } from '../../predictor.js';
import { overlayMasks } from '../../render/overlay.js';
import { CliUsageError, parseBox, parsePoint } from '../args.js';
import { addModelFlags, resolveModelFlags, type ModelFlags } from '../model-flags.js';

interface PredictFlags extends ModelFlags {
  point?: Array<{ x: number; y: number; label: number }>;
  box?: [number, number, number, number];
  singleMask?: boolean;
  maskInput?: string;
  rle?: string;
  saveLogits?: string;
  out?: string;
  overlay?: string;
}

const LOW_RES = 256;

async function readMaskInput(file: string): Promise<Float32Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InvalidPromptError(`cannot read --mask-input ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const expected = LOW_RES * LOW_RES;
  // .npy from --save-logits (or numpy), or raw little-endian float32.
  if (bytes[0] === 0x93) {
    const { data, shape } = decodeNpyFloat32(bytes, file);
    if (data.length !== expected) throw new InvalidPromptError(`--mask-input ${file} has shape (${shape.join(', ')}), expected (1, ${LOW_RES}, ${LOW_RES}) low-res logits`);
    return data;
  }
  if (bytes.length !== expected * 4) {
    throw new InvalidPromptError(`--mask-input ${file} has ${bytes.length} bytes; expected a .npy file or ${expected * 4} bytes of raw float32 ${LOW_RES}x${LOW_RES} logits`);
  }
  const data = new Float32Array(expected);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < expected; i++) data[i] = view.getFloat32(i * 4, true);
  return data;
}

async function run(image: string, flags: PredictFlags): Promise<void> {
  if (!flags.point?.length && !flags.box && !flags.maskInput) {
    throw new CliUsageError('give at least one --point x,y[,label] or a --box x0,y0,x1,y1');
  }
  const rle = flags.rle ?? 'uncompressed';
  if (rle !== 'uncompressed' && rle !== 'coco') throw new CliUsageError(`--rle must be uncompressed or coco, got '${rle}'`);
  const encode = rle === 'coco' ? maskToCocoRle : maskToRle;
  const maskInput = flags.maskInput ? await readMaskInput(flags.maskInput) : undefined;
  // Decode the image while the model sessions are created.
  const [rgb, predictor] = await Promise.all([loadImage(image), resolveModelFlags(flags).then((m) => SamPredictor.create(m))]);
  await predictor.setImage({ data: rgb.data, width: rgb.width, height: rgb.height });
  const result = await predictor.predict({
    pointCoords: flags.point?.map((p) => [p.x, p.y] as const),
    pointLabels: flags.point?.map((p) => p.label),
    box: flags.box,
    maskInput,
    multimaskOutput: !flags.singleMask,
  });
  let best = 0;
  result.scores.forEach((s, i) => { if (s > result.scores[best]) best = i; });
  const json = JSON.stringify({
    image: { width: rgb.width, height: rgb.height },
    masks: result.masks.map((m, i) => ({ segmentation: encode(m), score: result.scores[i], area: m.area, bbox: m.bbox })),
  });
  // Everything is computed before anything is written, so a failure leaves no partial output.
  const writes: Array<[string, string | Uint8Array]> = [];
  if (flags.saveLogits) writes.push([flags.saveLogits, encodeNpyFloat32(result.lowResLogits[best], [1, LOW_RES, LOW_RES])]);
  if (flags.overlay) {
    const pixels = overlayMasks(rgb.data, rgb.width, rgb.height, [result.masks[best]]);
    writes.push([flags.overlay, await encodePng(pixels, rgb.width, rgb.height, 3)]);
  }
  if (flags.out) writes.push([flags.out, `${json}\n`]);
  for (const [file, data] of writes) await writeFileAtomic(file, data);
  if (!flags.out) process.stdout.write(`${json}\n`);
}

export function register(program: Command): void {
  const cmd = program
    .command('predict')
    .description('segment one image from point and/or box prompts; prints JSON masks (uncompressed column-major RLE, or --rle coco)')
    .argument('<image>', 'image file (JPEG, PNG, WebP, ...)')
    .option('--point <x,y[,label]>', 'a prompt point in image pixels; label 1 = foreground (default), 0 = background; repeatable', parsePoint)
    .option('--box <x0,y0,x1,y1>', 'a prompt box in image pixels', parseBox)
    .option('--single-mask', 'return the single-mask output instead of 3 candidates')
    .option('--mask-input <file>', 'low-res logits from a previous --save-logits, to refine')
    .option('--save-logits <file>', 'write the best candidate\'s 256x256 low-res logits (.npy, float32, shape 1x256x256)')
    .option('--out <file.json>', 'write the JSON here instead of stdout')
    .option('--overlay <file.png>', 'write the image with the best mask drawn over it')
    .option('--rle <kind>', "mask encoding: 'uncompressed' (official column-major counts, the default) or 'coco' (pycocotools-compressed string, ~10x smaller: use it for terminals and files)");
  addModelFlags(cmd).action(run);
}
