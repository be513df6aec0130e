/**
 * A photo the tests make, with objects of known geometry: a toy truck (cargo box, cab with a window,
 * two tyres) on a road under a sky, 1800 x 1200 like the reference truck photo the browser tests were
 * first written against. Tests place their prompts from these shapes (a window's centre, a tyre's box)
 * and can compare masks with them, so they run in a clone without ../shared. Deterministic: flat
 * colours with a little seeded noise (texture, as a photo has), shading on the sky.
 */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { mulberry32 } from './fixtures.js';

export type Rgb = readonly [number, number, number];

/** An axis-aligned rectangle [x0, x1) x [y0, y1) or a disc, in image pixels. */
export type Shape =
  | { kind: 'rect'; x0: number; y0: number; x1: number; y1: number; color: Rgb }
  | { kind: 'disc'; cx: number; cy: number; r: number; color: Rgb };

export interface SceneObject {
  name: string;
  shape: Shape;
}

export const SCENE_WIDTH = 1800;
export const SCENE_HEIGHT = 1200;
const ROAD_TOP = 860;

/** Back to front: later objects are painted over earlier ones. */
const OBJECTS: readonly SceneObject[] = [
  { name: 'road', shape: { kind: 'rect', x0: 0, y0: ROAD_TOP, x1: SCENE_WIDTH, y1: SCENE_HEIGHT, color: [72, 72, 78] } },
  { name: 'cargo', shape: { kind: 'rect', x0: 200, y0: 280, x1: 1100, y1: 820, color: [232, 140, 40] } },
  { name: 'cab', shape: { kind: 'rect', x0: 1100, y0: 440, x1: 1500, y1: 820, color: [40, 90, 190] } },
  { name: 'window', shape: { kind: 'rect', x0: 1200, y0: 480, x1: 1420, y1: 620, color: [150, 205, 230] } },
  { name: 'rear tyre', shape: { kind: 'disc', cx: 420, cy: 840, r: 100, color: [24, 24, 24] } },
  { name: 'front tyre', shape: { kind: 'disc', cx: 1300, cy: 840, r: 100, color: [24, 24, 24] } },
];

export function sceneObject(name: string): SceneObject {
  const o = OBJECTS.find((s) => s.name === name);
  if (!o) throw new Error(`no object "${name}" in the toy scene`);
  return o;
}

export function contains(s: Shape, x: number, y: number): boolean {
  return s.kind === 'rect' ? x >= s.x0 && x < s.x1 && y >= s.y0 && y < s.y1 : (x + 0.5 - s.cx) ** 2 + (y + 0.5 - s.cy) ** 2 < s.r * s.r;
}

/** The pixel at the centre of a shape. */
export function centre(s: Shape): [number, number] {
  return s.kind === 'rect' ? [Math.floor((s.x0 + s.x1) / 2), Math.floor((s.y0 + s.y1) / 2)] : [Math.floor(s.cx), Math.floor(s.cy)];
}

/** [x0, y0, x1, y1] (exclusive ends) of a shape. */
export function bounds(s: Shape): [number, number, number, number] {
  return s.kind === 'rect' ? [s.x0, s.y0, s.x1, s.y1] : [s.cx - s.r, s.cy - s.r, s.cx + s.r, s.cy + s.r];
}

/** The pixels where an object is visible (not covered by the objects in front of it), row-major 0/1. */
export function visibleMask(name: string, width = SCENE_WIDTH, height = SCENE_HEIGHT): Uint8Array {
  const k = OBJECTS.findIndex((o) => o.name === name);
  if (k < 0) throw new Error(`no object "${name}" in the toy scene`);
  const out = new Uint8Array(width * height);
  // Sampled at each output pixel's centre in scene pixels, so smaller masks compare with displayed layers.
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(((y + 0.5) * SCENE_HEIGHT) / height);
    for (let x = 0; x < width; x++) {
      const sx = Math.floor(((x + 0.5) * SCENE_WIDTH) / width);
      if (!contains(OBJECTS[k].shape, sx, sy)) continue;
      let covered = false;
      for (let j = k + 1; j < OBJECTS.length && !covered; j++) covered = contains(OBJECTS[j].shape, sx, sy);
      out[y * width + x] = covered ? 0 : 1;
    }
  }
  return out;
}

/** The union of several objects' visible pixels. */
export function unionMask(names: readonly string[], width = SCENE_WIDTH, height = SCENE_HEIGHT): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const n of names) visibleMask(n, width, height).forEach((v, i) => { out[i] |= v; });
  return out;
}

/** The scene's RGB pixels. */
export function scenePixels(): Buffer {
  const px = Buffer.alloc(SCENE_WIDTH * SCENE_HEIGHT * 3);
  const rnd = mulberry32(13);
  for (let y = 0; y < SCENE_HEIGHT; y++) {
    for (let x = 0; x < SCENE_WIDTH; x++) {
      // Sky: lighter towards the horizon.
      let c: Rgb = [150 + Math.round((60 * y) / ROAD_TOP), 185 + Math.round((35 * y) / ROAD_TOP), 225];
      for (const o of OBJECTS) if (contains(o.shape, x, y)) c = o.shape.color;
      const i = (y * SCENE_WIDTH + x) * 3;
      for (let ch = 0; ch < 3; ch++) px[i + ch] = Math.max(0, Math.min(255, c[ch] + Math.round((rnd() - 0.5) * 16)));
    }
  }
  return px;
}

/** The scene as a JPEG (quality 92) at `file`. */
export async function writeSceneJpeg(file: string): Promise<void> {
  await writeFile(file, await sharp(scenePixels(), { raw: { width: SCENE_WIDTH, height: SCENE_HEIGHT, channels: 3 } }).jpeg({ quality: 92 }).toBuffer());
}
