/**
 * Running the per-prompt decoder graph over a batch of encoded prompts, a few prompts per run, next
 * to the image-side tensors it takes (SamModel on the calling thread, decoder lanes in workers).
 */
import ort from 'onnxruntime-node';
import { cellsCovering, interleaveLowResMasks, interleavePlane, type CellExtent } from '../core/interleave.js';
import type { EncodedPrompts } from '../core/prompt.js';
import { extentValues, LOWRANK_EXTENT_INPUT, LOWRANK_GRID } from './lowrank-io.js';
import type { DecoderOutput } from './sam-model.js';

type PromptPart = Pick<EncodedPrompts, 'batch' | 'numPoints' | 'pointCoords' | 'pointLabels' | 'lowResRegion'>;

/** The grid cells the low-rank graph computes for these prompts (all without a lowResRegion). */
export function promptCells(prompts: Pick<EncodedPrompts, 'lowResRegion'>): CellExtent {
  const r = prompts.lowResRegion;
  return r ? cellsCovering(r.height, r.width, LOWRANK_GRID) : { rows: LOWRANK_GRID, cols: LOWRANK_GRID };
}

/** Yields each run's outputs with the index of its first prompt. */
export async function* runPromptGraph(
  session: ort.InferenceSession, carried: Record<string, ort.Tensor>, prompts: PromptPart, step: number,
): AsyncGenerator<{ first: number; out: ort.InferenceSession.ReturnType }> {
  const { batch, numPoints, pointCoords, pointLabels } = prompts;
  const feeds: Record<string, ort.Tensor> = { ...carried };
  if (session.inputNames.includes(LOWRANK_EXTENT_INPUT)) {
    feeds[LOWRANK_EXTENT_INPUT] = new ort.Tensor('int64', extentValues(promptCells(prompts)), [2]);
  }
  for (let b = 0; b < batch; b += step) {
    const n = Math.min(step, batch - b);
    const out = await session.run({
      ...feeds,
      point_coords: new ort.Tensor('float32', pointCoords.subarray(b * numPoints * 2, (b + n) * numPoints * 2), [n, numPoints, 2]),
      point_labels: new ort.Tensor('float32', pointLabels.subarray(b * numPoints, (b + n) * numPoints), [n, numPoints]),
    });
    yield { first: b, out };
  }
}

/**
 * The low-rank graph's masks, run by run in blocked order: reordered all at once on first access to
 * `masks`, or one plane at a time (the generator only needs the candidates that pass its IoU filter).
 */
function blockedOutput(runs: Float32Array[], step: number, iou: Float32Array, batch: number, tokens: number, cells: CellExtent): DecoderOutput {
  const grid = LOWRANK_GRID;
  const lowSize = 4 * grid;
  const plane = lowSize * lowSize;
  let masks: Float32Array | null = null;
  return {
    iou, batch, tokens, lowSize,
    get masks(): Float32Array {
      if (!masks) {
        const all = new Float32Array(batch * tokens * plane);
        runs.forEach((data, r) => {
          const n = Math.min(step, batch - r * step);
          interleaveLowResMasks(data, n, tokens, grid, all.subarray(r * step * tokens * plane, (r * step + n) * tokens * plane), cells);
        });
        masks = all;
      }
      return masks;
    },
    plane(b: number, t: number, dest: Float32Array): void {
      interleavePlane(runs[Math.floor(b / step)], b % step, t, tokens, grid, dest, 0, cells);
    },
  };
}

/** The low-rank graph's runs over one batch (their masks and scores, in run order) as a DecoderOutput. */
export function runsOutput(decoded: { runs: Float32Array[]; iou: Float32Array[] }, prompts: Pick<EncodedPrompts, 'batch' | 'lowResRegion'>, step: number): DecoderOutput {
  const { runs, iou } = decoded;
  const tokens = iou[0].length / Math.min(step, prompts.batch);
  const allIou = new Float32Array(prompts.batch * tokens);
  iou.forEach((q, r) => allIou.set(q, r * step * tokens));
  return blockedOutput(runs, step, allIou, prompts.batch, tokens, promptCells(prompts));
}
