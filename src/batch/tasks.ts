/**
 * The per-image work of the batch commands. It runs wherever the model lives: in the main thread
 * (--jobs 1) or in a worker thread (one model per worker), so inputs and results are plain
 * structured-clone data.
 */
import { SamAutomaticMaskGenerator, type AmgProgress, type AmgRecord } from '../amg/generator.js';
import type { AmgOptions } from '../amg/options.js';
import { InvalidArgumentError } from '../core/errors.js';
import { maskToCocoRle, type CompressedRle } from '../core/rle.js';
import type { Size } from '../core/transforms.js';
import type { MaskRecord, ImageRecords } from '../dataset/records.js';
import { decodeImage } from '../image/load-image.js';
import { SamModel, type ModelSource } from '../model/sam-model.js';
import { SamPredictor } from '../predictor.js';
import { EmbeddingStore } from '../store/embedding-store.js';
import type { FindOptions, FoundObject, TextPrompter } from '../text/text-prompter.js';

export interface ModelInit {
  model?: ModelSource;
  /** onnxruntime intra-op threads for this model's sessions. */
  threads: number;
}

export type XyxyBox = [number, number, number, number];

export interface EmbedTask { kind: 'embed'; name: string; bytes: Uint8Array; sha256: string; store: string; source: string }
export interface EmbedResult { width: number; height: number }

export interface BoxesTask {
  kind: 'boxes';
  name: string;
  bytes: Uint8Array;
  sha256: string;
  boxes: XyxyBox[];
  /** Size the boxes refer to (from the dataset), checked against the image when given. */
  expectedSize?: Partial<Size>;
  /** Embedding store to take the image's embedding from when it has one. */
  store?: string;
}
export interface BoxMask { segmentation: MaskRecord['segmentation']; area: number; predicted_iou: number }
/** `masks[i]` is null for a box entirely outside the image (no mask is invented for it). */
export interface BoxesResult { width: number; height: number; masks: Array<BoxMask | null>; fromStore: boolean }

export interface AnnotateTask { kind: 'annotate'; name: string; bytes: Uint8Array; options: AmgOptions }
export type AnnotateResult = ImageRecords;

/** Text prompts on one image: the records are labelled masks (category_id = phrase index + 1). */
export interface GroundTask { kind: 'ground'; name: string; bytes: Uint8Array; phrases: string[]; detector: string; options: FindOptions }

export type Task = EmbedTask | BoxesTask | AnnotateTask | GroundTask;
export type TaskResult<T extends Task> = T extends EmbedTask ? EmbedResult : T extends BoxesTask ? BoxesResult : AnnotateResult;
// (GroundTask results are AnnotateResult too.)

export interface TaskHooks {
  signal?: AbortSignal;
  /** Fraction of the current image done, when the work reports it. */
  onProgress?: (fraction: number) => void;
  /** Called when a model starts on the task (it may have waited for one). */
  onStart?: () => void;
  /** Where the task's image came from (the queue sends this instead of the bytes). */
  source?: { path: string; sha256: string };
}

/** A loaded model and what runs on it; one per thread. */
export class TaskContext {
  private constructor(readonly model: SamModel, private readonly predictor: SamPredictor) {}

  static async create(init: ModelInit): Promise<TaskContext> {
    const model = await SamModel.load(init.model, { threads: init.threads });
    return new TaskContext(model, new SamPredictor(model));
  }

  async run<T extends Task>(task: T, hooks: TaskHooks = {}): Promise<TaskResult<T>> {
    hooks.onStart?.();
    switch (task.kind) {
      case 'embed': return (await this.embed(task)) as TaskResult<T>;
      case 'boxes': return (await this.boxes(task)) as TaskResult<T>;
      case 'annotate': return (await this.annotate(task, hooks)) as TaskResult<T>;
      case 'ground': return (await this.ground(task)) as TaskResult<T>;
      default: throw new InvalidArgumentError(`unknown task ${(task as Task).kind}`);
    }
  }

  private async embed(task: EmbedTask): Promise<EmbedResult> {
    const rgb = await decodeImage(task.bytes, task.name);
    await this.predictor.setImage(rgb);
    const emb = this.predictor.getImageEmbedding();
    const inputSize = this.predictor.inputSize!;
    await new EmbeddingStore(task.store).put({
      modelId: this.model.manifest.id, sha256: task.sha256, originalSize: emb.originalSize, inputSize, dims: [...emb.dims], source: task.source,
    }, emb.data);
    return { width: rgb.width, height: rgb.height };
  }

