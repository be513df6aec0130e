/** Write a transformers.js-layout SAM folder made from an official encoder/decoder pair (see repack.ts). */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_PREPROCESS } from '../../model/manifest.js';
import type { RepackPreprocess } from '../samexporter/repack.js';
import { repackAsHfSam } from './repack.js';

export async function writeHfSamFolder(encoderPath: string, decoderPath: string, out: string, pre: RepackPreprocess = DEFAULT_PREPROCESS): Promise<string[]> {
  const files = repackAsHfSam(new Uint8Array(await readFile(encoderPath)), new Uint8Array(await readFile(decoderPath)), pre);
  // Written beside the target and renamed: a half-written folder is never left under its name.
  const tmp = `${out}.${process.pid}.part`;
  await rm(tmp, { recursive: true, force: true });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(tmp, name)), { recursive: true });
    await writeFile(path.join(tmp, name), content);
  }
  await rm(out, { recursive: true, force: true });
  await rename(tmp, out);
  return Object.keys(files);
}
