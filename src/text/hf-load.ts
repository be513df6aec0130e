/** Loading a zero-shot detector's model and processor with transformers.js (its loader, its cache). */
import type { DetectorFamily } from './detector.js';
import { familyOf, hubError, type DetectorLocation } from './hf-source.js';
import { importOptional } from '../runtime/optional-import.js';

type Transformers = typeof import('@huggingface/transformers');
export type HfModel = Awaited<ReturnType<Transformers['AutoModelForZeroShotObjectDetection']['from_pretrained']>>;
export type HfProcessor = Awaited<ReturnType<Transformers['AutoProcessor']['from_pretrained']>>;

export interface HfDetectorParts {
  transformers: Transformers;
  family: DetectorFamily;
  model: HfModel;
  processor: HfProcessor;
}

/** transformers.js's progress events (one per file). */
export interface FileProgress { file: string; loaded: number; total: number }

export async function loadHfDetector(loc: DetectorLocation, onProgress?: (p: FileProgress) => void): Promise<HfDetectorParts> {
  // Loaded only when a detector is used: it is large and `samkit predict` never needs it.
  const transformers = await importOptional('@huggingface/transformers', 'the zero-shot detector (text prompts)', () => import('@huggingface/transformers'));
  const { env, AutoConfig, AutoModelForZeroShotObjectDetection, AutoProcessor } = transformers;
  let id: string;
  if (loc.kind === 'folder') {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = `${loc.dir.slice(0, loc.dir.length - pathBase(loc.dir).length)}`;
    id = pathBase(loc.dir);
  } else {
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.remoteHost = loc.host;
    env.useFSCache = true;
    env.cacheDir = loc.cacheDir;
    id = loc.id;
  }
  const progress_callback = loc.kind === 'hub' && onProgress && ((e: { status: string; file?: string; loaded?: number; total?: number }) => {
    if (e.status === 'progress' && e.file) onProgress({ file: e.file, loaded: e.loaded ?? 0, total: e.total ?? 0 });
  });
  const opts = { progress_callback: progress_callback || undefined, local_files_only: loc.kind === 'folder' };
  try {
    const config = await AutoConfig.from_pretrained(id, opts);
    const family = loc.kind === 'folder' ? loc.family : familyOf((config as { model_type?: unknown }).model_type, `${id}/config.json`);
    const [model, processor] = await Promise.all([
      AutoModelForZeroShotObjectDetection.from_pretrained(id, { ...opts, dtype: 'fp32', device: 'cpu' }),
      AutoProcessor.from_pretrained(id, opts),
    ]);
    return { transformers, family, model, processor };
  } catch (err) {
    if (loc.kind === 'hub' && !(err instanceof Error && err.name === 'ModelError')) throw hubError(loc, err);
    throw err;
  }
}

function pathBase(p: string): string {
  const trimmed = p.replace(/[\\/]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1);
}
