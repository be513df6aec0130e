/** Messages between the page and the decoder worker. */
import type { MaskTokenRule } from '../../src/core/mask-choice.js';
import type { ResizeRule, Size } from '../../src/core/transforms.js';

export type Rgb = readonly [number, number, number];

export interface PromptInput {
  /** Flat [x0, y0, x1, y1, ...] in original image pixels. */
  points: number[];
  labels: number[];
  box: [number, number, number, number] | null;
  /** Low-res logits of the previous mask (refinement), or null. */
  maskInput: Float32Array | null;
}

export interface DisplayCrop {
  /** Top-left in display pixels and size of the crop; data is w*h bytes of 0/1. */
  x: number;
  y: number;
  w: number;
  h: number;
  data: Uint8Array;
}

export interface RleInput {
  size: [number, number];
  counts: string | number[];
}

export type WorkerRequest =
  /** `family`: the decoder's family (ModelInfo.decoderFamily); other than 'sam-onnx', the page runs it with its codec (family-decoder.ts). */
  | { kind: 'init'; decoderUrl: string; threads: number; hover: { imageUrl: string; promptUrl: string; carried: string[]; blockedMasks: boolean } | null; family: { id: string; maskInputSize: number } }
  /** `decodeUrl`: the server's decode endpoint for this image (hover previews may use it, see 'calibrate'). */
  | { kind: 'image'; original: Size; display: Size; inputSize: number; resize: ResizeRule; maskSize: number; decodeUrl: string | null }
  /**
   * The current image's embedding. `key` (the image id): its per-image decoder state may come from
   * a slot prepared ahead for the same id and the same embedding values (see 'prepare'). `inputs`:
   * the decoder's other image-side inputs by name (families other than sam-onnx, see embedding-body.ts).
   */
  | { kind: 'embedding'; embedding: Float32Array; dims: number[]; inputs: Record<string, { data: Float32Array; dims: number[] }>; key?: string }
  /**
   * Compute another image's per-image decoder state ahead, off the decoder worker's thread, into a
   * slot used when that image's 'embedding' comes (see image-slots.ts).
   */
  | { kind: 'prepare'; key: string; embedding: Float32Array; dims: number[]; prepareUrl: string | null }
  | { kind: 'display'; display: Size }
  /**
   * `imageOnly`: the logits are only shown, accepted or finalized, never a later prompt's mask input,
   * so the masks' padding below or right of the image need not be decoded (hover previews).
   */
  | { kind: 'decode'; prompt: PromptInput; token: MaskTokenRule; render: number[] | 'chosen'; color: Rgb; imageOnly?: boolean }
  /**
   * Time hover decodes in the page and on the server (the image's decodeUrl), `rounds` each after a
   * warm-up, and from then on decode hovers (imageOnly requests) where the median was lower, or
   * where `force` says.
   */
  | { kind: 'calibrate'; point: [number, number]; rounds: number; force: HoverVia | null }
  | { kind: 'render'; logits: Float32Array; color: Rgb }
  | { kind: 'finalize'; logits: Float32Array }
  | { kind: 'rasterize'; items: RleInput[]; labelMap: boolean };

/** A painted mask: RGBA pixels of its bounding box (plus a margin for the outline) on the display. */
export interface PaintedMask {
  x: number;
  y: number;
  w: number;
  h: number;
  /** w * h * 4 bytes; empty when the mask is empty. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** Display pixels set. */
  area: number;
  /** Display size it was painted for. */
  displayWidth: number;
  displayHeight: number;
}

/** Where hover previews are decoded: onnxruntime-web in the page's worker, or the app's server. */
export type HoverVia = 'page' | 'server';

export interface HoverCalibration {
  via: HoverVia;
  /** Median decode-to-logits time of each side, ms (null: not measured or failed). */
  pageMs: number | null;
  serverMs: number | null;
  /** A warm-up decode ran (false: the side was prepared ahead for this image, nothing to warm). */
  warmed: boolean;
}

export interface DecodeResult {
  token: number;
  /** Predicted IoU of the 4 tokens (0 = single-mask token, 1..3 = multimask candidates). */
  scores: Float32Array;
  /** [4, 256, 256] low-res logits (hover previews decoded on the server: only `token`'s). */
  logits: Float32Array;
  /** The painted mask of each rendered token (others null). */
  painted: Array<PaintedMask | null>;
  decodeMs: number;
  totalMs: number;
  /** Which graph ran: the hover split, the full decoder, the server's decoder, the kernel, or a model family's own graph in the page. */
  graph: 'hover' | 'full' | 'server' | 'kernel' | 'family';
  /** With the kernel: the threads it ran on (2 with its helper worker). */
  kernelThreads?: number;
}

export interface FinalizeResult {
  rle: { size: [number, number]; counts: string };
  area: number;
  bbox: [number, number, number, number];
  stability: number;
}

export interface RasterizeResult {
  crops: DisplayCrop[];
  areas: number[];
  /** Per display pixel: index of the smallest item covering it, or -1. */
  labelMap: Int32Array | null;
}

/** What 'prepare' did. */
export interface PrepareResult {
  /** The page's slot holds the image's part (false: no split decoder or no image-side worker here). */
  prepared: boolean;
  /** It was there already. */
  reused: boolean;
  /** The server prepared it too (null: not asked, hovers are decoded in the page). */
  server: boolean | null;
  ms: number;
}

/** Between the decoder worker and its image-side worker (image-side-worker.ts). */
export type ImageSideRequest =
  | { kind: 'init'; imageUrl: string; threads: number }
  | { kind: 'run'; id: number; embedding: Float32Array; dims: number[]; outputs: string[] };

export type ImageSideResponse =
  | { id: number; ok: true; tensors: Array<{ name: string; data: Float32Array; dims: number[] }> }
  | { id: number; ok: false; error: string };

export type WorkerResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

/** What the worker's init reports. */
export interface DecoderStart {
  threads: number;
  isolated: boolean;
  split: boolean;
  /** For model families other than sam-onnx: where their prompts decode, and why on the server. */
  family: { id: string; via: 'page' | 'server'; reason: string | null } | null;
}
