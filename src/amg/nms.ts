/**
 * Box utilities with the official conventions: XYXY boxes whose x1/y1 are the last set column/row
 * (inclusive, as `batched_mask_to_box` gives them), and torchvision's CPU `nms` (float32 arithmetic,
 * stable sort by score descending, suppress when IoU > threshold).
 */

const f32 = Math.fround;

/**
 * Non-maximum suppression over `n` boxes (flat XYXY in `boxes`). Returns the kept indices ordered by
 * descending score, ties in input order, as torchvision's batched_nms does for a single category.
 */
export function boxNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number): Int32Array {
  const n = scores.length;
  const order = stableOrderDescending(scores);
  const areas = new Float64Array(n);
  for (let i = 0; i < n; i++) areas[i] = f32(f32(boxes[4 * i + 2] - boxes[4 * i]) * f32(boxes[4 * i + 3] - boxes[4 * i + 1]));
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let a = 0; a < n; a++) {
    const i = order[a];
    if (suppressed[i]) continue;
    keep.push(i);
    const ix0 = boxes[4 * i], iy0 = boxes[4 * i + 1], ix1 = boxes[4 * i + 2], iy1 = boxes[4 * i + 3];
    const iarea = areas[i];
    for (let b = a + 1; b < n; b++) {
      const j = order[b];
      if (suppressed[j]) continue;
      const w = Math.max(0, f32(Math.min(ix1, boxes[4 * j + 2]) - Math.max(ix0, boxes[4 * j])));
      const h = Math.max(0, f32(Math.min(iy1, boxes[4 * j + 3]) - Math.max(iy0, boxes[4 * j + 1])));
      const inter = f32(w * h);
      // 0/0 (two empty boxes) is NaN and never suppresses, as in torchvision.
      const iou = f32(inter / f32(f32(iarea + areas[j]) - inter));
      if (iou > iouThreshold) suppressed[j] = 1;
    }
  }
  return Int32Array.from(keep);
}

/** Indices sorted by value descending; equal values keep their input order (NaN last). */
export function stableOrderDescending(values: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => {
    const va = values[a], vb = values[b];
    if (va === vb) return a - b;
    if (Number.isNaN(va)) return Number.isNaN(vb) ? a - b : 1;
    if (Number.isNaN(vb)) return -1;
    return vb - va;
  });
  return Int32Array.from(idx);
}

/**
 * The official `is_box_near_crop_edge`: the (image-frame) box lies within `atol` of an edge of the crop
 * that is not also an edge of the image.
 */
export function isBoxNearCropEdge(box: ArrayLike<number>, cropBox: ArrayLike<number>, imageBox: ArrayLike<number>, atol = 20): boolean {
  for (let k = 0; k < 4; k++) {
    const nearCrop = Math.abs(box[k] - cropBox[k]) <= atol;
    const nearImage = Math.abs(box[k] - imageBox[k]) <= atol;
    if (nearCrop && !nearImage) return true;
  }
  return false;
}
