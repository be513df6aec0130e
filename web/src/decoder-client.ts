/** The page's side of the decoder worker: request/response with promises, and latest-wins hover. */
import type { MaskTokenRule } from '../../src/core/mask-choice.js';
import type { ResizeRule, Size } from '../../src/core/transforms.js';
import { LIVE_COLOR } from './paint.js';
import type {
  DecodeResult, DecoderStart, FinalizeResult, HoverCalibration, HoverVia, PaintedMask, PrepareResult, PromptInput, RasterizeResult, RleInput, Rgb, WorkerRequest, WorkerResponse,
} from './worker-protocol.js';

export class DecoderClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Hover: the one decode in flight, and the newest request waiting behind it. */
  private hoverBusy = false;
  private hoverNext: { prompt: PromptInput; done: (r: DecodeResult | null) => void } | null = null;

  constructor(url: string) {
    // ?decoder=graph on the page: the worker decodes with onnxruntime's prompt graph, not the kernel;
    // ?kernel=simd: the kernel's plain SIMD build even where the relaxed-SIMD one runs;
    // ?kernelThreads=1: no helper thread for the kernel;
    // ?ahead=off: nothing is prepared ahead (the worker runs each image's image part on opening it).
    const page = new URLSearchParams(self.location.search);
    const q = new URLSearchParams();
    for (const k of ['decoder', 'ahead', 'kernel', 'kernelThreads']) { const v = page.get(k); if (v) q.set(k, v); }
    const qs = q.toString();
    this.worker = new Worker(qs ? `${url}?${qs}` : url, { type: 'module', name: 'samkit-decoder' });
    this.worker.onmessage = (e: MessageEvent<WorkerResponse>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.value);
      else p.reject(new Error(e.data.error));
    };
    this.worker.onerror = (e) => {
      const err = new Error(`the decoder worker failed: ${e.message || 'script error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  private call<T>(req: WorkerRequest, transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req }, transfer);
    });
  }

  init(decoderUrl: string, threads: number, hover: { imageUrl: string; promptUrl: string; carried: string[]; blockedMasks: boolean } | null, family = { id: 'sam-onnx', maskInputSize: 256 }): Promise<DecoderStart> {
    return this.call({ kind: 'init', decoderUrl, threads, hover, family });
  }

  setImage(original: Size, display: Size, geometry: { inputSize: number; resize: ResizeRule }, maskSize: number, decodeUrl: string | null): Promise<void> {
    return this.call({ kind: 'image', original, display, ...geometry, maskSize, decodeUrl });
  }

  /** Choose where hovers decode for the current image (see WorkerRequest 'calibrate'). */
  calibrateHover(point: [number, number], rounds: number, force: HoverVia | null): Promise<HoverCalibration> {
    return this.call({ kind: 'calibrate', point, rounds, force });
  }

  /** `inputs`: the family's other image-side inputs; `key`: the image id, so a slot prepared ahead for it (same embedding) is used. */
  setEmbedding(embedding: Float32Array, dims: number[], inputs: Record<string, { data: Float32Array; dims: number[] }> = {}, key?: string): Promise<void> {
    // Inputs are views into the embedding's response body (one buffer, transferred once).
    return this.call({ kind: 'embedding', embedding, dims, inputs, key }, [embedding.buffer]);
  }

  /**
   * Prepare another image's per-image decoder state in the background (a copy of `embedding` is
   * sent), and the server's at `prepareUrl` when hovers go there.
   */
  prepare(key: string, embedding: Float32Array, dims: number[], prepareUrl: string | null): Promise<PrepareResult> {
    const copy = embedding.slice();
    return this.call({ kind: 'prepare', key, embedding: copy, dims, prepareUrl }, [copy.buffer]);
  }

  setDisplay(display: Size): Promise<void> {
    return this.call({ kind: 'display', display });
  }

  decode(prompt: PromptInput, token: MaskTokenRule = 'auto', render: number[] | 'chosen' = 'chosen', color: Rgb = LIVE_COLOR, imageOnly = false): Promise<DecodeResult> {
    const maskInput = prompt.maskInput ? prompt.maskInput.slice() : null;
    return this.call({ kind: 'decode', prompt: { ...prompt, maskInput }, token, render, color, imageOnly }, maskInput ? [maskInput.buffer] : []);
  }

  /**
   * Decode for the pointer position: only one decode runs at a time and only the newest waiting
   * request is kept, so results never queue up behind the pointer. Superseded requests resolve
   * with null (their result is stale and must not be painted).
   */
  hover(prompt: PromptInput): Promise<DecodeResult | null> {
    return new Promise((resolve) => {
      if (this.hoverNext) this.hoverNext.done(null);
      this.hoverNext = { prompt, done: resolve };
      if (!this.hoverBusy) void this.pumpHover();
    });
  }

  /** Drop any waiting hover request (e.g. the pointer left the image). */
  cancelHover(): void {
    if (this.hoverNext) { this.hoverNext.done(null); this.hoverNext = null; }
  }

  private async pumpHover(): Promise<void> {
    this.hoverBusy = true;
    while (this.hoverNext) {
      const job = this.hoverNext;
      this.hoverNext = null;
      try {
        // Hover previews are never refined from (clicks decode again), so the padding is skipped.
        const r = await this.decode(job.prompt, 'auto', 'chosen', LIVE_COLOR, true);
        // A newer position arrived while this one ran: this result is stale.
        job.done(this.hoverNext ? null : r);
      } catch {
        job.done(null);
      }
    }
    this.hoverBusy = false;
  }

  render(logits: Float32Array, color: Rgb): Promise<PaintedMask> {
    const copy = logits.slice();
    return this.call({ kind: 'render', logits: copy, color }, [copy.buffer]);
  }

  finalize(logits: Float32Array): Promise<FinalizeResult> {
    const copy = logits.slice();
    return this.call({ kind: 'finalize', logits: copy }, [copy.buffer]);
  }

  rasterize(items: RleInput[], labelMap = false): Promise<RasterizeResult> {
    return this.call({ kind: 'rasterize', items, labelMap });
  }
}
