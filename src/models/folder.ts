/**
 * A model folder as other tools ship them: an encoder/decoder pair named as samexporter, AnyLabeling
 * and X-AnyLabeling do (`*encoder*.onnx` + `*decoder*.onnx`, quantized variants such as
 * `*.quant.onnx`), or a Hugging Face folder in the transformers.js layout (`onnx/vision_encoder*.onnx`
 * + `onnx/prompt_encoder_mask_decoder*.onnx`). File names only pick the candidates: the families are
 * recognised from the graphs when the model loads.
 */
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ModelError } from '../core/errors.js';
import { DEFAULT_EMBEDDING_SHAPE, DEFAULT_MASK_INPUT_SIZE, DEFAULT_PREPROCESS, type ModelManifest, type PreprocessConfig } from '../model/manifest.js';
import { describeIO } from './family.js';
import { fileIO } from './graph-io.js';
import { readHubRecord } from './hub.js';
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

/**
 * The preprocessing a Hugging Face folder's preprocessor_config.json declares (SamImageProcessor:
 * rescale by 1/255, then normalise by image_mean / image_std, longest edge size.longest_edge, padded
 * to pad_size), as samkit's 0-255 mean and std; the defaults without that file.
 */
async function folderPreprocess(dir: string): Promise<PreprocessConfig> {
  const base: PreprocessConfig = { ...DEFAULT_PREPROCESS, pixelMean: [...DEFAULT_PREPROCESS.pixelMean], pixelStd: [...DEFAULT_PREPROCESS.pixelStd] };
  const file = path.join(dir, 'preprocessor_config.json');
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return base;
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ModelError(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const triple = (v: unknown, what: string): [number, number, number] => {
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > -10 && x < 10)) {
      throw new ModelError(`${file}: ${what} must be three numbers (0-1 scale), got ${JSON.stringify(v)}`);
    }
    // 0.485 * 255 = 123.675 as the official constant, not 123.67499999999998.
    return v.map((x: number) => Math.round(x * 255 * 1e6) / 1e6) as [number, number, number];
  };
  if (cfg.image_mean !== undefined) base.pixelMean = triple(cfg.image_mean, 'image_mean');
  if (cfg.image_std !== undefined) base.pixelStd = triple(cfg.image_std, 'image_std');
  const sizes = cfg.size as { longest_edge?: unknown; height?: unknown; width?: unknown } | undefined;
  // SAM 2 processors give the stretched size as height x width (square for every released model).
  const size = sizes?.longest_edge ?? (sizes?.height !== undefined && sizes.height === sizes.width ? sizes.height : undefined);
  if (size !== undefined) {
    if (!Number.isInteger(size) || (size as number) < 16) throw new ModelError(`${file}: size.longest_edge must be a positive integer, got ${JSON.stringify(size)}`);
    base.inputSize = size as number;
  }
  return base;
}

/** A manifest for a model folder (preprocessing from preprocessor_config.json or defaults; the families are checked on load). */
export async function folderManifest(dir: string): Promise<ModelManifest> {
  const abs = path.resolve(dir);
  // A hub download names the dtype's pair it fetched (other dtypes may sit in the same folder).
  const record = await readHubRecord(abs);
  const recorded = record && {
    encoder: record.files.find((f) => /encoder/i.test(path.basename(f)) && !/decoder/i.test(path.basename(f))),
    decoder: record.files.find((f) => /decoder/i.test(path.basename(f)) && f.endsWith('.onnx')),
  };
  const { encoder, decoder } = recorded?.encoder && recorded.decoder
    ? { encoder: path.join(abs, recorded.encoder), decoder: path.join(abs, recorded.decoder) }
    : await findPair(abs);
  return {
    id: path.basename(abs),
    encoder: { path: encoder },
    decoder: { path: decoder },
    preprocess: await folderPreprocess(abs),
    embedding: { shape: [...DEFAULT_EMBEDDING_SHAPE] },
    maskInputSize: DEFAULT_MASK_INPUT_SIZE,
  };
}
