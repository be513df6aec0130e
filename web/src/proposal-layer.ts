/**
 * The proposals' own canvas, between the automatic masks and the live prompt: dashed outlines
 * (yellow and black, so they read on any image and never look like an accepted object's fill),
 * a faint fill, the focused one brighter, and a label with its score at each mask.
 */
import type { Viewer } from './viewer.js';
import type { DisplayCrop } from './worker-protocol.js';

export interface ProposalPaint { crop: DisplayCrop; text: string; hot: boolean }

const DASH_ON = [255, 214, 0];
const DASH_OFF = [16, 16, 16];

export class ProposalLayer {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly viewer: Viewer) {
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'layer-proposals';
    // Under the live layer, which takes the pointer.
    viewer.wrap.insertBefore(this.canvas, viewer.layers.live);
    this.ctx = this.canvas.getContext('2d')!;
  }

  clear(): void {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  draw(items: readonly ProposalPaint[], unit: number): void {
    const { width: dw, height: dh } = this.viewer.display;
    if (this.canvas.width !== dw || this.canvas.height !== dh) { this.canvas.width = dw; this.canvas.height = dh; }
    if (!items.length) { this.clear(); return; }
    const img = new ImageData(dw, dh);
    const out = img.data;
    for (const { crop, hot } of items) {
      const { x: cx, y: cy, w, h, data } = crop;
      const fill = hot ? 90 : 26;
      const period = Math.max(2, Math.round(4 * unit));
      for (let y = 0; y < h; y++) {
        const oy = cy + y;
        if (oy < 0 || oy >= dh) continue;
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          if (!data[i]) continue;
          const ox = cx + x;
          if (ox < 0 || ox >= dw) continue;
          const p = (oy * dw + ox) * 4;
          const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !data[i - 1] || !data[i + 1] || !data[i - w] || !data[i + w];
          if (edge) {
            const c = Math.floor((ox + oy) / period) % 2 === 0 ? DASH_ON : DASH_OFF;
            out[p] = c[0]; out[p + 1] = c[1]; out[p + 2] = c[2]; out[p + 3] = 255;
          } else if (out[p + 3] < fill) {
            out[p] = DASH_ON[0]; out[p + 1] = DASH_ON[1]; out[p + 2] = DASH_ON[2]; out[p + 3] = fill;
          }
        }
      }
    }
    this.ctx.putImageData(img, 0, 0);
    // Labels last, over every outline.
    const size = Math.round(11 * unit);
    this.ctx.font = `${size}px system-ui, sans-serif`;
    this.ctx.textBaseline = 'top';
    for (const { crop, text, hot } of items) {
      const tw = this.ctx.measureText(text).width + 6 * unit;
      const x = Math.min(Math.max(0, crop.x), Math.max(0, dw - tw));
      const y = Math.max(0, crop.y - size - 4 * unit);
      this.ctx.fillStyle = hot ? 'rgba(255, 214, 0, 0.95)' : 'rgba(16, 16, 16, 0.75)';
      this.ctx.fillRect(x, y, tw, size + 4 * unit);
      this.ctx.fillStyle = hot ? '#101010' : '#ffd600';
      this.ctx.fillText(text, x + 3 * unit, y + 2 * unit);
    }
  }
}
