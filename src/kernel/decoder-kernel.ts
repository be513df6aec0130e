/**
 * The prompt-decoder kernel (native/decoder-kernel/kernel.c, WebAssembly with SIMD): the per-prompt
 * part of the low-rank decoder in one call per prompt instead of ~350 onnxruntime nodes, mask inputs
 * included (a rank-17 correction of the per-image tensors, see kernel.c). Pure: it is
 * given the module's bytes by an edge (node-kernel.ts in Node, the page's decoder worker), the weights
 * from kernel-weights.ts and, per image, the low-rank image graph's outputs; it returns the prompt
 * graph's outputs (blocked masks, see interleaveLowResMasks, and the IoU predictions).
 */
import { InvalidArgumentError, KernelUnsupportedError } from '../core/errors.js';
import { DENSE_COLUMNS, IMAGE_SLOTS, KERNEL_ARCH, WEIGHT_SLOTS, type KernelWeights } from './kernel-weights.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  kernel_alloc(bytes: number): number;
  kernel_slots(): number;
  kernel_slot_count(): number;
  kernel_reserve(maxPoints: number): number;
  kernel_decode(coords: number, labels: number, n: number, rows: number, cols: number, masks: number, iou: number, want: number): number;
  kernel_dense_columns(): number;
  kernel_dense_image(embedding: number): number;
  kernel_decode_mask(coords: number, labels: number, n: number, rows: number, cols: number, mask: number, masks: number, iou: number, want: number): number;
  kernel_last_token(): number;
  kernel_helper_alive(): number;
  kernel_helper_items(): number;
}

/** Options of DecoderKernel.create. */
export interface KernelOptions {
  /**
   * The shared memory the threaded build (decoder-kernel-relaxed-mt.wasm) imports, from
   * sharedKernelMemory(); a helper thread then runs a second instance on it (see kernel-helper.ts).
   */
  memory?: WebAssembly.Memory;
}

/** Memory for the threaded build: as its link (64 MiB initial, 1 GiB at most), shared. */
export function sharedKernelMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1024, maximum: 16384, shared: true });
}

/** A helper thread's stack (bytes), allocated in the shared memory by the main instance. */
const HELPER_STACK = 1 << 20;

/** Helper threads the threaded build has lanes for (kernel.c's MAX_HELPERS). */
export const KERNEL_MAX_HELPERS = 3;

/** Points per prompt the kernel takes (more: the onnxruntime graphs). */
export const KERNEL_MAX_POINTS = 64;

export interface KernelPrompts {
  batch: number;
  numPoints: number;
  pointCoords: Float32Array;
  pointLabels: Float32Array;
  /** [batch, 1, 256, 256] previous low-res logits, used when hasMaskInput (has_mask_input = 1). */
  maskInput?: Float32Array;
  hasMaskInput?: boolean;
}

export interface KernelOutput {
  /**
   * [batch, rows*cols, 16, 4] logits in the low-rank graph's blocked order; with a `token` option
   * [batch, rows*cols, 16, 1], each prompt's `tokens` mask only.
   */
  masks: Float32Array;
  /** [batch, 4] predicted IoU. */
  iou: Float32Array;
  /** With a `token` option: the mask token each prompt's masks are. */
  tokens?: Int32Array;
}

/**
 * Which masks to decode: every mask token (the default), the best multimask candidate (tokens 1..3
 * by predicted IoU, as chooseMaskToken's 'best-multi'), or one token. A single token skips the other
 * mask tokens' final attention and hypernetwork, and their logits.
 */
export type KernelTokenChoice = 'all' | 'best-multi' | number;

/** kernel_decode's `want` for a choice. */
function wantOf(choice: KernelTokenChoice, masks: number): number {
  if (choice === 'all') return -1;
  if (choice === 'best-multi') return -2;
  if (!(Number.isInteger(choice) && choice >= 0 && choice < masks)) throw new InvalidArgumentError(`decoder kernel: mask token ${choice} (0 to ${masks - 1})`);
  return choice;
}

/** Any object with a Float32Array `data`: onnxruntime tensors (Node or web) or plain records. */
export type ImageTensors = Record<string, { data: unknown }>;

export class DecoderKernel {
  private imagePtrs: number[];
  /**
   * A second set of image buffers (allocated on first stageImage): another image's tensors copied
   * ahead, so setImage for it only swaps pointers; after a swap it holds the image left.
   */
  private spare: { ptrs: number[]; key: object | null } | null = null;
  private reservedPoints = 0;
  private imageKey: object | null = null;
  private io = { ptr: 0, floats: 0 };
  /** The image embedding given with the image (mask inputs need it), and the image its part is ready for. */
  private embedding: Float32Array | null = null;
  private denseKey: object | null = null;
  private embeddingPtr = 0;

  private constructor(private readonly x: KernelExports) {
    this.imagePtrs = IMAGE_SLOTS.map(([, n]) => this.alloc(n));
  }

