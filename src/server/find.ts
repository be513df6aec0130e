/**
 * POST /api/images/:id/find {text, boxThreshold?, textThreshold?, nmsThreshold?, maxObjects?}: the
 * page's "Find" box. The detector named by the server's --detector is loaded on first use; masks
 * come from a predictor of its own on the shared model (the page's embedding predictor is left alone).
 */
import type { FastifyInstance } from 'fastify';
import { maskToCocoRle } from '../core/rle.js';
import type { SamModel } from '../model/sam-model.js';
import { SamPredictor } from '../predictor.js';
import type { FindOptions, TextPrompter } from '../text/text-prompter.js';
import { HttpError } from './http-error.js';
import { checkImageId, type ImageLibrary } from './image-library.js';

export interface FindDeps { detector?: string; model: () => Promise<SamModel>; library: ImageLibrary }

function parseFindBody(body: unknown): { text: string; options: FindOptions } {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.text !== 'string') throw new HttpError(400, 'give the phrases to find as "text", e.g. {"text": "dog. red car."}', 'BAD_TEXT');
  const options: FindOptions = {};
  for (const k of ['boxThreshold', 'textThreshold', 'nmsThreshold', 'maxObjects'] as const) {
    if (b[k] === undefined) continue;
    if (typeof b[k] !== 'number') throw new HttpError(400, `${k} must be a number`, 'BAD_OPTION');
    options[k] = b[k];
  }
  return { text: b.text, options };
}

export function registerFind(app: FastifyInstance, deps: FindDeps): void {
  let finder: Promise<TextPrompter> | null = null;
  // One find at a time: the finder's predictor holds one image.
  let queue: Promise<unknown> = Promise.resolve();
  const load = (detector: string): Promise<TextPrompter> => {
    finder ??= import('../text/text-prompter.js').then(async ({ TextPrompter }) => TextPrompter.load(new SamPredictor(await deps.model()), { detector }));
    finder.catch(() => { finder = null; });
    return finder;
  };
  app.get('/api/find', async () => ({ detector: deps.detector ?? null }));
  app.post('/api/images/:id/find', async (req) => {
    const id = checkImageId((req.params as { id?: string }).id);
    if (!deps.detector) throw new HttpError(501, 'this server has no detector: start it with --detector <folder|hub id>', 'NO_DETECTOR');
    const { text, options } = parseFindBody(req.body);
    await deps.library.require(id);
    const detector = deps.detector;
    const run = queue.then(async () => {
      const f = await load(detector);
      const t0 = performance.now();
      const objects = await f.find(await deps.library.rgb(id), text, options);
      return {
        objects: objects.map((o) => ({ label: o.label, score: o.score, box: o.box, segmentation: maskToCocoRle(o.mask), area: o.mask.area, bbox: o.mask.bbox, predicted_iou: o.predictedIou })),
        timings: { ...f.lastTimings, totalMs: performance.now() - t0 },
      };
    });
    queue = run.catch(() => undefined);
    return run;
  });
}
