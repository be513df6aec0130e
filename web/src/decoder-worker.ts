/**
 * The prompt decoder, off the page's main thread: onnxruntime-web (WASM, threaded when the page
 * is cross-origin isolated) runs the model's rewritten decoder on the server's image embedding;
 * masks are upsampled with the official plan (to the display size while hovering, to the original
 * size when a mask is accepted) and painted into RGBA here, so the page only has to put pixels.
 */
import * as ort from 'onnxruntime-web/wasm';
import { cellsCovering, interleaveLowResMasks, interleavePlane, type CellExtent } from '../../src/core/interleave.js';
import { Mask } from '../../src/core/mask.js';
import { chooseMaskToken, isLonePoint, resolveMaskTokenRule, type MaskTokenRule } from '../../src/core/mask-choice.js';
import { encodePrompts, promptFromFlat } from '../../src/core/prompt.js';
import { decompressRle, maskToCocoRle } from '../../src/core/rle.js';
import { preprocessShape, type ResizeRule, type Size } from '../../src/core/transforms.js';
import { lowResFootprint, planUpsample, UpsampleScratch, upsampleThreshold } from '../../src/core/upsample.js';
import { extentValues, LOWRANK_EXTENT_INPUT } from '../../src/model/lowrank-io.js';
import { DecoderKernel, KERNEL_MAX_POINTS, type KernelTokenChoice } from '../../src/kernel/decoder-kernel.js';
import { kernelWeights } from '../../src/kernel/kernel-weights.js';
import { startPageKernel } from './kernel-start.js';
import { ImageSideClient, type ImageSideOutputs } from './image-side-client.js';
import { PreparedImages } from './image-slots.js';
import { LruMap } from '../../src/core/lru.js';
import { asOfficialTokens, PageFamilyDecoder } from './family-decoder.js';
import { paintMask } from './paint.js';
import type {
  DecodeResult, DecoderStart, DisplayCrop, FinalizeResult, HoverCalibration, HoverVia, PaintedMask, PrepareResult, PromptInput, RasterizeResult, RleInput, Rgb, WorkerRequest, WorkerResponse,
} from './worker-protocol.js';

interface ImageState {
  embedding: ort.Tensor | null;
  original: Size;
  resized: Size;
  resize: ResizeRule;
  inputSize: number;
  maskSize: number;
  display: Size;
  displayScratch: UpsampleScratch;
  displayMask: Uint8Array;
  fullScratch: UpsampleScratch | null;
  decodeUrl: string | null;
  /** The image id the page gave with the embedding (slots are found by it), or null. */
  key: string | null;
  /** The image part came from a slot prepared before this image was opened (ahead, or an earlier visit). */
  fromSlot: boolean;
}

let session: ort.InferenceSession | null = null;
/**
 * The model layer's per-image / per-prompt decoder graphs (the low-rank decoder for the default
 * model): the image part runs once per image, the prompt part per pointer move (one point, no mask
 * input), so hovering skips the prompt-independent work.
 */
/**
 * Whether this worker can decode the model's prompts: the official export it feeds, or another
 * family's graph running here (see `family`); else every decode goes to the server's decode endpoint.
 */
let pageRunnable = true;
/**
 * A model family other than the official export (ModelInfo.decoderFamily): its own graph in this
 * worker (family-decoder.ts), or null with `familyReason` saying why its prompts go to the server.
 */
let familyId = 'sam-onnx';
let family: PageFamilyDecoder | null = null;
let familyReason: string | null = null;
let split: { image: ort.InferenceSession; prompt: ort.InferenceSession; carried: string[]; blockedMasks: boolean } | null = null;
let carried: Record<string, ort.Tensor> | null = null;
/**
 * samkit's prompt-decoder kernel (WebAssembly SIMD, src/kernel/): decodes every prompt (with a mask
 * input too) on the carried tensors, in one call instead of the prompt graph's ~350 onnxruntime
 * nodes or the full graph's ~1,000.
 * Null when it could not start or the page asked for the graph (`?decoder=graph`).
 */
