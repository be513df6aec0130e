/**
 * The image view: four stacked canvases (image, objects, automatic masks, live prompt) fitted in the
 * stage, and the mapping between pointer positions, display pixels and image coordinates.
 */
import type { ImageInfo } from '../../src/server/protocol.js';
import { ApiError } from './api.js';
import { $ } from './dom.js';
import { compositeCrops, type CompositeItem } from './paint.js';

export type LayerName = 'image' | 'objects' | 'auto' | 'live';

/** A pointer position in image coordinates (x, y) and in display pixels (dx, dy). */
export interface ImagePoint { x: number; y: number; dx: number; dy: number }

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

  /** Fit the image in the stage; returns whether the canvas size changed. */
  layout(info: ImageInfo): boolean {
    const { width: W, height: H } = info;
    const pad = 20;
    const sw = this.stage.clientWidth;
    const sh = this.stage.clientHeight;
    const scale = Math.min((sw - 2 * pad) / W, (sh - 2 * pad) / H);
    const cssW = Math.max(1, Math.floor(W * scale));
    const cssH = Math.max(1, Math.floor(H * scale));
    Object.assign(this.wrap.style, {
      left: `${Math.floor((sw - cssW) / 2)}px`, top: `${Math.floor((sh - cssH) / 2)}px`, width: `${cssW}px`, height: `${cssH}px`,
    });
    let dpr = window.devicePixelRatio || 1;
    // Keep the overlays cheap to paint on very dense screens.
    if (cssW * cssH * dpr * dpr > 4e6) dpr = Math.sqrt(4e6 / (cssW * cssH));
    const dw = Math.max(1, Math.round(cssW * dpr));
    const dh = Math.max(1, Math.round(cssH * dpr));
    if (dw === this.display.width && dh === this.display.height) return false;
    this.display = { width: dw, height: dh };
    for (const c of Object.values(this.layers)) { c.width = dw; c.height = dh; }
    return true;
  }

  /** The image decoded at display size. */
  async bitmap(blob: Blob): Promise<ImageBitmap> {
    try {
      return await createImageBitmap(blob, { resizeWidth: this.display.width, resizeHeight: this.display.height, resizeQuality: 'high' });
    } catch {
      throw new ApiError(422, 'this browser cannot display the image', 'DISPLAY');
    }
  }

  drawImage(bitmap: ImageBitmap | null | undefined): void {
    if (bitmap) this.ctx.image.drawImage(bitmap, 0, 0, this.display.width, this.display.height);
  }

  /** Paint mask crops on a layer (cleared when there are none). */
  paint(layer: LayerName, items: readonly CompositeItem[]): void {
    const { width: dw, height: dh } = this.display;
    if (!items.length) { this.ctx[layer].clearRect(0, 0, dw, dh); return; }
    const buf = new Uint8ClampedArray(dw * dh * 4);
    compositeCrops(buf, dw, dh, items);
    this.ctx[layer].putImageData(new ImageData(buf, dw, dh), 0, 0);
  }

  clear(layer: LayerName): void {
    this.ctx[layer].clearRect(0, 0, this.display.width, this.display.height);
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
    return { sx: dw / info.width, sy: dh / info.height, unit: dw / this.layers.live.clientWidth || 1 };
  }
}
