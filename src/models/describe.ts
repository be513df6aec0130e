/** What a model source is (files, families, what its prompts can use), read from the graphs without running them. */
import { ModelError } from '../core/errors.js';
import type { ModelManifest } from '../model/manifest.js';
import { defaultModelManifest } from '../model/resolve.js';
import { hasInput } from './family.js';
import { fileIO } from './graph-io.js';
import { classify } from './registry.js';
import { manifestFromPath } from './source.js';

export interface ModelDescription {
  id: string;
  encoder: { file: string; family: string | null; runnable: boolean };
  decoder: { file: string; family: string | null; runnable: boolean };
  /** Prompt kinds the decoder takes; singleMask: the single-mask token (else only the 3 multimask candidates). */
  supports: { points: boolean; boxes: boolean; maskInput: boolean; singleMask: boolean };
  /** The decoder graph's inputs. */
  decoderInputs: string[];
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
  const points = io !== null && (hasInput(io, 'point_coords') || hasInput(io, 'input_points'));
  return {
    id: manifest.id,
    encoder: { file: enc.file, family: enc.family, runnable: enc.runnable },
    decoder: { file: dec.file, family: dec.family, runnable: dec.runnable },
    // The official contract encodes boxes as two corner points (labels 2, 3); transformers.js has input_boxes.
    supports: {
      points, boxes: io !== null && (hasInput(io, 'point_coords') || hasInput(io, 'input_boxes')), maskInput: io !== null && hasInput(io, 'mask_input'),
      singleMask: dec.family === 'sam-onnx',
    },
    decoderInputs: io?.inputs.map((i) => i.name) ?? [],
  };
}
