/**
 * The prompt codec of each family run by the generic path, by family id: pure, so the page's
 * worker decodes with the same code as the library (see prompt-codec.ts).
 */
import { hfSamCodec } from './hf-sam/codec.js';
import type { PromptCodec } from './prompt-codec.js';
import { sam2Codec } from './sam2/codec.js';

/** The codec for a decoder graph of `family` with these inputs, or null for families without one (sam-onnx). */
export function codecFor(family: string, inputNames: readonly string[], maskInputSize: number, what: string): PromptCodec | null {
  switch (family) {
    case 'hf-sam': return hfSamCodec(inputNames, what);
    case 'sam2-samexporter':
    case 'sam2-hf': return sam2Codec(inputNames, maskInputSize, what);
    default: return null;
  }
}
