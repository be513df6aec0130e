/**
 * Running the per-prompt decoder graph over a batch of encoded prompts, a few prompts per run, next
 * to the image-side tensors it takes (SamModel on the calling thread, decoder lanes in workers).
 */
import ort from 'onnxruntime-node';
import type { EncodedPrompts } from '../core/prompt.js';

/** Yields each run's outputs with the index of its first prompt. */
export async function* runPromptGraph(
  session: ort.InferenceSession, carried: Record<string, ort.Tensor>,
  prompts: Pick<EncodedPrompts, 'batch' | 'numPoints' | 'pointCoords' | 'pointLabels'>, step: number,
): AsyncGenerator<{ first: number; out: ort.InferenceSession.ReturnType }> {
  const { batch, numPoints, pointCoords, pointLabels } = prompts;
  for (let b = 0; b < batch; b += step) {
    const n = Math.min(step, batch - b);
    const out = await session.run({
      ...carried,
      point_coords: new ort.Tensor('float32', pointCoords.subarray(b * numPoints * 2, (b + n) * numPoints * 2), [n, numPoints, 2]),
      point_labels: new ort.Tensor('float32', pointLabels.subarray(b * numPoints, (b + n) * numPoints), [n, numPoints]),
    });
    yield { first: b, out };
  }
}