let kernel: DecoderKernel | null = null;
/** The decoder sessions being created: an embedding can arrive before they are. */
let initialized: Promise<unknown> = Promise.resolve();
/**
 * Per-image decoder state (the split's carried tensors) by image id: the current image, the next one
 * prepared ahead on the image-side worker, and the previous one. `?ahead=off` on the page: none kept
 * (every image runs its image part when opened, as before), for comparisons.
 */
const aheadEnabled = new URLSearchParams(self.location.search).get('ahead') !== 'off';
const slots = new PreparedImages<Record<string, ort.Tensor>>();
let imageSide: ImageSideClient | null = null;
/** Images the server said it prepared (POST prepareUrl), as many as it keeps (SERVER_PREPARED_IMAGES). */
const serverPrepared = new LruMap<string, true>(3);
let image: ImageState | null = null;
const noMask = new ort.Tensor('float32', new Float32Array([0]), [1]);
const withMask = new ort.Tensor('float32', new Float32Array([1]), [1]);

function planFor(s: { maskSize: number; inputSize: number; resized: Size }, out: Size): UpsampleScratch {
  return new UpsampleScratch(planUpsample({ width: s.maskSize, height: s.maskSize }, s.inputSize, s.resized, out));
}

async function fetchModel(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load the decoder model (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

async function init(req: Extract<WorkerRequest, { kind: 'init' }>): Promise<DecoderStart> {
  ort.env.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
  const isolated = self.crossOriginIsolated === true;
  ort.env.wasm.numThreads = isolated ? Math.max(1, req.threads) : 1;
  const decoderBytes = await fetchModel(req.decoderUrl);
  familyId = req.family.id;
  if (familyId !== 'sam-onnx') return initFamily(decoderBytes, req.family.maskInputSize, isolated);
  // Fixed batch lets onnxruntime fold the shape arithmetic once instead of on every run.
  session = await ort.InferenceSession.create(decoderBytes, {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all', freeDimensionOverrides: { batch: 1 },
  });
  pageRunnable = ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'].every((n) => session!.inputNames.includes(n))
    && !session.inputNames.includes('high_res_feats_0');
  if (req.hover && pageRunnable) {
    try {
      const [image, prompt] = await Promise.all([fetchModel(req.hover.imageUrl), fetchModel(req.hover.promptUrl)]);
      split = {
        image: await ort.InferenceSession.create(image, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }),
        // A hover is always the point plus the padding point: fixing that folds the shape arithmetic.
        prompt: await ort.InferenceSession.create(prompt, {
          executionProviders: ['wasm'], graphOptimizationLevel: 'all', freeDimensionOverrides: { batch: 1, num_points: 2 },
        }),
        carried: req.hover.carried,
        blockedMasks: req.hover.blockedMasks,
      };
      // One thread: it runs beside the hovers on the current image and leaves them a core. The
      // products are split over rows and columns, not sums, so the tensors are the same bits.
      imageSide = aheadEnabled ? new ImageSideClient(req.hover.imageUrl, 1) : null;
    } catch {
      split = null; // hovering then uses the full decoder
    }
  }
  // The kernel starts in the background: the page is ready as soon as onnxruntime is, and prompts
  // decode with the graph until the kernel has the image's tensors.
  kernel = null;
  if (split?.blockedMasks && new URLSearchParams(self.location.search).get('decoder') !== 'graph') {
    void startKernel(decoderBytes).then((k) => {
      if (k && carried) {
        try {
          k.setImage(carried, carried);
        } catch {
          return;
        }
      }
      kernel = k;
    });
  }
  return { threads: ort.env.wasm.numThreads ?? 1, isolated, split: split !== null, family: null };
}

/** A model family's own decoder graph here, or (it cannot run here, or ?decoder=server) the server's decode endpoint. */
async function initFamily(bytes: Uint8Array, maskInputSize: number, isolated: boolean): Promise<DecoderStart> {
  family = null;
  familyReason = null;
  split = null;
  kernel = null;
  if (new URLSearchParams(self.location.search).get('decoder') === 'server') {
    familyReason = 'asked for with ?decoder=server';
  } else {
    try {
      family = await PageFamilyDecoder.create(bytes, familyId, maskInputSize);
    } catch (err) {
      familyReason = `its graph did not start in onnxruntime-web: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  pageRunnable = family !== null;
  return { threads: ort.env.wasm.numThreads ?? 1, isolated, split: false, family: { id: familyId, via: family ? 'page' : 'server', reason: familyReason } };
}

/** The kernel on the decoder's weights, or null (then the prompt graph decodes, as before). */
async function startKernel(decoderBytes: Uint8Array): Promise<DecoderKernel | null> {
  try {
    // relaxed SIMD where the engine has it, with a helper thread when isolated (kernel-start.ts)
    return await startPageKernel(kernelWeights(decoderBytes), new URLSearchParams(self.location.search));
  } catch {
    return null;
  }
}

/** The image part of the split on this worker's onnxruntime: what every hover that follows needs. */
async function runImagePart(embedding: ort.Tensor): Promise<Record<string, ort.Tensor>> {
  const out = await split!.image.run({ image_embeddings: embedding });
  return Object.fromEntries(split!.carried.map((n) => [n, out[n]]));
}

function asTensors(outputs: ImageSideOutputs): Record<string, ort.Tensor> {
  return Object.fromEntries(Object.entries(outputs).map(([n, t]) => [n, new ort.Tensor('float32', t.data, t.dims)]));
}

/**
 * The image part for a new embedding: from the slot prepared for this image (same id and embedding)
 * when there is one, else computed here (and kept for going back).
 */
async function carryImage(s: ImageState, key: string | undefined): Promise<void> {
  carried = null;
  await initialized.catch(() => undefined);
  if (!split || !s.embedding || image !== s) return;
  const embedding = s.embedding;
  let next: Record<string, ort.Tensor>;
  if (aheadEnabled && key) {
    const { value, reused } = slots.prepare(key, embedding.data as Float32Array, () => runImagePart(embedding));
    // A slot whose preparation failed (the image-side worker died): computed here after all.
    next = await (reused ? value.catch(() => slots.prepare(key, embedding.data as Float32Array, () => runImagePart(embedding)).value) : value);
    s.fromSlot = reused;
  } else {
    next = await runImagePart(embedding);
  }
  if (image !== s) return;
  carried = next;
  try {
    kernel?.setImage(carried, carried);
  } catch {
    kernel = null;
  }
}

/** The server prepares the image for its hover decodes (POST prepareUrl); true when it says it did. */
async function prepareOnServer(key: string, url: string): Promise<boolean> {
  const res = await fetch(url, { method: 'POST' }).catch(() => null);
  const ok = res?.ok === true && ((await res.json().catch(() => null)) as { prepared?: boolean } | null)?.prepared === true;
  if (ok) serverPrepared.set(key, true);
  return ok;
}

/**
 * 'prepare': another image's image part, on the image-side worker, into a slot; and, when hovers go
 * to the server for this image (so they will for the next), the server's per-image part too.
 */
async function prepare(req: Extract<WorkerRequest, { kind: 'prepare' }>): Promise<PrepareResult> {
  await initialized.catch(() => undefined);
  const t0 = performance.now();
  const server = hoverVia === 'server' && req.prepareUrl ? prepareOnServer(req.key, req.prepareUrl) : Promise.resolve(null);
  const side = imageSide;
  let page: { reused: boolean } | null = null;
  if (split && side?.available) {
    const outputs = split.carried;
    const { value, reused } = slots.prepare(req.key, req.embedding, (emb) => side.run(emb, req.dims, outputs).then(asTensors));
    const tensors = await value.catch(() => null);
    // Into the kernel's second set of buffers too, so opening the image only swaps pointers.
    if (tensors) {
      try {
        kernel?.stageImage(tensors, tensors);
      } catch { /* then setImage copies it on opening */ }
    }
    page = tensors ? { reused } : null;
  }
  return { prepared: page !== null, reused: page?.reused ?? false, server: await server, ms: Math.round(performance.now() - t0) };
}

/**
 * Whether the side hovers decode on already holds this image's per-image part, so the warm-up decode
 * (which exists to compute it) would only cost time: the page's slot, or the server's prepared image.
 */
function preparedFor(s: ImageState, via: HoverVia): boolean {
  if (!aheadEnabled || !s.key) return false;
  return via === 'server' ? serverPrepared.has(s.key) : s.fromSlot && carried !== null && (kernel !== null || !split?.blockedMasks);
}

function setImage(req: Extract<WorkerRequest, { kind: 'image' }>): void {
  carried = null;
  // SAM 2 stretches the image to the input square: its low-res masks cover the whole image.
  const resized = preprocessShape(req.original, { inputSize: req.inputSize, resize: req.resize });
  const base = { maskSize: req.maskSize, inputSize: req.inputSize, resized };
  image = {
    embedding: null,
    original: req.original,
    resized,
    resize: req.resize,
    inputSize: req.inputSize,
    maskSize: req.maskSize,
    display: req.display,
    displayScratch: planFor(base, req.display),
    displayMask: new Uint8Array(req.display.width * req.display.height),
    fullScratch: null,
    decodeUrl: req.decodeUrl,
    key: null,
    fromSlot: false,
  };
  hoverVia = 'page';
}

function requireImage(): ImageState {
  if (!image) throw new Error('no image embedding loaded');
  return image;
}

function renderPlane(s: ImageState, logits: Float32Array, offset: number, color: Rgb): PaintedMask {
  const { width: w, height: h } = s.display;
  upsampleThreshold(logits, offset, 0, s.displayScratch, s.displayMask);
  return paintMask(s.displayMask, w, h, color, 0.45);
}

/** Decoded logits of one prompt: every token's score and its [tokens, maskSize, maskSize] logits. */
interface Decoded {
  scores: Float32Array;
  logits: Float32Array;
  graph: DecodeResult['graph'];
  /** Set when only this token's logits were decoded (the server sends just the one to show). */
  token?: number;
}

/** The one token a decode that shows one needs from the kernel (the rule, resolved for this prompt). */
function kernelChoice(p: PromptInput, rule: MaskTokenRule): KernelTokenChoice {
  return resolveMaskTokenRule(isLonePoint(p.points.length / 2, p.box), rule);
}

/**
 * onnxruntime-web (or the kernel) in this worker. `imageOnly`: see WorkerRequest. `choice`: the
 * masks wanted when the kernel decodes (the others' logits stay 0, and `token` says which is there).
 */
async function decodeInPage(s: ImageState, p: PromptInput, imageOnly: boolean, choice: KernelTokenChoice = 'all'): Promise<Decoded> {
  if (family) return decodeFamily(family, s, p);
  if (!session) throw new Error('the decoder is not loaded');
  if (!pageRunnable) throw new Error('this model\'s decoder runs on the server only');
  if (!s.embedding) throw new Error('the image embedding is not loaded yet');
  const enc = encodePrompts([promptFromFlat(p.points, p.labels, p.box, p.maskInput)], s.original, s.inputSize, s.maskSize);
  const m = s.maskSize;
  const pointCoords = new ort.Tensor('float32', enc.pointCoords, [1, enc.numPoints, 2]);
  const pointLabels = new ort.Tensor('float32', enc.pointLabels, [1, enc.numPoints]);
  // One point, no box, no mask input: the prompt part of the split, on this image's carried tensors.
  const useHover = split !== null && carried !== null && isLonePoint(p.points.length / 2, p.box) && !enc.hasMaskInput && enc.numPoints === 2;
  // Only the image's part of the masks when they will never be a mask input (see WorkerRequest).
  const cells: CellExtent = imageOnly ? footprintCells(s) : { rows: m / 4, cols: m / 4 };
  // The kernel decodes mask inputs too (a click that refines): it needs the embedding for those.
  if (kernel !== null && carried !== null && enc.numPoints <= KERNEL_MAX_POINTS) {
    try {
      if (enc.hasMaskInput) kernel.setImage(carried, carried, s.embedding.data as Float32Array);
      const k = kernel.decode(enc, cells, choice);
      if (k.tokens) {
        const logits = new Float32Array(k.iou.length * m * m);
        interleavePlane(k.masks, 0, 0, 1, m / 4, logits, k.tokens[0] * m * m, cells);
        return { scores: k.iou, logits, graph: 'kernel', token: k.tokens[0] };
      }
      return { scores: k.iou, logits: interleaveLowResMasks(k.masks, 1, k.iou.length, m / 4, undefined, cells), graph: 'kernel' };
    } catch {
      kernel = null; // e.g. out of memory: onnxruntime-web decodes from now on
    }
  }
  const extent: Record<string, ort.Tensor> = split?.prompt.inputNames.includes(LOWRANK_EXTENT_INPUT)
    ? { [LOWRANK_EXTENT_INPUT]: new ort.Tensor('int64', extentValues(cells), [2]) } : {};
  const out = useHover
    ? await split!.prompt.run({ ...carried, ...extent, point_coords: pointCoords, point_labels: pointLabels })
    : await session.run({
      image_embeddings: s.embedding,
      point_coords: pointCoords,
      point_labels: pointLabels,
      mask_input: new ort.Tensor('float32', enc.maskInput, [1, 1, m, m]),
      has_mask_input: enc.hasMaskInput ? withMask : noMask,
    });
  const scores = Float32Array.from(out.all_iou_predictions.data as Float32Array);
  const blocked = useHover && split!.blockedMasks;
  const logits = blocked
    ? interleaveLowResMasks(out.low_res_masks_blocked.data as Float32Array, 1, scores.length, m / 4, undefined, cells)
    : (out.all_low_res_masks.data as Float32Array).slice();
  for (const o of Object.values(out)) o.dispose?.();
  return { scores, logits, graph: useHover ? 'hover' : 'full' };
}

/**
 * A model family's own graph (family-decoder.ts), prompts encoded with the family's geometry (SAM 2
 * stretches). Families without a mask input decode refinements from the points alone, as the
 * server's endpoint and the library do.
 */
async function decodeFamily(f: PageFamilyDecoder, s: ImageState, p: PromptInput): Promise<Decoded> {
  const maskInput = f.codec.supports.maskInput ? p.maskInput : null;
  const enc = encodePrompts([promptFromFlat(p.points, p.labels, p.box, maskInput)], s.original, { inputSize: s.inputSize, resize: s.resize }, s.maskSize);
  const out = await f.decode(enc);
  const plane = s.maskSize * s.maskSize;
  const t = asOfficialTokens(out.iou.subarray(0, out.tokens), out.masks.subarray(0, out.tokens * plane), plane);
  return { scores: t.scores, logits: t.logits, graph: 'family' };
}

/**
 * The server's decoder (POST decodeUrl): the masks' rows over the image, padding left at 0; with a
 * `token` rule, only the chosen token's logits (the others stay 0).
 */
async function decodeOnServer(s: ImageState, p: PromptInput, rule?: MaskTokenRule): Promise<Decoded> {
  if (!s.decodeUrl) throw new Error('no server decoder for this image');
  // A family's decoder numbers only its multimask candidates (official token t is its t - 1).
  const token = typeof rule === 'number' && familyId !== 'sam-onnx' ? Math.max(0, rule - 1) : rule;
  const res = await fetch(s.decodeUrl, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ points: p.points, labels: p.labels, box: p.box, token }),
  });
  if (!res.ok) throw new Error(`the server could not decode (HTTP ${res.status})`);
  const tokens = Number(res.headers.get('x-decode-tokens'));
  const rows = Number(res.headers.get('x-mask-rows'));
  const sent = (res.headers.get('x-decode-planes') ?? '').split(',').filter(Boolean).map(Number);
  const m = s.maskSize;
  const body = new Float32Array(await res.arrayBuffer());
  if (Number(res.headers.get('x-mask-size')) !== m || body.length !== tokens + sent.length * rows * m || sent.some((t) => !(t >= 0 && t < tokens))) {
    throw new Error('the server sent masks of another size');
  }
  const logits = new Float32Array(tokens * m * m);
  sent.forEach((t, i) => logits.set(body.subarray(tokens + i * rows * m, tokens + (i + 1) * rows * m), t * m * m));
  if (res.headers.get('x-decode-multimask-only') === '1') {
    const t = asOfficialTokens(body.subarray(0, tokens), logits, m * m);
    return { scores: t.scores, logits: t.logits, graph: 'server', token: token === undefined ? undefined : sent[0] + 1 };
  }
  return { scores: body.slice(0, tokens), logits, graph: 'server', token: token === undefined ? undefined : sent[0] };
}

/** Where hover previews decode for the current image (see 'calibrate'). */
let hoverVia: HoverVia = 'page';

async function decode(req: Extract<WorkerRequest, { kind: 'decode' }>): Promise<DecodeResult> {
  const t0 = performance.now();
  const s = requireImage();
  const p: PromptInput = req.prompt;
  const imageOnly = req.imageOnly === true;
  let d: Decoded | null = null;
  if (imageOnly && hoverVia === 'server' && !p.maskInput) {
    // A server that stops answering (gone, busy with an error) only costs speed: back to the page.
    d = await decodeOnServer(s, p, req.render === 'chosen' ? req.token : undefined).catch(() => { hoverVia = 'page'; return null; });
  }
  // A decoder the page cannot run: the server decodes every prompt (it has no mask-input refinement).
  if (!pageRunnable && s.decodeUrl) d = await decodeOnServer(s, p, req.render === 'chosen' ? req.token : undefined);
  // A hover shows one token and never becomes a mask input: the kernel decodes that token alone.
  d ??= await decodeInPage(s, p, imageOnly, imageOnly && req.render === 'chosen' ? kernelChoice(p, req.token) : 'all');
  const t1 = performance.now();
  const tokens = d.scores.length;
  const token = d.token ?? chooseMaskToken(d.scores, isLonePoint(p.points.length / 2, p.box), req.token);
  const wanted = req.render === 'chosen' ? [token] : req.render;
  const painted: Array<PaintedMask | null> = new Array(tokens).fill(null);
  const plane = s.maskSize * s.maskSize;
  for (const t of wanted) if (t >= 0 && t < tokens) painted[t] = renderPlane(s, d.logits, t * plane, req.color);
  const kernelThreads = d.graph === 'kernel' && kernel ? 1 + kernel.helperCount : undefined;
  return { token, scores: d.scores, logits: d.logits, painted, decodeMs: t1 - t0, totalMs: performance.now() - t0, graph: d.graph, kernelThreads };
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

/**
 * Time both places to decode a hover on this image (one warm-up each: onnxruntime's first run plans,
 * the server's first prepares the image) and keep the faster one for hovers.
 */
async function calibrate(req: Extract<WorkerRequest, { kind: 'calibrate' }>): Promise<HoverCalibration> {
  const s = requireImage();
  hoverVia = 'page';
  // A later image whose hover side was prepared ahead: nothing left to warm up.
  if (req.rounds === 0 && req.force && preparedFor(s, req.force)) {
    hoverVia = req.force;
    return { via: hoverVia, pageMs: null, serverMs: null, warmed: false };
  }
  const p: PromptInput = { points: req.point, labels: [1], box: null, maskInput: null };
  const inPage = req.force === 'server' ? null : () => decodeInPage(s, p, true, kernelChoice(p, 'auto'));
  const onServer = req.force === 'page' || !s.decodeUrl ? null : () => decodeOnServer(s, p, 'auto');
  // The warm-ups (onnxruntime's first run plans, the server's first prepares the image) run at once:
  // they are mostly waiting on different processes. The timed rounds then run one side at a time.
  const warm = async (f: (() => Promise<unknown>) | null) => f !== null && f().then(() => true, () => false);
  const [pageOk, serverOk] = await Promise.all([warm(inPage), warm(onServer)]);
  const time = async (f: () => Promise<unknown>): Promise<number | null> => {
    const ts: number[] = [];
    try {
      for (let i = 0; i < req.rounds; i++) { const t0 = performance.now(); await f(); ts.push(performance.now() - t0); }
    } catch {
      return null;
    }
    return median(ts);
  };
  const pageMs = pageOk ? await time(inPage!) : null;
  const serverMs = serverOk ? await time(onServer!) : null;
  if (image !== s) return { via: 'page', pageMs, serverMs, warmed: true };
  hoverVia = req.force ?? (serverOk && serverMs !== null && (pageMs === null || serverMs < pageMs) ? 'server' : 'page');
  return { via: hoverVia, pageMs, serverMs, warmed: true };
}

/** The grid cells of the low-res masks that any upsampling of this image reads. */
function footprintCells(s: ImageState): CellExtent {
  const { height, width } = lowResFootprint({ width: s.maskSize, height: s.maskSize }, s.inputSize, s.resized);
  return cellsCovering(height, width, s.maskSize / 4);
}

/** The accepted mask at the original size, with the official upsampling, as COCO RLE. */
function finalize(logits: Float32Array): FinalizeResult {
  const s = requireImage();
  s.fullScratch ??= planFor(s, s.original);
  const mask = new Mask(s.original.width, s.original.height);
  const area = upsampleThreshold(logits, 0, 0, s.fullScratch, mask.data);
  // stability_score as the official generator defines it (offset 1.0 around the threshold 0).
  const high = upsampleThreshold(logits, 0, 1, s.fullScratch);
  const low = upsampleThreshold(logits, 0, -1, s.fullScratch);
  const rle = maskToCocoRle(mask);
  return { rle: { size: rle.size, counts: rle.counts }, area, bbox: mask.bbox, stability: low > 0 ? high / low : 0 };
}

/**
 * Nearest-neighbour rasterisation of RLE masks at the display size, straight from the runs (no
 * full-size buffer per mask).
 */
function rasterize(items: RleInput[], withLabelMap: boolean): RasterizeResult {
  const s = requireImage();
  const { width: W, height: H } = s.original;
  const { width: dw, height: dh } = s.display;
  // Source column of each display column, and the first display row at or after each source row.
  const colsOf: number[][] = Array.from({ length: W }, () => []);
  for (let dx = 0; dx < dw; dx++) colsOf[Math.min(W - 1, Math.floor(((dx + 0.5) * W) / dw))].push(dx);
  const rowStart = new Int32Array(H + 1);
  {
    let dy = 0;
    for (let y = 0; y <= H; y++) {
      while (dy < dh && Math.min(H - 1, Math.floor(((dy + 0.5) * H) / dh)) < y) dy++;
      rowStart[y] = dy;
    }
  }
  const full = new Uint8Array(dw * dh);
  const crops: DisplayCrop[] = [];
  const areas: number[] = [];
  for (const item of items) {
    const counts = typeof item.counts === 'string' ? decompressRle({ size: item.size, counts: item.counts }).counts : item.counts;
    full.fill(0);
    let x0 = dw, y0 = dh, x1 = -1, y1 = -1;
    let pos = 0;
    let area = 0;
    for (let k = 0; k < counts.length; k++) {
      const c = counts[k];
      if (k & 1 && c > 0) {
        area += c;
        let left = c;
        let x = Math.floor(pos / H);
        let y = pos - x * H;
        while (left > 0) {
          const seg = Math.min(left, H - y);
          const dxs = colsOf[x];
          if (dxs.length) {
            const ya = rowStart[y];
            const yb = rowStart[y + seg];
            if (yb > ya) {
              for (const dx of dxs) {
                for (let dy = ya; dy < yb; dy++) full[dy * dw + dx] = 1;
                if (dx < x0) x0 = dx;
                if (dx > x1) x1 = dx;
              }
              if (ya < y0) y0 = ya;
              if (yb - 1 > y1) y1 = yb - 1;
            }
          }
          left -= seg;
          y = 0;
          x++;
        }
      }
      pos += c;
    }
    areas.push(area);
    if (x1 < 0) { crops.push({ x: 0, y: 0, w: 0, h: 0, data: new Uint8Array(0) }); continue; }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) data.set(full.subarray((y0 + y) * dw + x0, (y0 + y) * dw + x0 + w), y * w);
    crops.push({ x: x0, y: y0, w, h, data });
  }
  let labelMap: Int32Array | null = null;
  if (withLabelMap) {
    labelMap = new Int32Array(dw * dh).fill(-1);
    // Smaller masks are painted last so they stay reachable under larger ones.
    const order = items.map((_, i) => i).sort((a, b) => areas[b] - areas[a]);
    for (const i of order) {
      const { x: cx, y: cy, w, h, data } = crops[i];
      for (let y = 0; y < h; y++) {
        const row = (cy + y) * dw + cx;
        for (let x = 0; x < w; x++) if (data[y * w + x]) labelMap[row + x] = i;
      }
    }
  }
  return { crops, areas, labelMap };
}

function transferables(value: unknown): Transferable[] {
  const list: Transferable[] = [];
  const add = (v: unknown): void => {
    if (ArrayBuffer.isView(v) && !list.includes(v.buffer)) list.push(v.buffer as ArrayBuffer);
  };
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      if (Array.isArray(v)) {
        v.forEach((x) => {
          add(x);
          if (x && typeof x === 'object' && 'data' in x) add((x as DisplayCrop).data);
          if (x && typeof x === 'object' && 'rgba' in x) add((x as PaintedMask).rgba);
        });
      } else if (v && typeof v === 'object' && 'rgba' in v) {
        add((v as PaintedMask).rgba);
      } else {
        add(v);
      }
    }
  }
  return list;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.kind) {
    case 'init': initialized = init(req); return initialized;
    case 'image': setImage(req); return true;
    case 'embedding': {
      const s = requireImage();
      s.embedding = new ort.Tensor('float32', req.embedding, req.dims);
      // The family's decoder may still be starting (the embedding can come first).
      await initialized.catch(() => undefined);
      if (family && image === s) {
        try {
          family.setImage(req.embedding, req.dims, req.inputs);
        } catch (err) {
          // e.g. an older server without the family's inputs: its decode endpoint still works.
          family = null;
          pageRunnable = false;
          familyReason = err instanceof Error ? err.message : String(err);
        }
      }
      s.key = req.key ?? null;
      s.fromSlot = false;
      await carryImage(s, req.key);
      return true;
    }
    case 'prepare': return prepare(req);
    case 'display': {
      const s = requireImage();
      s.display = req.display;
      s.displayScratch = planFor(s, req.display);
      s.displayMask = new Uint8Array(req.display.width * req.display.height);
      return true;
    }
    case 'decode': return decode(req);
    case 'calibrate': return calibrate(req);
    case 'render': return renderPlane(requireImage(), req.logits, 0, req.color);
    case 'finalize': return finalize(req.logits);
    case 'rasterize': return rasterize(req.items, req.labelMap);
  }
}

self.onmessage = (e: MessageEvent<{ id: number; req: WorkerRequest }>) => {
  const { id, req } = e.data;
  handle(req).then(
    (value) => (self as unknown as Worker).postMessage({ id, ok: true, value } satisfies WorkerResponse, transferables(value)),
    (err: unknown) => (self as unknown as Worker).postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerResponse),
  );
};
