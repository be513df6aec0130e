/**
 * GET /api/images/:id/embedding for families whose decoder takes more image-side inputs than the
 * embedding (transformers.js SAM's positional encoding, SAM 2's high-resolution features): the
 * body is the embedding's float32 values followed by each input's, in the order the
 * `x-image-inputs` header lists them as `name=d0xd1x...` (comma-separated). The official export's
 * body is the embedding alone, without the header.
 */
import type { ImageInput } from './embeddings.js';

export const IMAGE_INPUTS_HEADER = 'x-image-inputs';

export function imageInputsHeader(inputs: ReadonlyArray<[string, ImageInput]>): string {
  return inputs.map(([name, t]) => `${name}=${t.dims.join('x')}`).join(',');
}

export function embeddingBody(embedding: Float32Array, inputs: ReadonlyArray<[string, ImageInput]>): Buffer {
  const total = inputs.reduce((n, [, t]) => n + t.data.length, embedding.length);
  const body = new Float32Array(total);
  body.set(embedding);
  let at = embedding.length;
  for (const [, t] of inputs) { body.set(t.data, at); at += t.data.length; }
  return Buffer.from(body.buffer);
}
