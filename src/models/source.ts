/** `--model` / `SamModel.load(source)` strings: a manifest file, a model folder, or a hub id. */
import { stat } from 'node:fs/promises';
import { loadManifest, type ModelManifest } from '../model/manifest.js';
import { progressBarReporter, type ProgressReporter } from '../model/download.js';
import { folderManifest } from './folder.js';
import { hubFolder, isHubId, parseHubId, readHubRecord, type HubOptions } from './hub.js';

export type SourceOptions = Pick<HubOptions, 'cacheDir' | 'dtype' | 'revision' | 'token' | 'onProgress' | 'fetchImpl' | 'env'>;

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

/**
 * A hub model's id (what embedding stores and journals are keyed by): the repo id, with the revision
 * unless it is main and the dtype unless it is fp32, since both change the weights.
 */
export function hubModelId(id: string, revision: string | undefined, dtype: string | undefined): string {
  const rev = revision && revision !== 'main' ? `@${revision}` : '';
  const dt = dtype && dtype !== 'fp32' && dtype !== 'as shipped' ? `.${dtype}` : '';
  return `${id}${rev}${dt}`;
}

export async function manifestFromPath(source: string, options: SourceOptions = {}): Promise<ModelManifest> {
  const st = await stat(source).catch(() => null);
  if (st?.isDirectory()) return folderManifest(source);
  if (!st && isHubId(source)) {
    const dir = await hubFolder(source, { ...options, onProgress: options.onProgress ?? barsPerFile() });
    const record = await readHubRecord(dir);
    return { ...await folderManifest(dir), id: hubModelId(parseHubId(source)!.id, record?.revision, record?.dtype) };
  }
  return loadManifest(source);
}
