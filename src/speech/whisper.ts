/**
 * Open-vocabulary recognition with Whisper through @huggingface/transformers (automatic-speech-
 * recognition pipeline): a local model folder (Hugging Face layout, ONNX in onnx/) or a hub id such
 * as Xenova/whisper-tiny.en, downloaded once into samkit's cache ($SAMKIT_HF_ENDPOINT or
 * $HF_ENDPOINT to use a mirror). With phrases, the transcript is mapped onto the closest phrase.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SpeechError } from '../core/errors.js';
import { defaultCacheDir } from '../model/download.js';
import { matchPhrase } from './phrases.js';
import type { Transcriber, Transcript } from './transcriber.js';
import { importOptional } from '../runtime/optional-import.js';

type AsrPipeline = (audio: Float32Array, options?: Record<string, unknown>) => Promise<{ text: string } | Array<{ text: string }>>;

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Where the model comes from: an existing folder, or a hub id. */
export async function locateWhisper(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<{ kind: 'folder'; dir: string } | { kind: 'hub'; id: string; host: string; cacheDir: string }> {
  const st = await stat(ref).catch(() => null);
  if (st?.isDirectory()) {
    const dir = path.resolve(ref);
    if (!(await stat(path.join(dir, 'config.json')).catch(() => null))) throw new SpeechError(`${ref} is not a Whisper model folder: no config.json`);
    return { kind: 'folder', dir };
  }
  if (st) throw new SpeechError(`Whisper model ${ref} is a file; give its model folder`);
  if (!HUB_ID.test(ref)) throw new SpeechError(`Whisper model ${ref}: no such folder, and not a hub id (owner/name, e.g. Xenova/whisper-tiny.en)`);
  const host = env.SAMKIT_HF_ENDPOINT || env.HF_ENDPOINT || 'https://huggingface.co/';
  return { kind: 'hub', id: ref, host: host.endsWith('/') ? host : `${host}/`, cacheDir: path.join(defaultCacheDir(env), 'hf') };
}

export class WhisperTranscriber implements Transcriber {
  readonly name: string;
  private constructor(private readonly asr: AsrPipeline, ref: string) { this.name = `whisper:${ref}`; }

  static async load(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<WhisperTranscriber> {
    const loc = await locateWhisper(ref, env);
    const hf = await importOptional('@huggingface/transformers', 'Whisper speech recognition', () => import('@huggingface/transformers'));
    const id = loc.kind === 'folder' ? path.basename(loc.dir) : loc.id;
    if (loc.kind === 'folder') {
      hf.env.allowLocalModels = true;
      hf.env.allowRemoteModels = false;
      hf.env.localModelPath = path.dirname(loc.dir) + path.sep;
    } else {
      hf.env.allowLocalModels = false;
      hf.env.allowRemoteModels = true;
      hf.env.remoteHost = loc.host;
      hf.env.cacheDir = loc.cacheDir;
    }
    try {
      const asr = await hf.pipeline('automatic-speech-recognition', id, { dtype: 'fp32' });
      return new WhisperTranscriber(asr as unknown as AsrPipeline, ref);
    } catch (err) {
      const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      const where = loc.kind === 'folder' ? loc.dir : `${loc.host} (cache ${loc.cacheDir})`;
      throw new SpeechError(`cannot load Whisper model ${ref} from ${where}: ${msg}`, { cause: err });
    }
  }

  async transcribe(samples16k: Float32Array, phrases?: string[]): Promise<Transcript> {
    const out = await this.asr(samples16k, { chunk_length_s: 30 });
    const text = (Array.isArray(out) ? out.map((o) => o.text).join(' ') : out.text).trim().toLowerCase();
    return { text, phrase: phrases?.length ? matchPhrase(text, phrases) : undefined, backend: this.name };
  }
}
