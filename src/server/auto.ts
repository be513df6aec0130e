/**
 * The automatic mask generator ("Everything") behind the app: one run at a time on the server's
 * model, progress streamed to the page, cancelled when the page stops listening, results cached per
 * image and options.
 */
import { SamAutomaticMaskGenerator, type AmgProgress } from '../amg/generator.js';
import type { SamModel } from '../model/sam-model.js';
import { HttpError } from './http-error.js';
import type { ImageLibrary } from './image-library.js';
import { AUTO_DEFAULTS, AUTO_LIMITS, type AutoOptions, type AutoRecord } from './protocol.js';

export function parseAutoOptions(body: unknown): AutoOptions {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body))) {
    throw new HttpError(400, `the options must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`, 'BAD_OPTION');
  }
  const src = (body ?? {}) as Record<string, unknown>;
  const out = { ...AUTO_DEFAULTS };
  for (const key of Object.keys(AUTO_LIMITS) as Array<keyof AutoOptions>) {
    const v = src[key];
    if (v === undefined || v === null) continue;
    const [lo, hi, kind] = AUTO_LIMITS[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (kind === 'int' && !Number.isInteger(v))) {
      throw new HttpError(400, `${key} must be ${kind === 'int' ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}`, 'BAD_OPTION');
    }
    out[key] = v;
  }
  return out;
}

export class AutoService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cache = new Map<string, AutoRecord[]>();

  constructor(private readonly model: () => Promise<SamModel>, private readonly library: ImageLibrary) {}

  /** Run (or reuse) the generator; `onProgress` sees the generator's progress callbacks. */
  async run(id: string, options: AutoOptions, onProgress: (p: AmgProgress) => void, signal: AbortSignal): Promise<AutoRecord[]> {
    const key = `${id}:${JSON.stringify(options)}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const job = this.queue.then(async () => {
      signal.throwIfAborted();
      const [model, image] = await Promise.all([this.model(), this.library.rgb(id)]);
      // COCO RLE keeps the stream small; the page decodes it like any stored mask.
      const generator = new SamAutomaticMaskGenerator(model, { ...options, outputMode: 'coco_rle' });
      const records: AutoRecord[] = await generator.generate({ data: image.data, width: image.width, height: image.height }, { onProgress, signal });
      this.cache.set(key, records);
      while (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value as string);
      return records;
    });
    this.queue = job.catch(() => undefined);
    return job;
  }
}
