/**
 * Whole-project dataset export: the project's annotations written by the same writers as
 * `samkit annotate` (into a private temporary folder), then bundled as one ZIP.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { outputStems } from '../batch/discover.js';
import { samkitVersion } from '../batch/version.js';
import type { DatasetFormat } from '../dataset/formats.js';
import { polygonFns } from '../dataset/polygons.js';
import { writeDataset } from '../dataset/write.js';
import { projectDataset, type ProjectExportImage } from '../project/dataset-mapping.js';
import type { ProjectClass } from '../project/classes.js';
import { zip, type ZipEntry } from './zip.js';

export interface ProjectExportOptions {
  format: DatasetFormat;
  /** COCO / SA-1B segmentations as polygons (YOLO always has them). */
  polygons: boolean;
  project: string;
}

/** The COCO file's name inside the ZIP. */
export const COCO_FILE = 'annotations.json';

async function filesUnder(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...await filesUnder(root, r));
    else out.push(r);
  }
  return out.sort();
}

export async function exportProjectZip(classes: readonly ProjectClass[], images: readonly ProjectExportImage[], options: ProjectExportOptions): Promise<Buffer> {
  const { images: dataset, categories } = projectDataset(classes, images, outputStems(images.map((im) => im.rel)));
  const poly = polygonFns(0);
  const tmp = await mkdtemp(path.join(tmpdir(), 'samkit-export-'));
  try {
    const out = options.format === 'coco' ? path.join(tmp, COCO_FILE) : path.join(tmp, 'dataset');
    await writeDataset(options.format, out, dataset, {
      info: { description: `samkit app project ${options.project}`, samkit: samkitVersion() },
      polygons: options.polygons && options.format !== 'yolo' ? poly.polygons : undefined,
      yoloPolygon: poly.yoloPolygon,
      categories,
    });
    const root = options.format === 'coco' ? tmp : out;
    const entries: ZipEntry[] = [];
    for (const rel of await filesUnder(root)) entries.push({ name: rel, data: await readFile(path.join(root, ...rel.split('/'))) });
    return zip(entries);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
