/**
 * Masks for `samkit inpaint` from a file: a PNG (pixels >= 128 are the mask) or JSON with an RLE
 * (uncompressed or COCO string counts): a single RLE object, one record with a `segmentation`, or the
 * output of `predict`/`ground`/`auto` (`masks`, `objects`, `annotations` or a list of records).
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { InvalidArgumentError } from '../core/errors.js';
import { Mask } from '../core/mask.js';
import { rleToMask, type Rle } from '../core/rle.js';

/** Which record of a list: an index, or 'all' for their union. */
export type MaskPick = number | 'all';

function isRle(v: unknown): v is Rle {
  const o = v as { size?: unknown; counts?: unknown } | null;
  return !!o && typeof o === 'object' && Array.isArray(o.size) && (Array.isArray(o.counts) || typeof o.counts === 'string');
}

function recordRle(v: unknown, where: string): Rle {
  if (isRle(v)) return v;
  const seg = (v as { segmentation?: unknown } | null)?.segmentation;
  if (isRle(seg)) return seg;
  throw new InvalidArgumentError(`${where} is not an RLE mask ({"size": [h, w], "counts": ...}) nor a record with one in "segmentation"`);
}

/** The RLEs a parsed JSON file holds, then the one picked. */
export function masksFromJson(json: unknown, name: string, pick?: MaskPick): Mask {
  const o = json as Record<string, unknown> | null;
  const list = Array.isArray(json) ? json
    : o && typeof o === 'object' ? (['masks', 'objects', 'annotations'].map((k) => o[k]).find(Array.isArray) as unknown[] | undefined) : undefined;
  if (!list) return rleToMask(recordRle(json, name));
  if (list.length === 0) throw new InvalidArgumentError(`${name} holds no masks`);
  if (pick === undefined && list.length > 1) throw new InvalidArgumentError(`${name} holds ${list.length} masks: choose one with --mask-index 0..${list.length - 1} or all`);
  if (pick === 'all') {
    const masks = list.map((r, i) => rleToMask(recordRle(r, `${name} record ${i}`)));
    const { width, height } = masks[0];
    const union = new Uint8Array(width * height);
    for (const [i, m] of masks.entries()) {
      if (m.width !== width || m.height !== height) throw new InvalidArgumentError(`${name} record ${i} is ${m.width}x${m.height}, record 0 ${width}x${height}`);
      for (let j = 0; j < union.length; j++) union[j] |= m.data[j];
    }
    return new Mask(width, height, union);
  }
  const index = pick ?? 0;
  if (index < 0 || index >= list.length) throw new InvalidArgumentError(`--mask-index ${index} is out of range: ${name} holds ${list.length} masks`);
  return rleToMask(recordRle(list[index], `${name} record ${index}`));
}

export async function readMaskFile(file: string, pick?: MaskPick): Promise<Mask> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(`cannot read mask ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
  }
  const head = bytes.subarray(0, 64).toString('utf8').trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    let json: unknown;
    try { json = JSON.parse(bytes.toString('utf8')); } catch (err) { throw new InvalidArgumentError(`mask ${file} is not valid JSON: ${(err as Error).message}`); }
    try {
      return masksFromJson(json, file, pick);
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw err;
      throw new InvalidArgumentError(`mask ${file}: ${(err as Error).message}`);
    }
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated' }).greyscale().raw().toBuffer({ resolveWithObject: true });
    const m = new Uint8Array(info.width * info.height);
    for (let i = 0; i < m.length; i++) m[i] = data[i * info.channels] >= 128 ? 1 : 0;
    return new Mask(info.width, info.height, m);
  } catch (err) {
    throw new InvalidArgumentError(`mask ${file} is neither RLE JSON nor an image: ${(err as Error).message.split('\n')[0]}`);
  }
}
