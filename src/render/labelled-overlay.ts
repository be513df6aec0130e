/** Masks over the image with each object's box and "label score" drawn on it (PNG, via sharp's SVG text). */
import sharp from 'sharp';
import type { Mask } from '../core/mask.js';
import { overlayMasks, PALETTE } from './overlay.js';

export interface LabelledObject { label: string; score: number; box: readonly number[]; mask: Mask }

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export async function labelledOverlayPng(rgb: Uint8Array, width: number, height: number, objects: readonly LabelledObject[]): Promise<Buffer> {
  const pixels = overlayMasks(rgb, width, height, objects.map((o) => o.mask));
  const font = Math.max(10, Math.round(Math.min(width, height) / 40));
  const shapes = objects.map((o, i) => {
    const [r, g, b] = PALETTE[i % PALETTE.length];
    const [x0, y0, x1, y1] = o.box;
    const ty = y0 > font + 2 ? y0 - 3 : y0 + font + 1;
    return `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="rgb(${r},${g},${b})" stroke-width="2"/>`
      + `<text x="${x0 + 2}" y="${ty}" font-family="sans-serif" font-size="${font}" fill="rgb(${r},${g},${b})" stroke="black" stroke-width="0.6">${escapeXml(`${o.label} ${o.score.toFixed(2)}`)}</text>`;
  }).join('');
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes}</svg>`);
  return sharp(Buffer.from(pixels), { raw: { width, height, channels: 3 } }).composite([{ input: svg, top: 0, left: 0 }]).png().toBuffer();
}
