/** Audio bytes (a file or an upload) to what recognisers take: 16 kHz mono float. */
import { readFile } from 'node:fs/promises';
import { AudioError } from '../core/errors.js';
import { resample, SPEECH_RATE } from './resample.js';
import { decodeWav } from './wav.js';

export function speechSamples(bytes: Uint8Array, name = 'audio'): Float32Array {
  if (bytes.length === 0) throw new AudioError(`${name} is empty`);
  const { samples, sampleRate } = decodeWav(bytes, name);
  return resample(samples, sampleRate, SPEECH_RATE);
}

export async function readSpeechFile(file: string): Promise<Float32Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AudioError(`cannot read audio ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`, { cause: err });
  }
  return speechSamples(bytes, file);
}
