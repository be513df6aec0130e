/**
 * Running the per-prompt decoder graph over a batch of encoded prompts, a few prompts per run, next
 * to the image-side tensors it takes (SamModel on the calling thread, decoder lanes in workers).
 */
import ort from 'onnxruntime-node';
import { cellsCovering, type CellExtent } from '../core/interleave.js';
import type { EncodedPrompts } from '../core/prompt.js';
import { LOWRANK_EXTENT_INPUT, LOWRANK_GRID } from './lowrank-io.js';

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
    const { rows, cols } = promptCells(prompts);
    feeds[LOWRANK_EXTENT_INPUT] = new ort.Tensor('int64', BigInt64Array.from([BigInt(rows), BigInt(cols)]), [2]);
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