  private async boxes(task: BoxesTask): Promise<BoxesResult> {
    const stored = task.store ? await new EmbeddingStore(task.store).get(this.model.manifest.id, task.sha256) : null;
    if (stored) this.predictor.setImageEmbedding(stored.data, stored.meta.originalSize);
    else await this.predictor.setImage(await decodeImage(task.bytes, task.name));
    const { width, height } = this.predictor.originalSize!;
    const exp = task.expectedSize;
    if (exp && ((exp.width !== undefined && exp.width !== width) || (exp.height !== undefined && exp.height !== height))) {
      throw new InvalidArgumentError(`${task.name} is ${width}x${height} but the dataset says ${exp.width}x${exp.height}; the boxes would not fit the image`);
    }
    // Boxes that stick out of the image by rounding are clipped, as annotation tools do.
    const inside = task.boxes.map((b) => overlapsImage(b, width, height));
    const prompts = task.boxes.filter((_, i) => inside[i]).map((b) => ({ box: clipBox(b, width, height) }));
    const results = prompts.length ? await this.predictor.predictBatch(prompts, { multimaskOutput: false }) : [];
    let k = 0;
    const masks = inside.map((ok) => {
      if (!ok) return null;
      const r = results[k++];
      return { segmentation: maskToCocoRle(r.masks[0]), area: r.masks[0].area, predicted_iou: r.scores[0] };
    });
    return { width, height, masks, fromStore: stored !== null };
  }

  private finders = new Map<string, Promise<TextPrompter>>();

  private async ground(task: GroundTask): Promise<AnnotateResult> {
    let finder = this.finders.get(task.detector);
    if (!finder) {
      const { TextPrompter } = await import('../text/text-prompter.js');
      finder = TextPrompter.load(this.predictor, { detector: task.detector });
      this.finders.set(task.detector, finder);
    }
    const rgb = await decodeImage(task.bytes, task.name);
    const objects = await (await finder).find(rgb, task.phrases, task.options);
    return { width: rgb.width, height: rgb.height, records: objects.map((o) => textRecord(o, task.phrases, rgb.width, rgb.height)) };
  }

  private async annotate(task: AnnotateTask, hooks: TaskHooks): Promise<AnnotateResult> {
    const rgb = await decodeImage(task.bytes, task.name);
    const generator = new SamAutomaticMaskGenerator(this.model, { ...task.options, outputMode: 'coco_rle' });
    const onProgress = hooks.onProgress;
    const records = await generator.generate(rgb, {
      signal: hooks.signal,
      onProgress: onProgress && ((p: AmgProgress) => onProgress(p.batchesTotal ? p.batchesDone / p.batchesTotal : 0)),
    });
    return { width: rgb.width, height: rgb.height, records: records.map(toMaskRecord) };
  }
}

/** Whether an [x0, y0, x1, y1] box covers any of the image's area (clipping it would leave a sliver at an edge). */
export function overlapsImage(b: XyxyBox, w: number, h: number): boolean {
  return b[0] < w && b[1] < h && b[2] > 0 && b[3] > 0;
}

function clipBox(b: XyxyBox, w: number, h: number): XyxyBox {
  const cx = (v: number): number => Math.min(Math.max(v, 0), w);
  const cy = (v: number): number => Math.min(Math.max(v, 0), h);
  return [cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3])];
}

/** A text-prompted mask as a dataset record: no prompt points, the whole image as crop, the phrase as category. */
function textRecord(o: FoundObject, phrases: readonly string[], width: number, height: number): MaskRecord {
  return {
    segmentation: maskToCocoRle(o.mask), area: o.mask.area, bbox: o.mask.bbox, predicted_iou: o.predictedIou,
    point_coords: [], stability_score: 0, crop_box: [0, 0, width, height], category_id: phrases.indexOf(o.label) + 1, score: o.score,
  };
}

function toMaskRecord(r: AmgRecord<CompressedRle>): MaskRecord {
  return {
    segmentation: r.segmentation,
    area: r.area,
    bbox: r.bbox,
    predicted_iou: r.predicted_iou,
    point_coords: r.point_coords,
    stability_score: r.stability_score,
    crop_box: r.crop_box,
  };
}
