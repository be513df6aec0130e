/**
 * The official `scripts/amg.py` folder output: per image a folder with one `<i>.png` per mask
 * (0 or 255, 8-bit grey) and a `metadata.csv` whose rows are written as Python's `str()` would.
 */
import { rleToMask } from '../core/rle.js';
import sharp from 'sharp';
import type { DatasetImage } from './records.js';

export const METADATA_HEADER = 'id,area,bbox_x0,bbox_y0,bbox_w,bbox_h,point_input_x,point_input_y,predicted_iou,stability_score,crop_box_x0,crop_box_y0,crop_box_w,crop_box_h';

/** Python's `str(float)`: shortest round-trip digits, `.0` on integral values, exponent outside [1e-4, 1e16). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e16) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = x.toExponential().split('e');
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** metadata.csv as amg.py writes it (rows joined by newlines, no trailing newline). */
export function metadataCsv(image: DatasetImage): string {
  const rows = [METADATA_HEADER];
  image.records.forEach((r, i) => {
    const [px, py] = r.point_coords[0] ?? [NaN, NaN];
    rows.push([
      String(i), String(r.area), ...r.bbox.map(String), pyFloat(px), pyFloat(py),
      pyFloat(r.predicted_iou), pyFloat(r.stability_score), ...r.crop_box.map(String),
    ].join(','));
  });
  return rows.join('\n');
}

/**
 * An 8-bit greyscale PNG, as cv2.imwrite writes a 2-D array (encodePng's one-channel input comes out
 * as RGB, because sharp converts to sRGB unless told otherwise).
 */
function greyPng(data: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

/** The files of one image's folder: [name, bytes] pairs. */
export async function pngFolderFiles(image: DatasetImage): Promise<Array<[string, string | Uint8Array]>> {
  const files: Array<[string, string | Uint8Array]> = [];
  for (let i = 0; i < image.records.length; i++) {
    const mask = rleToMask(image.records[i].segmentation);
    const grey = mask.data;
    // 0/1 to 0/255 in place: the decoded mask is ours to change.
    for (let p = 0; p < grey.length; p++) grey[p] = grey[p] ? 255 : 0;
    files.push([`${i}.png`, await greyPng(grey, mask.width, mask.height)]);
  }
  files.push(['metadata.csv', metadataCsv(image)]);
  return files;
}
