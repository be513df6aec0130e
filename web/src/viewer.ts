/**
 * The image view: four stacked canvases (image, objects, automatic masks, live prompt) in the
 * stage, zoomed and panned together (zoom.ts), and the mapping between pointer positions, display
 * pixels and image coordinates. The mask layers sit in one box sized in image pixels and moved by a
 * CSS transform, so every pointer position maps to image coordinates through the box's rectangle at
 * any zoom; the image layer is the stage's size and redrawn from the full-resolution image, so it
 * stays sharp when zoomed in.
 */
import type { ImageInfo } from '../../src/server/protocol.js';
import { ApiError } from './api.js';
import { $ } from './dom.js';
import { compositeCrops, type CompositeItem } from './paint.js';
import { visibleImageRect } from './viewport.js';
import { Zoom } from './zoom.js';

export type LayerName = 'image' | 'objects' | 'auto' | 'live';

/** A pointer position in image coordinates (x, y) and in display pixels (dx, dy). */
export interface ImagePoint { x: number; y: number; dx: number; dy: number }

/** An image decoded for the view: full resolution, or scaled down to 16 megapixels. */
export async function decodeImageBitmap(blob: Blob, info: ImageInfo): Promise<ImageBitmap> {
  const k = Math.min(1, Math.sqrt(16e6 / (info.width * info.height)));
  try {
    return await (k < 1
      ? createImageBitmap(blob, { resizeWidth: Math.round(info.width * k), resizeHeight: Math.round(info.height * k), resizeQuality: 'high' })
      : createImageBitmap(blob));
  } catch {
    throw new ApiError(422, 'this browser cannot display the image', 'DISPLAY');
  }
}

export class Viewer {
  readonly stage = $('stage');
  readonly wrap = $('canvas-wrap');
  readonly layers: Record<LayerName, HTMLCanvasElement> = {
    image: $<HTMLCanvasElement>('layer-image'),
    objects: $<HTMLCanvasElement>('layer-objects'),
    auto: $<HTMLCanvasElement>('layer-auto'),
    live: $<HTMLCanvasElement>('layer-live'),
  };
  readonly ctx: Record<LayerName, CanvasRenderingContext2D> = {
    image: this.layers.image.getContext('2d')!,
    objects: this.layers.objects.getContext('2d')!,
    auto: this.layers.auto.getContext('2d')!,
    live: this.layers.live.getContext('2d')!,
  };
  /** Canvas size in device pixels (the masks are rendered at this size). */
  display = { width: 0, height: 0 };
  readonly zoom = new Zoom(this.stage);
  private info: ImageInfo | null = null;
  private shownBitmap: ImageBitmap | null = null;
  private frame = 0;
  private readonly viewListeners: Array<() => void> = [];
  /** Prompt marks (points, boxes) at screen resolution over the masks, so they stay crisp at any zoom. */
  private readonly marksCanvas = document.createElement('canvas');
  private readonly marksCtx = this.marksCanvas.getContext('2d')!;
  /** Where the image and marks layers are on the stage (CSS pixels). */
  private screenBox = { x: 0, y: 0, w: 1, h: 1 };

  constructor() {
    this.stage.insertBefore(this.layers.image, this.wrap);
    this.layers.image.classList.add('stage-image');
    // Focusable, so the keys can be given back to the image (after typing a label).
    this.layers.live.tabIndex = -1;
    this.marksCanvas.id = 'layer-marks';
    this.marksCanvas.className = 'stage-image';
    this.wrap.after(this.marksCanvas);
    // Shown with the first image (until then they would be empty boxes over the drop card).
    this.layers.image.hidden = true;
    this.marksCanvas.hidden = true;
    this.zoom.onChange(() => this.applyView());
  }

  /**
   * Mask layers' resolution over the fitted one: 1 when fitted, the image's own resolution (up to 4
   * megapixels) once zoomed in past 1.5x, so masks are as sharp as the image allows when zoomed.
   */
  private detail = 1;
  private detailTimer = 0;
  private readonly detailListeners: Array<() => void> = [];

  /** The mask layers want another resolution (zoomed in or back out): re-render them at `display`. */
  onDetailChange(fn: () => void): void {
    this.detailListeners.push(fn);
  }

