/**
 * Writing an assembled dataset in one of the output formats. Every file is replaced atomically (and
 * every PNG folder as a whole), so a reader never sees a half-written image's output.
 */
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { cocoBytes, type CocoCategory, type PolygonFn } from './coco.js';
import type { DatasetFormat } from './formats.js';
import { labelmeJson } from './labelme.js';
import { pngFolderFiles } from './png.js';
import type { DatasetImage } from './records.js';
import { sa1bJson } from './sa1b.js';
import { yoloLabels, YOLO_CLASSES, yoloDataYaml } from './yolo.js';

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
    else if (format === 'yolo') await writeYoloImage(out, image, options);
    else if (format === 'labelme') await writeFileAtomic(`${target}.json`, labelmeJson(image, needPolygon(options), options.categories?.map((c) => c.name), labelmeImagePath(target, image)));
    else await replaceFolder(target, await pngFolderFiles(image));
  }
  if (format === 'yolo') {
    const names = options.categories?.map((c) => c.name);
    await writeFileAtomic(path.join(out, 'classes.txt'), names ? names.map((n) => `${n}\n`).join('') : YOLO_CLASSES);
    await writeFileAtomic(path.join(out, 'data.yaml'), yoloDataYaml(names));
  }
}

/**
 * The Ultralytics layout: images/<stem>.<ext> (a copy of the input) and labels/<stem>.txt, which is
 * where its loader looks for an image's labels (the images/ part of the path replaced by labels/).
 */
function needPolygon(options: WriteOptions): NonNullable<WriteOptions['yoloPolygon']> {
  if (!options.yoloPolygon) throw new Error('yolo and labelme output need a polygon function');
  return options.yoloPolygon;
}

/** LabelMe's imagePath: the image relative to its JSON (the file name when the image is not on disk). */
function labelmeImagePath(target: string, image: DatasetImage): string {
  if (!image.source) return path.posix.basename(image.fileName);
  return path.relative(path.dirname(target), image.source).split(path.sep).join('/');
}

async function writeYoloImage(out: string, image: DatasetImage, options: WriteOptions): Promise<void> {
  needPolygon(options);
  const parts = image.stem.split('/');
  const label = path.join(out, 'labels', ...parts);
  await mkdir(path.dirname(label), { recursive: true });
  await writeFileAtomic(`${label}.txt`, yoloLabels(image, needPolygon(options)));
  if (!image.source) return;
  const copy = path.join(out, 'images', ...parts) + path.extname(image.fileName);
  await mkdir(path.dirname(copy), { recursive: true });
  await copyFile(image.source, copy);
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