  /** Instantiate the kernel and copy the weights into it. */
  static async create(wasm: BufferSource | WebAssembly.Module, weights: KernelWeights, options: KernelOptions = {}): Promise<DecoderKernel> {
    // `now`: the clock of profiling builds (`npm run build:kernel -- --out DIR --profile`); unused otherwise.
    const imports = { env: { sin: Math.sin, cos: Math.cos, now: () => performance.now(), ...(options.memory ? { memory: options.memory } : {}) } };
    const instance = wasm instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(wasm, imports)
      : (await WebAssembly.instantiate(wasm, imports)).instance;
    // the threaded build imports its (shared) memory instead of exporting one
    const x = { ...instance.exports, ...(options.memory ? { memory: options.memory } : {}) } as unknown as KernelExports;
    const slotCount = WEIGHT_SLOTS.length + IMAGE_SLOTS.length;
    if (typeof x.kernel_decode !== 'function' || typeof x.kernel_last_token !== 'function' || x.kernel_slot_count() !== slotCount || typeof x.kernel_dense_columns !== 'function' || x.kernel_dense_columns() !== DENSE_COLUMNS) {
      throw new KernelUnsupportedError(`the decoder kernel module does not match this samkit (slots ${typeof x.kernel_slot_count === 'function' ? x.kernel_slot_count() : '?'}, expected ${slotCount})`);
    }
    if (weights.length !== WEIGHT_SLOTS.length) throw new InvalidArgumentError(`decoder kernel: ${weights.length} weight arrays, expected ${WEIGHT_SLOTS.length}`);
    const k = new DecoderKernel(x);
    weights.forEach((w, i) => {
      const ptr = k.alloc(w.length);
      new Float32Array(x.memory.buffer, ptr, w.length).set(w);
      k.setSlot(i, ptr);
    });
    k.imagePtrs.forEach((ptr, i) => k.setSlot(WEIGHT_SLOTS.length + i, ptr));
    k.reserve(2);
    return k;
  }

  /** A stack for a helper thread's instance (the top address: stacks grow down). */
  helperStack(): number {
    return this.alloc(HELPER_STACK / 4) + HELPER_STACK;
  }

  /** Whether helper threads share the work (the threaded build with kernel-helper.ts running). */
  get helperAlive(): boolean {
    return this.helperCount > 0;
  }

  /** How many helper threads share the work. */
  get helperCount(): number {
    return this.x.kernel_helper_alive();
  }

  /** Work items (column chunks, rows, heads, mask rows, corrections) the helper threads have done so far. */
  get helperItems(): number {
    return this.x.kernel_helper_items();
  }

  private alloc(floats: number): number {
    const ptr = this.x.kernel_alloc(floats * 4);
    if (!ptr) throw new KernelUnsupportedError('the decoder kernel could not allocate its memory');
    return ptr;
  }

  private setSlot(i: number, ptr: number): void {
    new Uint32Array(this.x.memory.buffer, this.x.kernel_slots(), WEIGHT_SLOTS.length + IMAGE_SLOTS.length)[i] = ptr;
  }

  private reserve(points: number): void {
    if (points <= this.reservedPoints) return;
    if (!this.x.kernel_reserve(points)) throw new KernelUnsupportedError(`the decoder kernel could not reserve memory for ${points} points`);
    this.reservedPoints = points;
  }

  private copyImage(ptrs: number[], tensors: ImageTensors): void {
    IMAGE_SLOTS.forEach(([name, n], i) => {
      const data = tensors[name]?.data;
      if (!(data instanceof Float32Array) || data.length !== n) {
        throw new KernelUnsupportedError(`decoder kernel: image tensor ${name} is ${data instanceof Float32Array ? data.length : 'missing'} (expected ${n} floats)`);
      }
      new Float32Array(this.x.memory.buffer, ptrs[i], n).set(data);
    });
  }

  /**
   * Copy the low-rank image graph's outputs for one embedding (`key`: skipped if it is the last one
   * set; only pointers move if it is the one staged). `embedding` [256, 64, 64]: only prompts with a
   * mask input need it (their per-image part is computed from it at the first such prompt).
   */
  setImage(key: object, tensors: ImageTensors, embedding?: Float32Array): void {
    if (this.imageKey === key) {
      if (embedding) this.embedding = embedding;
      return;
    }
    this.embedding = embedding ?? null;
    if (this.spare && this.spare.key === key) {
      const ptrs = this.spare.ptrs;
      this.spare = { ptrs: this.imagePtrs, key: this.imageKey };
      this.imagePtrs = ptrs;
      ptrs.forEach((ptr, i) => this.setSlot(WEIGHT_SLOTS.length + i, ptr));
      this.imageKey = key;
      return;
    }
    this.imageKey = null;
    this.copyImage(this.imagePtrs, tensors);
    this.imageKey = key;
  }

