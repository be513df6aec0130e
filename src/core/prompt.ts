/**
 * Prompt validation and encoding into the SAM ONNX decoder's inputs, as the official predictor and
 * ONNX example do: points are scaled into model-input pixels, a box becomes two corner points with
 * labels 2 and 3, and a padding point (0, 0) with label -1 is appended when there is no box.
 */
import { InvalidPromptError } from './errors.js';
import { applyCoords, type InputGeometry, type Size } from './transforms.js';

export type Point = readonly [number, number];
export type Box = readonly [number, number, number, number];

/** One prompt set, in original-image pixels. */
export interface Prompt {
  pointCoords?: readonly Point[] | null;
  /** 1 = foreground, 0 = background, one per point. */
  pointLabels?: readonly number[] | null;
  /** [x0, y0, x1, y1]. */
  box?: Box | null;
  /** Low-res logits from a previous prediction (`maskInputSize` squared floats). */
  maskInput?: Float32Array | null;
}

/**
 * A prompt from flat point coordinates [x0, y0, x1, y1, ...], as the web page and the HTTP API send
 * them. Labels without points are kept, so that validatePrompt names the mismatch.
 */
export function promptFromFlat(points: readonly number[], labels: readonly number[], box: Box | null, maskInput: Float32Array | null = null): Prompt {
  const pairs: Point[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) pairs.push([points[i], points[i + 1]]);
  return { pointCoords: pairs.length ? pairs : null, pointLabels: pairs.length || labels.length ? labels : null, box, maskInput };
}

/** Decoder inputs for a batch of prompt sets that share one point count. */
export interface EncodedPrompts {
  batch: number;
  numPoints: number;
  /** [batch, numPoints, 2] in model-input pixels. */
  pointCoords: Float32Array;
  /** [batch, numPoints]. */
  pointLabels: Float32Array;
  /** [batch, 1, maskSize, maskSize]; zeros when unused. */
  maskInput: Float32Array;
  hasMaskInput: boolean;
  /**
   * Only the top-left `height` x `width` pixels of each low-res mask are needed (mask post-processing
   * crops away the padding beyond the resized image): a decoder may leave the rest unspecified.
   * Absent: whole masks.
   */
  lowResRegion?: { height: number; width: number };
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Throw InvalidPromptError unless the prompt is well formed and inside the image. */
export function validatePrompt(prompt: Prompt, image: Size, maskSize: number, where = 'prompt'): void {
  const points = prompt.pointCoords ?? null;
  const labels = prompt.pointLabels ?? null;
  if ((points === null) !== (labels === null)) {
    throw new InvalidPromptError(`${where}: pointCoords and pointLabels must be given together`);
  }
  if (points && labels) {
    if (points.length !== labels.length) {
      throw new InvalidPromptError(`${where}: ${points.length} point(s) but ${labels.length} label(s); counts must match`);
    }
    points.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || !finite(p[0]) || !finite(p[1])) {
        throw new InvalidPromptError(`${where}: point ${i} must be [x, y] numbers, got ${JSON.stringify(p)}`);
      }
      if (p[0] < 0 || p[0] > image.width || p[1] < 0 || p[1] > image.height) {
        throw new InvalidPromptError(
          `${where}: point ${i} (${p[0]}, ${p[1]}) is outside the image (x in [0, ${image.width}], y in [0, ${image.height}])`,
        );
      }
    });
    labels.forEach((l, i) => {
      if (l !== 0 && l !== 1) throw new InvalidPromptError(`${where}: label ${i} is ${JSON.stringify(l)}; labels must be 1 (foreground) or 0 (background)`);
    });
  }
  const box = prompt.box ?? null;
  if (box) {
    if (!Array.isArray(box) || box.length !== 4 || !box.every(finite)) {
      throw new InvalidPromptError(`${where}: box must be [x0, y0, x1, y1] numbers, got ${JSON.stringify(box)}`);
    }
    const [x0, y0, x1, y1] = box;
    if (x1 < x0 || y1 < y0) throw new InvalidPromptError(`${where}: box [${box.join(', ')}] has x1 < x0 or y1 < y0`);
    if (x0 < 0 || y0 < 0 || x1 > image.width || y1 > image.height) {
      throw new InvalidPromptError(`${where}: box [${box.join(', ')}] is outside the image (${image.width}x${image.height})`);
    }
  }
  const mask = prompt.maskInput ?? null;
  if (mask) {
    if (!(mask instanceof Float32Array) || mask.length !== maskSize * maskSize) {
      const got = mask instanceof Float32Array ? `${mask.length} values` : typeof mask;
      throw new InvalidPromptError(`${where}: maskInput must be ${maskSize}x${maskSize} float32 low-res logits (${maskSize * maskSize} values), got ${got}`);
    }
  }
  if (!points?.length && !box && !mask) {
    throw new InvalidPromptError(`${where}: give at least one point, a box or a mask input`);
  }
}

/** Number of decoder points a prompt takes (its points, two box corners or one padding point). */
export function decoderPointCount(prompt: Prompt): number {
  return (prompt.pointCoords?.length ?? 0) + (prompt.box ? 2 : 1);
}

/**
 * Encode prompt sets that share a decoder point count into one batch. Coordinates are scaled from
 * `original` to the resized image of `inputSize`.
 */
export function encodePrompts(prompts: readonly Prompt[], original: Size, inputSize: InputGeometry, maskSize: number): EncodedPrompts {
  const batch = prompts.length;
  const numPoints = decoderPointCount(prompts[0]);
  const raw = new Float64Array(batch * numPoints * 2);
  const pointLabels = new Float32Array(batch * numPoints);
  const maskInput = new Float32Array(batch * maskSize * maskSize);
  let hasMaskInput = false;
  prompts.forEach((p, b) => {
    if (decoderPointCount(p) !== numPoints) throw new InvalidPromptError('prompts in one batch must have the same number of points and all or none a box');
    let k = b * numPoints;
    const points = p.pointCoords ?? [];
    for (let i = 0; i < points.length; i++, k++) {
      raw[2 * k] = points[i][0];
      raw[2 * k + 1] = points[i][1];
      pointLabels[k] = p.pointLabels![i];
    }
    if (p.box) {
      raw[2 * k] = p.box[0]; raw[2 * k + 1] = p.box[1]; pointLabels[k] = 2;
      raw[2 * k + 2] = p.box[2]; raw[2 * k + 3] = p.box[3]; pointLabels[k + 1] = 3;
    } else {
      // The padding point (0, 0) stays (0, 0) after scaling.
      pointLabels[k] = -1;
    }
    if (p.maskInput) { maskInput.set(p.maskInput, b * maskSize * maskSize); hasMaskInput = true; }
  });
  if (hasMaskInput && prompts.some((p) => !p.maskInput)) {
    throw new InvalidPromptError('prompts in one batch must all have a mask input or none');
  }
  return { batch, numPoints, pointCoords: applyCoords(raw, original, inputSize), pointLabels, maskInput, hasMaskInput };
}
