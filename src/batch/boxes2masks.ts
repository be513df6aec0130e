/**
 * The work of `samkit boxes2masks`: every box of a COCO dataset becomes a mask (one batched predictor
 * call per image, single-mask output as the official SamPredictor gives for a box), written back into
 * a copy of the dataset with everything else unchanged.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { cocoBoxToXyxy, datasetBytes, parseCocoDataset, type CocoAnnotation, type CocoDataset } from '../dataset/coco.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { ModelSource } from '../model/sam-model.js';
import { compareNames } from './discover.js';
import { runEngine, type EngineItem } from './engine.js';
import { Journal, sha256Hex, stableJson } from './journal.js';
import { manifestOf } from './pool.js';
import { chooseRunner } from './queue/choose.js';
import type { RedisTarget } from './queue/redis-url.js';
import { BatchProgress, type ProgressMode } from './progress.js';
import type { BoxesResult, BoxesTask, XyxyBox } from './tasks.js';
import { samkitVersion } from './version.js';

export interface Boxes2MasksRun {
  dataset: string;
  images: string;
  out: string;
  embeddings?: string;
  model?: ModelSource;
  jobs: number;
  mode: ProgressMode;
  /** Hand the images to `samkit worker` processes through this Redis instead of running them here. */
  queue?: RedisTarget;
}

interface Item extends EngineItem {
  boxes: XyxyBox[];
  /** Index into dataset.annotations of each box. */
  annotations: number[];
  expectedSize: { width?: number; height?: number };
}

type Entry = Pick<BoxesResult, 'width' | 'height' | 'masks'>;

function dimension(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * The path of a dataset's file_name inside the images folder, or why it is refused: names are
 * relative to --images and may not leave it (no absolute names, no '..' out of it).
 */
export function imageInFolder(imagesDir: string, fileName: unknown): string | { refused: string } {
  if (typeof fileName !== 'string' || fileName === '') return { refused: 'file_name must be a non-empty string' };
  if (fileName.includes('\0')) return { refused: 'file_name contains a NUL character' };
  if (path.isAbsolute(fileName) || path.win32.isAbsolute(fileName)) return { refused: 'file_name is absolute; names must be relative to --images' };
  const root = path.resolve(imagesDir);
  const full = path.resolve(root, fileName);
  const rel = path.relative(root, full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return { refused: `file_name leaves the --images folder ${imagesDir}` };
  return full;
}

/** The images that have boxes, in file-name order, with the annotations each box belongs to. */
export function boxItems(ds: CocoDataset, imagesDir: string, note: (msg: string) => void): Item[] {
  const byImage = new Map<number, number[]>();
  ds.annotations.forEach((a, i) => {
    if (cocoBoxToXyxy(a.bbox) === null) {
      note(`annotation ${String(a.id)} has no usable bbox (${JSON.stringify(a.bbox)}); kept as it is`);
      return;
    }
    const list = byImage.get(a.image_id) ?? [];
    list.push(i);
    byImage.set(a.image_id, list);
  });
  const items: Item[] = [];
  for (const im of ds.images) {
    const anns = byImage.get(im.id);
    if (!anns) continue;
    const file = imageInFolder(imagesDir, im.file_name);
    if (typeof file !== 'string') {
      note(`image ${String(im.id)} (${JSON.stringify(im.file_name)}): ${file.refused}; its ${anns.length} annotation(s) are kept unchanged`);
      continue;
    }
    items.push({
      path: file,
      label: im.file_name,
      boxes: anns.map((i) => cocoBoxToXyxy(ds.annotations[i].bbox)!),
      annotations: anns,
      expectedSize: { width: dimension(im.width), height: dimension(im.height) },
    });
  }
  items.sort((a, b) => compareNames(a.label, b.label));
  return items;
}

export async function boxes2masks(run: Boxes2MasksRun): Promise<{ failed: number; masks: number; interrupted: boolean }> {
  const progress = new BatchProgress('boxes2masks', run.mode);
  let text: string;
  try {
    text = await readFile(run.dataset, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${run.dataset}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
  const ds = parseCocoDataset(text, run.dataset);
  const items = boxItems(ds, run.images, (m) => progress.note(m));

  let fromStore = 0;
  const manifest = await manifestOf(run.model);
  const journal = new Journal<Entry>(run.out, { command: 'boxes2masks', samkit: samkitVersion(), model: manifest.id });
  const outcome = await runEngine({
    items,
    store: journal,
    ...chooseRunner(manifest, run.jobs, run.queue, progress),
    progress,
    // The boxes and the size they refer to decide the masks as much as the image does.
    key: (item, sha) => sha256Hex(`${sha}\n${stableJson({ boxes: item.boxes, size: item.expectedSize })}`),
    task: (item, bytes, sha): BoxesTask => ({
      kind: 'boxes', name: item.label, bytes, sha256: sha, boxes: item.boxes, expectedSize: item.expectedSize, store: run.embeddings,
    }),
    entry: (r) => {
      if (r.fromStore) fromStore++;
      return { width: r.width, height: r.height, masks: r.masks };
    },
    count: (e) => e.masks.filter((m) => m !== null).length,
  });
  if (outcome.interrupted) return { failed: 0, masks: 0, interrupted: true };

  let masks = 0;
  const annotations: CocoAnnotation[] = ds.annotations.slice();
  items.forEach((item, i) => {
    const e = outcome.entries[i];
    if (!e) return;
    item.annotations.forEach((ai, j) => {
      const m = e.masks[j];
      if (!m) {
        progress.note(`annotation ${String(ds.annotations[ai].id)}: its box ${JSON.stringify(ds.annotations[ai].bbox)} is entirely outside the ${e.width}x${e.height} image ${item.label}; kept unchanged`);
        return;
      }
      annotations[ai] = { ...annotations[ai], segmentation: m.segmentation, area: m.area, predicted_iou: m.predicted_iou };
      masks++;
    });
  });
  await writeFileAtomic(run.out, datasetBytes({ ...ds, annotations }));
  if (outcome.failed === 0) await journal.remove();
  else progress.note(`${outcome.failed} image(s) failed, their annotations are unchanged; finished results stay in ${journal.root} for the next run`);
  if (run.embeddings && fromStore > 0) progress.note(`${fromStore} image(s) used stored embeddings from ${run.embeddings}`);
  progress.finish(run.out);
  if (outcome.failed > 0) process.exitCode = 1;
  return { failed: outcome.failed, masks, interrupted: false };
}
