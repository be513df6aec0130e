/**
 * Every model family samkit knows, tried in order; detection by the graphs' declared inputs and
 * outputs, with errors that list what each family expects. Adding a family: its folder and a line here.
 */
import { ModelError } from '../core/errors.js';
import type { DecoderFamily, EncoderFamily, GraphIO, ValueInfo } from './family.js';
import { describeIO } from './family.js';
import { fileIO } from './graph-io.js';
import { hfSamDecoder, hfSamEncoder } from './hf-sam/family.js';
import { sam2HfDecoder, sam2HfEncoder, sam2SamexporterDecoder, sam2SamexporterEncoder } from './sam2/family.js';
import { samOnnxDecoder, samOnnxEncoder } from './sam-onnx/family.js';
import { samexporterEncoder } from './samexporter/family.js';

// More specific contracts first: the official encoder's "one rank-4 input" would match others' graphs.
export const ENCODER_FAMILIES: readonly EncoderFamily[] = [samexporterEncoder, hfSamEncoder, sam2HfEncoder, sam2SamexporterEncoder, samOnnxEncoder];
export const DECODER_FAMILIES: readonly DecoderFamily[] = [samOnnxDecoder, hfSamDecoder, sam2HfDecoder, sam2SamexporterDecoder];

function expectations(families: readonly { id: string; expects: string }[]): string {
  return families.map((f) => `${f.id}: ${f.expects}`).join('; ');
}

/** The encoder family of a graph; ModelError naming its I/O and every family's expectation otherwise. */
export function detectEncoder(io: GraphIO, what: string): EncoderFamily {
  const f = ENCODER_FAMILIES.find((x) => x.matches(io));
  if (!f) throw new ModelError(`${what} is not a SAM encoder samkit recognises (${describeIO(io)}); encoders: ${expectations(ENCODER_FAMILIES)}`);
  if (!f.runnable) throw new ModelError(`${what} is a ${f.id} encoder (${describeIO(io)}), which samkit recognises but cannot run yet`);
  return f;
}

/** The decoder family of a graph; ModelError otherwise (as detectEncoder). */
export function detectDecoder(io: GraphIO, what: string): DecoderFamily {
  const f = DECODER_FAMILIES.find((x) => x.matches(io));
  if (!f) throw new ModelError(`${what} is not a SAM decoder samkit recognises (${describeIO(io)}); decoders: ${expectations(DECODER_FAMILIES)}`);
  if (!f.runnable) throw new ModelError(`${what} is a ${f.id} decoder (${describeIO(io)}), which samkit recognises but cannot run yet`);
  return f;
}

/** What a graph is, for listings: "sam-onnx encoder", "hf-sam decoder", or null. */
export function classify(io: GraphIO): { role: 'encoder' | 'decoder'; family: EncoderFamily | DecoderFamily } | null {
  const d = DECODER_FAMILIES.find((x) => x.matches(io));
  if (d) return { role: 'decoder', family: d };
  const e = ENCODER_FAMILIES.find((x) => x.matches(io));
  return e ? { role: 'encoder', family: e } : null;
}

function fits(a: ValueInfo['shape'], b: readonly number[]): boolean {
  if (!a) return true;
  return a.length === b.length && a.every((d, i) => typeof d !== 'number' || d <= 0 || d === b[i]);
}

/**
 * The pair must be of one family and the decoder's embedding input must take the encoder's output:
 * a ModelError naming both otherwise (before any image is encoded).
 */
export function checkPair(
  enc: { family: EncoderFamily; io: GraphIO; what: string },
  dec: { family: DecoderFamily; io: GraphIO; what: string },
  embeddingShape: readonly number[],
): void {
  if (!dec.family.encoders.includes(enc.family.id)) {
    throw new ModelError(`${enc.what} (a ${enc.family.id} encoder) and ${dec.what} (a ${dec.family.id} decoder) are from different model families`);
  }
  const out = enc.io.outputs.find((o) => o.name === enc.family.embeddingOutput) ?? enc.io.outputs[0];
  const input = dec.io.inputs.find((i) => i.name === dec.family.embeddingInput);
  if (!fits(out?.shape, embeddingShape) || !fits(input?.shape, embeddingShape)) {
    throw new ModelError(`the decoder ${dec.what} takes ${dec.family.embeddingInput} [${input?.shape?.join(',')}], `
      + `which does not fit the encoder ${enc.what}'s output ${out?.name} [${out?.shape?.join(',')}] (expected embedding ${embeddingShape.join('x')})`);
  }
}

/**
 * The family of a decoder file when it is not the official export (which src/model's machinery
 * runs), i.e. when it is run by the generic path; null for sam-onnx decoders and unrecognised graphs
 * (whose errors come from the official path, naming every family).
 */
export async function genericDecoderFamily(file: string): Promise<DecoderFamily | null> {
  const io = await fileIO(file).catch(() => null);
  if (!io) return null;
  const f = DECODER_FAMILIES.find((x) => x.matches(io));
  if (!f || f.id === 'sam-onnx') return null;
  if (!f.runnable || !f.open) throw new ModelError(`decoder ${file} is a ${f.id} decoder (${describeIO(io)}), which samkit recognises but cannot run yet`);
  return f;
}
