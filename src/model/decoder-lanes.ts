/**
 * Decoder lanes: the per-prompt decoder graph in several worker threads, one single-threaded
 * onnxruntime session each, for callers with many prompts per image (the automatic mask generator).
 *
 * Why: onnxruntime splits each node of a run over its threads and waits at every node; the prompt
 * graph has ~350 mostly small nodes, so two threads on one run reach about 1.5x one thread, while
 * two independent runs on one thread each reach about 2x (docs/benchmarks.md). A caller's per-batch
 * work can run on the lanes too (a LaneStage), so the cores share it evenly.
 */
import { Worker } from 'node:worker_threads';
import type ort from 'onnxruntime-node';
import { ModelError } from '../core/errors.js';
import type { EncodedPrompts } from '../core/prompt.js';
import type { DecoderOutput } from './sam-model.js';
import type { KernelWeights } from '../kernel/kernel-weights.js';

/** What a lane worker is started with. */
export interface LaneInit {
  /** The per-prompt graph: a file (its optimized form is cached in cacheDir) or bytes. */
  prompt: string | Uint8Array;
  cacheDir: string;
  what: string;
  masksOutput: string;
  iouOutput: string;
  /** Decode with the prompt-decoder kernel on these weights (src/kernel/) instead of the graph. */
  kernel?: KernelWeights;
}

/**
 * Work a lane does on each decoded batch before sending the result back instead of the masks (the
 * generator's filtering: each lane then decodes and filters its own batches, so both cores stay busy
 * and few bytes cross threads). `module` (a URL) exports `createStage(config): StageFn`.
 */
export interface LaneStage {
  module: string;
  config: unknown;
}

export type StageFn = (out: DecoderOutput) => { result: unknown; transfer?: ArrayBuffer[] };

/** Load a stage's function (in a lane, or on the calling thread when there are no lanes). */
export async function loadStage(stage: LaneStage): Promise<StageFn> {
  const mod = (await import(stage.module)) as { createStage?: (config: unknown) => StageFn };
  if (typeof mod.createStage !== 'function') throw new ModelError(`decoder stage ${stage.module} does not export createStage`);
  return mod.createStage(stage.config);
}

export type LaneRequest =
  | { kind: 'image'; tensors: Record<string, { data: Float32Array; dims: readonly number[] }> }
  | { kind: 'stage'; stage: LaneStage | null }
  | {
    kind: 'decode'; id: number; batch: number; numPoints: number; step: number; pointCoords: Float32Array; pointLabels: Float32Array;
    lowResRegion?: EncodedPrompts['lowResRegion']; staged: boolean;
  }
  /** Exit after the work already sent (ending a worker inside an onnxruntime run aborts the process). */
  | { kind: 'close' };

export type LaneResponse =
  | { kind: 'decoded'; id: number; runs: Float32Array[]; iou: Float32Array[] }
  | { kind: 'staged'; id: number; result: unknown }
  | { kind: 'failed'; id: number; message: string }
  | { kind: 'fatal'; message: string };

/** A decoded batch: the prompt graph's outputs run by run (`step` prompts per run), or the stage's result. */
export type LaneResult = { runs: Float32Array[]; iou: Float32Array[] } | { result: unknown };

interface Lane {
  worker: Worker;
  inFlight: number;
  exited: boolean;
}

export class DecoderLanes {
  private readonly lanes: Lane[];
  private readonly pending = new Map<number, { resolve: (r: LaneResult) => void; reject: (e: Error) => void; lane: Lane }>();
  private nextId = 0;
  private image: object | null = null;
  private broken: Error | null = null;
  private closed = false;
  /** Who is using the lanes (their image) now; see SamModel.decodeBatches. */
  owner: object | null = null;

  constructor(init: LaneInit, count: number, private readonly step: number) {
    this.lanes = Array.from({ length: count }, () => {
      // No inherited Node flags: some (--input-type, --eval) make a file worker fail to start.
      const worker = new Worker(new URL('./decoder-lane-worker.js', import.meta.url), { workerData: init, execArgv: [] });
      const lane: Lane = { worker, inFlight: 0, exited: false };
      worker.on('message', (msg: LaneResponse) => this.onMessage(lane, msg));
      worker.on('error', (err) => this.fail(new ModelError(`decoder lane failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => {
        lane.exited = true;
        if (code !== 0 || !this.closed) this.fail(new ModelError(`decoder lane exited with code ${code}`));
      });
      // Idle lanes must not keep the process alive; a lane with work does (see track()).
      worker.unref();
      return lane;
    });
  }

  get size(): number {
    return this.lanes.length;
  }

  /** Why the lanes stopped working (a worker failed or exited; not close()), or null. */
  get failure(): Error | null {
    return this.closed ? null : this.broken;
  }

  /** Give every lane the image-side tensors of `key` (an embedding), unless they have them already. */
  setImage(key: object, tensors: Record<string, ort.Tensor>): void {
    if (this.image === key) return;
    this.image = key;
    const plain = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { data: t.data as Float32Array, dims: t.dims }]));
    // Copied to each lane (structured clone): ~30 MB per lane, once per image.
    for (const lane of this.lanes) lane.worker.postMessage({ kind: 'image', tensors: plain } satisfies LaneRequest);
  }

  /** Run `stage` on every batch decoded from now on with `staged` (null: none). */
  setStage(stage: LaneStage | null): void {
    for (const lane of this.lanes) lane.worker.postMessage({ kind: 'stage', stage } satisfies LaneRequest);
  }

  /** Decode a batch of prompts (no mask input) on the least busy lane, for the last image set. */
  decode(prompts: EncodedPrompts, staged = false): Promise<LaneResult> {
    if (this.broken) return Promise.reject(this.broken);
    const lane = this.lanes.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    const { batch, numPoints } = prompts;
    const req: LaneRequest = {
      kind: 'decode', id, batch, numPoints, step: this.step, lowResRegion: prompts.lowResRegion, staged,
      pointCoords: prompts.pointCoords.slice(0, batch * numPoints * 2), pointLabels: prompts.pointLabels.slice(0, batch * numPoints),
    };
    return new Promise<LaneResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, lane });
      this.track(lane, 1);
      lane.worker.postMessage(req, [req.pointCoords.buffer as ArrayBuffer, req.pointLabels.buffer as ArrayBuffer]);
    });
  }

  /** Stop the workers once their current work is done; pending decodes are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    this.fail(new ModelError('decoder lanes closed'));
    await Promise.all(this.lanes.map((lane) => new Promise<void>((resolve) => {
      if (lane.exited) { resolve(); return; }
      lane.worker.once('exit', () => resolve());
      lane.worker.ref();
      lane.worker.postMessage({ kind: 'close' } satisfies LaneRequest);
    })));
  }

  private track(lane: Lane, delta: number): void {
    lane.inFlight += delta;
    if (lane.inFlight > 0) lane.worker.ref();
    else lane.worker.unref();
  }

  private onMessage(lane: Lane, msg: LaneResponse): void {
    if (msg.kind === 'fatal') {
      this.fail(new ModelError(`decoder lane failed: ${msg.message}`));
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    this.track(lane, -1);
    if (msg.kind === 'decoded') p.resolve({ runs: msg.runs, iou: msg.iou });
    else if (msg.kind === 'staged') p.resolve({ result: msg.result });
    else p.reject(new ModelError(`decoder failed: ${msg.message}`));
  }

  private fail(err: Error): void {
    this.broken ??= err;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      this.track(p.lane, -1);
      p.reject(err);
    }
  }
}
