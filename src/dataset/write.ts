/**
 * Writing an assembled dataset in one of the output formats. Every file is replaced atomically (and
 * every PNG folder as a whole), so a reader never sees a half-written image's output.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { cocoBytes, type CocoCategory, type PolygonFn } from './coco.js';
import type { DatasetFormat } from './formats.js';
import { pngFolderFiles } from './png.js';
import type { DatasetImage } from './records.js';
import { sa1bJson } from './sa1b.js';
import { yoloLabels, YOLO_CLASSES } from './yolo.js';

export interface WriteOptions {
  info: Record<string, unknown>;
  /** COCO / SA-1B segmentations as polygons. */
  polygons?: PolygonFn;
  /** Polygons for YOLO labels (always needed there). */
  yoloPolygon?: (image: DatasetImage, index: number) => number[];
  /** Labelled masks' categories (COCO categories, YOLO classes.txt); default the one 'object' category. */
  categories?: CocoCategory[];
}

export async function writeDataset(format: DatasetFormat, out: string, images: readonly DatasetImage[], options: WriteOptions): Promise<void> {
  if (format === 'coco') {
    await mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeFileAtomic(out, cocoBytes(images, { info: options.info, polygons: options.polygons, categories: options.categories }));
    return;
  }
  await mkdir(out, { recursive: true });
  for (const image of images) {
    const target = path.join(out, ...image.stem.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    if (format === 'sa1b') await writeFileAtomic(`${target}.json`, sa1bJson(image, options.polygons));
    else if (format === 'yolo') {
      if (!options.yoloPolygon) throw new Error('yolo output needs a polygon function');
      await writeFileAtomic(`${target}.txt`, yoloLabels(image, options.yoloPolygon));
    } else await replaceFolder(target, await pngFolderFiles(image));
  }
  if (format === 'yolo') await writeFileAtomic(path.join(out, 'classes.txt'), options.categories ? options.categories.map((c) => `${c.name}\n`).join('') : YOLO_CLASSES);
}

/** Build a folder beside `target`, then swap it in, so `target` is always old or new, never half. */
async function replaceFolder(target: string, files: ReadonlyArray<[string, string | Uint8Array]>): Promise<void> {
  const tag = `${process.pid}.${Math.random().toString(36).slice(2)}`;
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${tag}.tmp`);
  const old = path.join(dir, `.${path.basename(target)}.${tag}.old`);
  await mkdir(tmp, { recursive: true });
  try {
    for (const [name, data] of files) await writeFile(path.join(tmp, name), data);
    let moved = false;
    try {
      await rename(target, old);
      moved = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rename(tmp, target);
    if (moved) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