  /** Called (once per frame) after the view moved: layers drawn in screen units redraw. */
  onViewChange(fn: () => void): void {
    this.viewListeners.push(fn);
  }

  /** Lay the image out in the stage (fitted when new); returns whether the mask layers' size changed. */
  layout(info: ImageInfo): boolean {
    const { width: W, height: H } = info;
    const newImage = this.info?.id !== info.id;
    this.info = info;
    if (newImage) this.detail = 1;
    Object.assign(this.wrap.style, { left: '0px', top: '0px', width: `${W}px`, height: `${H}px`, transformOrigin: '0 0' });
    this.zoom.layout(info, newImage);
    this.placeScreenLayers();
    this.layers.image.hidden = false;
    this.marksCanvas.hidden = false;
    const scale = this.zoom.fitScale;
    const cssW = Math.max(1, W * scale);
    const cssH = Math.max(1, H * scale);
    let dpr = (window.devicePixelRatio || 1) * this.detail;
    // Never more pixels than the image has; keep the overlays cheap to paint on very dense screens.
    dpr = Math.min(dpr, Math.max(window.devicePixelRatio || 1, W / cssW));
    if (cssW * cssH * dpr * dpr > 4e6) dpr = Math.sqrt(4e6 / (cssW * cssH));
    const dw = Math.max(1, Math.round(cssW * dpr));
    const dh = Math.max(1, Math.round(cssH * dpr));
    if (dw === this.display.width && dh === this.display.height) return false;
    this.display = { width: dw, height: dh };
    for (const c of [this.layers.objects, this.layers.auto, this.layers.live]) { c.width = dw; c.height = dh; }
    return true;
  }

  /** The image decoded at full resolution (up to 16 megapixels), drawn through the view at any zoom. */
  bitmap(blob: Blob, info: ImageInfo): Promise<ImageBitmap> {
    return decodeImageBitmap(blob, info);
  }

  drawImage(bitmap: ImageBitmap | null | undefined): void {
    this.shownBitmap = bitmap ?? null;
    this.paintImage();
  }

