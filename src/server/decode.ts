/**
 * Point and box prompts decoded on the server, for the page's hover previews when it measured this
 * faster than its own WASM decoder (a local server runs onnxruntime's native kernels; see
 * docs/benchmarks.md). Only the masks' part over the image is decoded and sent.
 */
import { chooseMaskToken, isLonePoint, type MaskTokenRule } from '../core/mask-choice.js';
import { encodePrompts, promptFromFlat, validatePrompt, type Box, type Prompt } from '../core/prompt.js';
import { preprocessShape, type Size } from '../core/transforms.js';
import { lowResFootprint } from '../core/upsample.js';
import type { SamModel } from '../model/sam-model.js';
import type { EmbeddingService } from './embeddings.js';
import { HttpError } from './http-error.js';

/** Most points one decode takes (the page sends one for a hover; clicks add a few). */
export const MAX_DECODE_POINTS = 64;

/** A parsed POST /api/images/:id/decode body. */
export interface DecodeBody {
  prompt: Prompt;
  /** Send only this token's logits (see chooseMaskToken); absent: every token's. */
  token?: MaskTokenRule;
}

/**
 * The body of POST /api/images/:id/decode, as the page's PromptInput without a mask input:
 * `points` [x0, y0, x1, y1, ...] in original pixels, `labels` 1 / 0 per point, `box` or null, and
 * optionally `token`: 'auto', 'best-multi' or a token index.
 */
export function parseDecodeBody(body: unknown, image: Size, maskSize: number): DecodeBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || body instanceof Uint8Array) throw new HttpError(400, 'the decode body must be a JSON object {points, labels, box, token}', 'BAD_PROMPT');
  const src = body as Record<string, unknown>;
  const points = src.points ?? [];
  const labels = src.labels ?? [];
  if (!Array.isArray(points) || points.length % 2 !== 0 || points.length > 2 * MAX_DECODE_POINTS) {
    throw new HttpError(400, `points must be an array of x, y pairs (at most ${MAX_DECODE_POINTS}), got ${JSON.stringify(points).slice(0, 80)}`, 'BAD_PROMPT');
  }
  if (!Array.isArray(labels)) throw new HttpError(400, `labels must be an array, got ${JSON.stringify(labels).slice(0, 80)}`, 'BAD_PROMPT');
  const prompt = promptFromFlat(points as number[], labels as number[], (src.box ?? null) as Box | null);
  validatePrompt(prompt, image, maskSize, 'decode');
  const token = src.token ?? undefined;
  if (token !== undefined && token !== 'auto' && token !== 'best-multi' && !(Number.isInteger(token) && (token as number) >= 0)) {
    throw new HttpError(400, `token must be 'auto', 'best-multi' or a token index, got ${JSON.stringify(token)}`, 'BAD_PROMPT');
  }
  return { prompt, token: token as MaskTokenRule | undefined };
}

/** One decoded prompt: every mask token's score and the logits of some tokens over the image's rows. */
export interface ServerDecode {
  scores: Float32Array;
  /** The tokens whose logits follow, in order. */
  planes: number[];
  /** [planes, rows, maskSize]: the first `rows` rows of those low-res masks (the rest is padding). */
  logits: Float32Array;
  rows: number;
  maskSize: number;
  /** The decoder has no single-mask token: the tokens are the multimask candidates (official tokens 1..3). */
  multimaskOnly: boolean;
}

/** A decoder with only the multimask candidates: 'auto' and 'best-multi' take the best-scoring one. */
function chooseCandidate(scores: ArrayLike<number>, rule: MaskTokenRule): number {
  if (typeof rule === 'number') return rule;
  let best = 0;
  for (let t = 1; t < scores.length; t++) if (scores[t] > scores[best]) best = t;
  return best;
}

/**
 * Images whose per-image decoder part the server keeps prepared: the one being hovered, the next one
 * the page asks for ahead (POST /api/images/:id/prepare) and the one before it.
 */
export const SERVER_PREPARED_IMAGES = 3;

export class DecodeService {
  private keeping = false;

  constructor(
    private readonly model: () => Promise<SamModel>,
    private readonly embeddings: EmbeddingService,
  ) {}

  private async hoverModel(): Promise<SamModel> {
    const model = await this.model();
    if (!this.keeping) {
      model.keepPreparedImages(SERVER_PREPARED_IMAGES);
      this.keeping = true;
    }
    return model;
  }

  /**
   * Compute the image's embedding (if not stored) and the decoder's per-image part now, so the first
   * hover decode on it is as fast as the later ones: the page asks for this for the next image while
   * the current one is annotated. `already`: it was prepared before this call.
   */
  async prepare(id: string): Promise<{ already: boolean }> {
    const model = await this.hoverModel();
    const emb = await this.embeddings.get(id);
    const already = model.isImagePrepared(emb.data);
    await model.prepareImage(emb.data);
    return { already };
  }

  async decode(id: string, image: Size, body: unknown): Promise<ServerDecode> {
    // The body is checked against the image before any embedding is computed or stored.
    const model = await this.hoverModel();
    const maskSize = model.maskInputSize;
    const { prompt, token } = parseDecodeBody(body, image, maskSize);
    const emb = await this.embeddings.get(id);
    const inputSize = model.preprocess.inputSize;
    const enc = encodePrompts([prompt], emb.originalSize, model.preprocess, maskSize);
    const region = lowResFootprint({ width: maskSize, height: maskSize }, inputSize, preprocessShape(emb.originalSize, model.preprocess));
    await model.prepareImage(emb.data);
    const out = await model.decode(emb.data, { ...enc, lowResRegion: region });
    const plane = maskSize * maskSize;
    const rows = region.height;
    const scores = out.iou.slice(0, out.tokens);
    if (typeof token === 'number' && token >= out.tokens) throw new HttpError(400, `token ${token} does not exist: the decoder gives tokens 0 to ${out.tokens - 1}`, 'BAD_PROMPT');
    const lone = isLonePoint(prompt.pointCoords?.length ?? 0, prompt.box);
    const planes = token === undefined ? Array.from({ length: out.tokens }, (_, t) => t)
      : [out.multimaskOnly ? chooseCandidate(scores, token) : chooseMaskToken(scores, lone, token)];
    const logits = new Float32Array(planes.length * rows * maskSize);
    const dest = out.plane ? new Float32Array(plane) : null;
    planes.forEach((t, i) => {
      const src = dest ?? out.masks.subarray(t * plane, (t + 1) * plane);
      if (dest) out.plane!(0, t, dest);
      logits.set(src.subarray(0, rows * maskSize), i * rows * maskSize);
    });
    return { scores, planes, logits, rows, maskSize, multimaskOnly: out.multimaskOnly === true };
  }
}
