/** `--model` / `SamModel.load(source)` strings: a manifest file, a model folder, or a hub id. */
import { stat } from 'node:fs/promises';
import { loadManifest, type ModelManifest } from '../model/manifest.js';
import { progressBarReporter, type ProgressReporter } from '../model/download.js';
import { folderManifest } from './folder.js';
import { hubFolder, isHubId, type HubOptions } from './hub.js';

export type SourceOptions = Pick<HubOptions, 'cacheDir' | 'dtype' | 'onProgress' | 'fetchImpl' | 'env'>;

/** A progress bar per downloaded file on stderr (one line per file outside a terminal). */
function barsPerFile(): NonNullable<HubOptions['onProgress']> {
  let current: { file: string; bar: ProgressReporter } | null = null;
  return (file, received, total) => {
    if (current?.file !== file) {
      current?.bar.stop();
      current = { file, bar: progressBarReporter(file) };
    }
    current.bar(received, total || null);
  };
}

export async function manifestFromPath(source: string, options: SourceOptions = {}): Promise<ModelManifest> {
  const st = await stat(source).catch(() => null);
  if (st?.isDirectory()) return folderManifest(source);
  if (!st && isHubId(source)) {
    const dir = await hubFolder(source, { ...options, onProgress: options.onProgress ?? barsPerFile() });
    return { ...await folderManifest(dir), id: source };
  }
  return loadManifest(source);
}
