/**
 * Zoom and pan as plain numbers: a view maps image pixels to stage (CSS) pixels by
 * `screen = image * scale + t`. Pure (no DOM) so the page and the unit tests share it; every
 * prompt goes through `toImage`, so points and boxes stay in image coordinates at any zoom.
 */

export interface Size { width: number; height: number }
/** `scale`: CSS pixels per image pixel; `tx`, `ty`: where the image's top-left corner is on the stage. */
export interface View { scale: number; tx: number; ty: number }
export interface Point { x: number; y: number }

/** Room left around the image when it is fitted. */
export const FIT_PAD = 20;
/** How far out and in one can zoom, relative to the fitted scale and in CSS pixels per image pixel. */
export const MIN_ZOOM_OF_FIT = 0.5;
export const MAX_SCALE = 32;
/** One `+` / `-` press. */
export const ZOOM_STEP = 1.25;

/** The whole image in the stage, centred, never enlarged beyond its fit. */
export function fitView(image: Size, stage: Size, pad = FIT_PAD): View {
  const scale = Math.max(1e-6, Math.min((stage.width - 2 * pad) / image.width, (stage.height - 2 * pad) / image.height));
  return { scale, tx: (stage.width - image.width * scale) / 2, ty: (stage.height - image.height * scale) / 2 };
}

export function toImage(view: View, sx: number, sy: number): Point {
  return { x: (sx - view.tx) / view.scale, y: (sy - view.ty) / view.scale };
}

export function toScreen(view: View, x: number, y: number): Point {
  return { x: x * view.scale + view.tx, y: y * view.scale + view.ty };
}

export function clampScale(scale: number, fitScale: number): number {
  const lo = fitScale * MIN_ZOOM_OF_FIT;
  const hi = Math.max(MAX_SCALE, fitScale);
  return Math.min(hi, Math.max(lo, scale));
}

/** Zoom by `factor` keeping the image point under the stage point (sx, sy) where it is. */
export function zoomAt(view: View, factor: number, sx: number, sy: number, fitScale: number): View {
  const scale = clampScale(view.scale * factor, fitScale);
  const p = toImage(view, sx, sy);
  return { scale, tx: sx - p.x * scale, ty: sy - p.y * scale };
}

/** Set an absolute scale around a stage point (1:1 is `1 / devicePixelRatio`: one image pixel per screen pixel). */
export function zoomTo(view: View, scale: number, sx: number, sy: number, fitScale: number): View {
  return zoomAt(view, scale / view.scale, sx, sy, fitScale);
}

export function panBy(view: View, dx: number, dy: number): View {
  return { scale: view.scale, tx: view.tx + dx, ty: view.ty + dy };
}

/**
 * Keep part of the image on the stage: a pan may not push it out further than leaving `keep` CSS
 * pixels (or the whole image, when smaller) visible on each axis.
 */
export function clampPan(view: View, image: Size, stage: Size, keep = 64): View {
  const w = image.width * view.scale;
  const h = image.height * view.scale;
  const kx = Math.min(keep, w);
  const ky = Math.min(keep, h);
  return { scale: view.scale, tx: Math.min(stage.width - kx, Math.max(kx - w, view.tx)), ty: Math.min(stage.height - ky, Math.max(ky - h, view.ty)) };
}

/**
 * The zoom factor of one wheel event: smooth for trackpads (small deltas, pinch arrives as
 * ctrl+wheel with fractional deltas) and about one step per mouse-wheel notch.
 */
export function wheelFactor(deltaY: number, deltaMode: number, pinch: boolean): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const k = pinch ? 0.01 : 0.0022;
  return Math.exp(-Math.max(-300, Math.min(300, px)) * k);
}

/** The part of the image on the stage (image pixels, clipped to the image), for drawing only what shows. */
export function visibleImageRect(view: View, image: Size, stage: Size): { x: number; y: number; w: number; h: number } | null {
  const a = toImage(view, 0, 0);
  const b = toImage(view, stage.width, stage.height);
  const x0 = Math.max(0, Math.floor(a.x));
  const y0 = Math.max(0, Math.floor(a.y));
  const x1 = Math.min(image.width, Math.ceil(b.x));
  const y1 = Math.min(image.height, Math.ceil(b.y));
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Zoom in percent of the image's own pixels on screen (100 = 1:1 at this device pixel ratio). */
export function zoomPercent(view: View, dpr: number): number {
  return Math.round(view.scale * dpr * 100);
}
