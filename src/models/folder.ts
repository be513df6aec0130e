/**
 * A model folder as other tools ship them: an encoder/decoder pair named as samexporter, AnyLabeling
 * and X-AnyLabeling do (`*encoder*.onnx` + `*decoder*.onnx`, quantized variants such as
 * `*.quant.onnx`), or a Hugging Face folder in the transformers.js layout (`onnx/vision_encoder*.onnx`
 * + `onnx/prompt_encoder_mask_decoder*.onnx`). File names only pick the candidates: the families are
 * recognised from the graphs when the model loads.
 */
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { ModelError } from '../core/errors.js';
import { DEFAULT_EMBEDDING_SHAPE, DEFAULT_MASK_INPUT_SIZE, DEFAULT_PREPROCESS, type ModelManifest } from '../model/manifest.js';
import { describeIO } from './family.js';
import { fileIO } from './graph-io.js';
import { DECODER_FAMILIES, ENCODER_FAMILIES } from './registry.js';

/** Full precision first, then half, then quantized: the variant users get unless they pick one. */
function precisionRank(name: string): number {
  const n = name.toLowerCase();
  if (/quant|int8|uint8|q4/.test(n)) return 2;
  if (/fp16|half/.test(n)) return 1;
  return 0;
}

function pick(files: string[]): string | undefined {
  return [...files].sort((a, b) => precisionRank(path.basename(a)) - precisionRank(path.basename(b)) || a.localeCompare(b))[0];
}

async function onnxFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.onnx')).map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

export interface FolderPair { encoder: string; decoder: string }

/** The encoder/decoder files of a folder (ModelError naming what was found otherwise). */
export async function findPair(dir: string): Promise<FolderPair> {
  const files = [...await onnxFiles(dir), ...await onnxFiles(path.join(dir, 'onnx'))];
  const base = (f: string) => path.basename(f).toLowerCase();
  const decoders = files.filter((f) => base(f).includes('decoder'));
  const encoders = files.filter((f) => base(f).includes('encoder') && !base(f).includes('decoder'));
  const encoder = pick(encoders);
  const decoder = pick(decoders);
  if (encoder && decoder) return { encoder, decoder };
  const found = await Promise.all(files.map(async (f) => {
    const io = await fileIO(f).then(describeIO, (err: Error) => err.message);
    return `${path.relative(dir, f)} (${io})`;
  }));
  throw new ModelError(`${dir} holds no encoder/decoder pair (files named *encoder*.onnx and *decoder*.onnx); `
    + `found ${found.length ? found.join('; ') : 'no .onnx files'}. `
    + `Encoders: ${ENCODER_FAMILIES.map((f) => `${f.id}: ${f.expects}`).join('; ')}. `
    + `Decoders: ${DECODER_FAMILIES.map((f) => `${f.id}: ${f.expects}`).join('; ')}`);
}

/** A manifest for a model folder (preprocessing defaults; the families are checked on load). */
export async function folderManifest(dir: string): Promise<ModelManifest> {
  const abs = path.resolve(dir);
  const { encoder, decoder } = await findPair(abs);
  return {
    id: path.basename(abs),
    encoder: { path: encoder },
    decoder: { path: decoder },
    preprocess: { ...DEFAULT_PREPROCESS, pixelMean: [...DEFAULT_PREPROCESS.pixelMean], pixelStd: [...DEFAULT_PREPROCESS.pixelStd] },
    embedding: { shape: [...DEFAULT_EMBEDDING_SHAPE] },
    maskInputSize: DEFAULT_MASK_INPUT_SIZE,
  };
}
