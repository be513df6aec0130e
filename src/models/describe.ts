/** What a model source is (files, families, what its prompts can use), read from the graphs without running them. */
import { ModelError } from '../core/errors.js';
import type { ModelManifest } from '../model/manifest.js';
import { defaultModelManifest } from '../model/resolve.js';
import { codecFor } from './codecs.js';
import { hasInput, type DecoderSupports } from './family.js';
import { fileIO } from './graph-io.js';
import { classify } from './registry.js';
import { manifestFromPath } from './source.js';

export interface ModelDescription {
  id: string;
  encoder: { file: string; family: string | null; runnable: boolean };
  decoder: { file: string; family: string | null; runnable: boolean };
  /** Prompt kinds the decoder takes; singleMask: the single-mask token (else only the 3 multimask candidates). */
  supports: DecoderSupports;
  /** What the decoder lacks, in words (empty when it takes every prompt kind). */
  lacks: string[];
  /** The decoder graph's inputs. */
  decoderInputs: string[];
}

/** The prompt kinds a decoder lacks, as a person would say them. */
export function lacking(s: DecoderSupports): string[] {
  const out: string[] = [];
  if (!s.points) out.push('point prompts');
  if (!s.boxes) out.push('box prompts (no input_boxes or corner points)');
  if (!s.maskInput) out.push('a mask input (no refining from a previous mask)');
  if (!s.singleMask) out.push('single-mask output (only the 3 multimask candidates)');
  if (s.boxRequired) out.push('prompts without a box (its graph takes input_boxes with every prompt)');
  return out;
}

async function part(file: string | undefined, role: 'encoder' | 'decoder'): Promise<ModelDescription['encoder'] & { io: Awaited<ReturnType<typeof fileIO>> | null }> {
  if (!file) return { file: '(download)', family: null, runnable: false, io: null };
  const io = await fileIO(file);
  const c = classify(io);
  const family = c && c.role === role ? c.family : null;
  return { file, family: family?.id ?? null, runnable: family?.runnable ?? false, io };
}

export async function describeModel(source?: string): Promise<ModelDescription> {
  const manifest: ModelManifest = source === undefined ? defaultModelManifest() : await manifestFromPath(source);
  const [enc, dec] = await Promise.all([part(manifest.encoder.path, 'encoder'), part(manifest.decoder.path, 'decoder')]);
  if (!enc.family && !dec.family) throw new ModelError(`${source ?? manifest.id}: neither ${enc.file} nor ${dec.file} is a SAM graph samkit recognises`);
  const io = dec.io;
  const inputs = io?.inputs.map((i) => i.name) ?? [];
  // Families run by the generic path: what their codec (the code that feeds them) takes.
  const codec = dec.family ? codecFor(dec.family, inputs, manifest.maskInputSize ?? 256, dec.file) : null;
  const supports = codec?.supports ?? {
    points: io !== null && hasInput(io, 'point_coords'),
    // The official contract encodes boxes as two corner points (labels 2, 3).
    boxes: io !== null && hasInput(io, 'point_coords'), maskInput: io !== null && hasInput(io, 'mask_input'),
    singleMask: dec.family === 'sam-onnx',
  };
  return {
    id: manifest.id,
    encoder: { file: enc.file, family: enc.family, runnable: enc.runnable },
    decoder: { file: dec.file, family: dec.family, runnable: dec.runnable },
    supports: { ...supports },
    lacks: lacking(supports),
    decoderInputs: inputs,
  };
}
