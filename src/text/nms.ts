/** Greedy box NMS within each label (Grounded-SAM's per-class torchvision.ops.nms). */
import type { Detection, XyxyBox } from './detector.js';

export function boxIou(a: XyxyBox, b: XyxyBox): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Detections kept, highest score first; a box is dropped when it overlaps a kept box of its label by more than `iouThreshold`. */
export function nmsPerLabel(detections: readonly Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (!kept.some((k) => k.label === d.label && boxIou(k.box, d.box) > iouThreshold)) kept.push(d);
  }
  return kept;
}
