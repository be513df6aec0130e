/** `--model` / `SamModel.load(source)` strings: a manifest file or a model folder. */
import { stat } from 'node:fs/promises';
import { loadManifest, type ModelManifest } from '../model/manifest.js';
import { folderManifest } from './folder.js';

export async function manifestFromPath(source: string): Promise<ModelManifest> {
  const st = await stat(source).catch(() => null);
  return st?.isDirectory() ? folderManifest(source) : loadManifest(source);
}