  /** Move the mask layers with the view and redraw the image layer (next frame, once). */
  private applyView(): void {
    const v = this.zoom.view;
    this.wrap.style.transform = `translate(${v.tx}px, ${v.ty}px) scale(${v.scale})`;
    clearTimeout(this.detailTimer);
    // Once the zoom settles: full-resolution masks when zoomed in, fitted ones otherwise.
    this.detailTimer = window.setTimeout(() => {
      const want = v.scale / this.zoom.fitScale > 1.5 ? 16 : 1;
      if (want === this.detail) return;
      this.detail = want;
      for (const fn of this.detailListeners) fn();
    }, 200);
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.placeScreenLayers();
      this.paintImage();
      for (const fn of this.viewListeners) fn();
    });
  }

  /**
   * The image and marks layers cover the image's visible part of the stage (the whole stage when
   * zoomed in, the image's rectangle when fitted), at the screen's resolution.
   */
  private placeScreenLayers(): void {
    const v = this.zoom.view;
    const { width: sw, height: sh } = this.zoom.stageSize;
    const W = this.info?.width ?? 1;
    const H = this.info?.height ?? 1;
    const x0 = Math.max(0, Math.floor(v.tx));
    const y0 = Math.max(0, Math.floor(v.ty));
    const x1 = Math.min(sw, Math.ceil(v.tx + W * v.scale));
    const y1 = Math.min(sh, Math.ceil(v.ty + H * v.scale));
    this.screenBox = { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) };
    const pr = window.devicePixelRatio || 1;
    for (const c of [this.layers.image, this.marksCanvas]) {
      const bw = Math.round(this.screenBox.w * pr);
      const bh = Math.round(this.screenBox.h * pr);
      if (c.width !== bw || c.height !== bh) { c.width = bw; c.height = bh; }
      Object.assign(c.style, { left: `${x0}px`, top: `${y0}px`, width: `${this.screenBox.w}px`, height: `${this.screenBox.h}px` });
    }
  }

  private paintImage(): void {
    const c = this.layers.image;
    const ctx = this.ctx.image;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    const b = this.shownBitmap;
    const info = this.info;
    if (!b || !info) return;
    const v = this.zoom.view;
    const k = c.width / Math.max(1, this.screenBox.w);
    const r = visibleImageRect(v, info, this.zoom.stageSize);
    const ox = this.screenBox.x;
    const oy = this.screenBox.y;
    if (!r) return;
    const bx = b.width / info.width;
    const by = b.height / info.height;
    // Smooth when shrinking or slightly enlarging; past 3 screen pixels per image pixel show the pixels.
    ctx.imageSmoothingEnabled = v.scale * k < 3;
    ctx.imageSmoothingQuality = 'high';
    try {
      ctx.drawImage(b, r.x * bx, r.y * by, r.w * bx, r.h * by, (r.x * v.scale + v.tx - ox) * k, (r.y * v.scale + v.ty - oy) * k, r.w * v.scale * k, r.h * v.scale * k);
    } catch {
      this.shownBitmap = null; // closed when the next image opened
    }
  }

  /** Paint mask crops on a layer (cleared when there are none). */
  paint(layer: LayerName, items: readonly CompositeItem[]): void {
    const { width: dw, height: dh } = this.display;
    if (!items.length) { this.clear(layer); return; }
    if (layer === 'live') this.marksCtx.clearRect(0, 0, this.marksCanvas.width, this.marksCanvas.height);
    const buf = new Uint8ClampedArray(dw * dh * 4);
    compositeCrops(buf, dw, dh, items);
    this.ctx[layer].putImageData(new ImageData(buf, dw, dh), 0, 0);
  }

  clear(layer: LayerName): void {
    this.ctx[layer].clearRect(0, 0, this.display.width, this.display.height);
    if (layer === 'live') this.marksCtx.clearRect(0, 0, this.marksCanvas.width, this.marksCanvas.height);
  }

  /** The marks layer, cleared, with the image-to-canvas mapping and device pixels per CSS pixel. */
  marks(): { ctx: CanvasRenderingContext2D; at: (x: number, y: number) => [number, number]; unit: number } {
    const c = this.marksCanvas;
    this.marksCtx.clearRect(0, 0, c.width, c.height);
    const k = c.width / Math.max(1, this.screenBox.w);
    const v = this.zoom.view;
    const { x: ox, y: oy } = this.screenBox;
    return { ctx: this.marksCtx, at: (x, y) => [(x * v.scale + v.tx - ox) * k, (y * v.scale + v.ty - oy) * k], unit: k };
  }

  /** The pointer's position in image coordinates (clamped to the image) and in display pixels. */
  imagePoint(clientX: number, clientY: number, info: ImageInfo): ImagePoint {
    const rect = this.layers.live.getBoundingClientRect();
    const fx = Math.min(Math.max((clientX - rect.left) / rect.width, 0), 1);
    const fy = Math.min(Math.max((clientY - rect.top) / rect.height, 0), 1);
    return {
      x: fx * info.width, y: fy * info.height,
      dx: Math.min(this.display.width - 1, Math.floor(fx * this.display.width)), dy: Math.min(this.display.height - 1, Math.floor(fy * this.display.height)),
    };
  }

  /** Where an image point is on screen (client pixels). */
  clientPoint(x: number, y: number, info: ImageInfo): { x: number; y: number } {
    const rect = this.layers.live.getBoundingClientRect();
    return { x: rect.left + (x * rect.width) / info.width, y: rect.top + (y * rect.height) / info.height };
  }

  /** Screen pixels per image pixel. */
  screenScale(info: ImageInfo): number {
    return this.layers.live.getBoundingClientRect().width / info.width;
  }

  /** Display pixels per image pixel, and display pixels per CSS pixel (for line widths). */
  displayScale(info: ImageInfo): { sx: number; sy: number; unit: number } {
    const { width: dw, height: dh } = this.display;
    // The box is scaled by the view: measure it on screen so marks keep their size at any zoom.
    return { sx: dw / info.width, sy: dh / info.height, unit: dw / this.layers.live.getBoundingClientRect().width || 1 };
  }
}