  /**
   * Copy another embedding's tensors into the second set of buffers (16-32 MB more memory), so a
   * later setImage with the same key is instant; the image set now is untouched.
   */
  stageImage(key: object, tensors: ImageTensors): void {
    if (this.imageKey === key || this.spare?.key === key) return;
    this.spare ??= { ptrs: IMAGE_SLOTS.map(([, n]) => this.alloc(n)), key: null };
    this.spare.key = null;
    this.copyImage(this.spare.ptrs, tensors);
    this.spare.key = key;
  }

  /** Whether setImage with this key would only swap pointers (or do nothing). */
  isStaged(key: object): boolean {
    return this.imageKey === key || this.spare?.key === key;
  }

  /** The mask input's per-image part for the image last set (from its embedding), once per image. */
  private denseImage(): void {
    if (this.denseKey === this.imageKey) return;
    const { dim, grid } = KERNEL_ARCH;
    const n = dim * grid * grid;
    if (!this.embedding || this.embedding.length !== n) throw new KernelUnsupportedError('decoder kernel: a mask input needs the image embedding');
    this.embeddingPtr ||= this.alloc(n);
    new Float32Array(this.x.memory.buffer, this.embeddingPtr, n).set(this.embedding);
    if (!this.x.kernel_dense_image(this.embeddingPtr)) throw new KernelUnsupportedError('the decoder kernel could not allocate its memory for mask inputs');
    this.denseKey = this.imageKey;
  }

  /**
   * Decode prompts for grid cells [0, rows) x [0, cols) on the image last set; with a mask input
   * (hasMaskInput) as the export does with has_mask_input = 1; `token`: which masks (see
   * KernelTokenChoice).
   */
  decode(prompts: KernelPrompts, cells: { rows: number; cols: number }, token: KernelTokenChoice = 'all'): KernelOutput {
    const { batch, numPoints: n } = prompts;
    const withMask = prompts.hasMaskInput === true;
    const maskFloats = KERNEL_ARCH.grid * KERNEL_ARCH.grid * 16;
    const { grid, masks: nm } = KERNEL_ARCH;
    const want = wantOf(token, nm);
    const planes = want === -1 ? nm : 1;
    if (!this.imageKey) throw new InvalidArgumentError('decoder kernel: no image set');
    if (n < 1 || n > KERNEL_MAX_POINTS) throw new InvalidArgumentError(`decoder kernel: ${n} points per prompt (1 to ${KERNEL_MAX_POINTS})`);
    const { rows, cols } = cells;
    if (!(rows >= 0 && rows <= grid && cols >= 0 && cols <= grid)) throw new InvalidArgumentError(`decoder kernel: extent ${rows}x${cols} outside ${grid}x${grid}`);
    if (withMask && prompts.maskInput?.length !== batch * maskFloats) throw new InvalidArgumentError(`decoder kernel: mask input of ${prompts.maskInput?.length ?? 0} values, expected ${batch * maskFloats}`);
    this.reserve(n);
    if (withMask) this.denseImage();
    const perMask = rows * cols * 16 * planes;
    const need = 3 * n + perMask + nm + (withMask ? maskFloats : 0);
    if (this.io.floats < need) this.io = { ptr: this.alloc(need), floats: need };
    const masks = new Float32Array(batch * perMask);
    const iou = new Float32Array(batch * nm);
    const tokens = want === -1 ? undefined : new Int32Array(batch);
    const base = this.io.ptr;
    const coordsPtr = base, labelsPtr = base + 8 * n, masksPtr = base + 12 * n, iouPtr = masksPtr + 4 * perMask, maskInPtr = iouPtr + 4 * nm;
    for (let b = 0; b < batch; b++) {
      const mem = this.x.memory.buffer;
      new Float32Array(mem, coordsPtr, 2 * n).set(prompts.pointCoords.subarray(b * 2 * n, (b + 1) * 2 * n));
      new Float32Array(mem, labelsPtr, n).set(prompts.pointLabels.subarray(b * n, (b + 1) * n));
      if (withMask) new Float32Array(mem, maskInPtr, maskFloats).set(prompts.maskInput!.subarray(b * maskFloats, (b + 1) * maskFloats));
      const rc = withMask
        ? this.x.kernel_decode_mask(coordsPtr, labelsPtr, n, rows, cols, maskInPtr, masksPtr, iouPtr, want)
        : this.x.kernel_decode(coordsPtr, labelsPtr, n, rows, cols, masksPtr, iouPtr, want);
      if (rc !== 0) throw new InvalidArgumentError(`decoder kernel failed (code ${rc})`);
      const after = this.x.memory.buffer;
      masks.set(new Float32Array(after, masksPtr, perMask), b * perMask);
      iou.set(new Float32Array(after, iouPtr, nm), b * nm);
      if (tokens) tokens[b] = this.x.kernel_last_token();
    }
    return tokens ? { masks, iou, tokens } : { masks, iou };
  }
}
