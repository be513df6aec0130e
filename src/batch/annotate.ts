/** The work of `samkit annotate`, callable without the command line (tests, scripts). */
import type { AmgOptions, ResolvedAmgOptions } from '../amg/options.js';
import { numberImages } from '../dataset/coco.js';
import { polygonFns } from '../dataset/polygons.js';
import type { DatasetImage, ImageRecords } from '../dataset/records.js';
import type { DatasetFormat } from '../dataset/formats.js';
import { writeDataset } from '../dataset/write.js';
import type { ModelSource } from '../model/sam-model.js';
import { discoverImages, outputStems, type FoundImage } from './discover.js';
import { runEngine } from './engine.js';
import { Journal, journalRoot } from './journal.js';
import { manifestOf } from './pool.js';
import { chooseRunner } from './queue/choose.js';
import type { RedisTarget } from './queue/redis-url.js';
import { BatchProgress, type ProgressMode } from './progress.js';
import type { AnnotateTask, GroundTask } from './tasks.js';
import { resolveFindOptions, type FindOptions } from '../text/text-prompter.js';
import { samkitVersion } from './version.js';

export interface AnnotateRun {
  dir: string;
  out: string;
  format: DatasetFormat;
  polygons: boolean;
  /** Douglas-Peucker tolerance of polygons in pixels (0 = exact pixel contours). */
  polygonTolerance: number;
  /** The options as given (passed to the generator). */
  options: AmgOptions;
  /** The same with every default filled in (recorded with the results). */
  resolved: ResolvedAmgOptions;
  model?: ModelSource;
  jobs: number;
  mode: ProgressMode;
  /** Hand the images to `samkit worker` processes through this Redis instead of running them here. */
  queue?: RedisTarget;
  /** Text prompts instead of the automatic mask generator: one category per phrase. */
  text?: TextRun;
}

export interface TextRun { phrases: string[]; detector: string; options: FindOptions }

/** What decides a text-prompted mask, as the journal and the dataset record it. */
function textParams(t: TextRun): Record<string, unknown> {
  const o = resolveFindOptions(t.options);
  return { text: t.phrases, detector: t.detector, box_threshold: o.boxThreshold, text_threshold: o.textThreshold, nms_threshold: o.nmsThreshold, max_objects: Number.isFinite(o.maxObjects) ? o.maxObjects : null };
}

export interface AnnotateSummary {
  images: number;
  failed: number;
  masks: number;
  interrupted: boolean;
}

/** The official parameter names and values, as the dataset records them. */
export function officialParams(o: ResolvedAmgOptions): Record<string, unknown> {
  return {
    points_per_side: o.pointsPerSide,
    points_per_batch: o.pointsPerBatch,
    pred_iou_thresh: o.predIouThresh,
    stability_score_thresh: o.stabilityScoreThresh,
    stability_score_offset: o.stabilityScoreOffset,
    box_nms_thresh: o.boxNmsThresh,
    crop_n_layers: o.cropNLayers,
    crop_nms_thresh: o.cropNmsThresh,
    crop_overlap_ratio: o.cropOverlapRatio,
    crop_n_points_downscale_factor: o.cropNPointsDownscaleFactor,
    min_mask_region_area: o.minMaskRegionArea,
  };
}

export async function annotate(run: AnnotateRun): Promise<AnnotateSummary> {
  const progress = new BatchProgress('annotate', run.mode);
  // An output inside the input folder (masks, journal) must not be taken for input on the next run.
  const { images, skipped } = await discoverImages([run.dir], [run.out, journalRoot(run.out)]);
  for (const s of skipped) progress.note(`skipping ${s.path}: ${s.reason}`);
  if (images.length === 0) throw new Error(`no JPEG, PNG or WebP images in ${run.dir}`);

  const text = run.text;
  const params = text ? textParams(text) : officialParams(run.resolved);
  // Everything that decides a mask; points_per_batch only changes how the work is chunked.
  const { points_per_batch: _batch, ...deciding } = params;
  const manifest = await manifestOf(run.model);
  const modelId = manifest.id;
  const journal = new Journal<ImageRecords>(run.out, { command: 'annotate', samkit: samkitVersion(), model: modelId, params: deciding });
  const outcome = await runEngine({
    items: images.map((im) => ({ ...im, label: im.rel })),
    store: journal,
    ...chooseRunner(manifest, run.jobs, run.queue, progress),
    progress,
    key: (_item, sha) => sha,
    task: (item: FoundImage, bytes): AnnotateTask | GroundTask => (text
      ? { kind: 'ground', name: item.rel, bytes, phrases: text.phrases, detector: text.detector, options: text.options }
      : { kind: 'annotate', name: item.rel, bytes, options: run.options }),
    entry: (result) => ({ width: result.width, height: result.height, records: result.records }),
    count: (e) => e.records.length,
  });
  if (outcome.interrupted) return { images: 0, failed: 0, masks: 0, interrupted: true };

  const stems = outputStems(images.map((im) => im.rel));
  const good = images.flatMap((im, index) => {
    const e = outcome.entries[index];
    return e ? [{ ...e, index, fileName: im.rel, stem: stems[index], source: im.path }] : [];
  });
  const dataset: DatasetImage[] = numberImages(good);
  const info = { description: text ? 'samkit annotate --text (detector boxes, SAM masks)' : 'samkit annotate (automatic mask generator)', samkit: samkitVersion(), model: modelId, params };
  const poly = polygonFns(run.polygonTolerance);
  await writeDataset(run.format, run.out, dataset, {
    info,
    polygons: run.polygons && run.format !== 'yolo' ? poly.polygons : undefined,
    yoloPolygon: poly.yoloPolygon,
    categories: text?.phrases.map((name, i) => ({ id: i + 1, name, supercategory: 'object' })),
  });
  const masks = dataset.reduce((n, im) => n + im.records.length, 0);
  if (outcome.failed === 0) await journal.remove();
  else progress.note(`${outcome.failed} image(s) failed; finished results stay in ${journal.root} for the next run`);
  progress.finish(run.out);
  if (outcome.failed > 0) process.exitCode = 1;
  return { images: dataset.length, failed: outcome.failed, masks, interrupted: false };
}
