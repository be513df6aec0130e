/**
 * The prompt-decoder kernel (native/decoder-kernel/kernel.c, WebAssembly with SIMD): the per-prompt
 * part of the low-rank decoder in one call per prompt instead of ~350 onnxruntime nodes. Pure: it is
 * given the module's bytes by an edge (node-kernel.ts in Node, the page's decoder worker), the weights
 * from kernel-weights.ts and, per image, the low-rank image graph's outputs; it returns the prompt
 * graph's outputs (blocked masks, see interleaveLowResMasks, and the IoU predictions).
 */
import { InvalidArgumentError, KernelUnsupportedError } from '../core/errors.js';
import { IMAGE_SLOTS, KERNEL_ARCH, WEIGHT_SLOTS, type KernelWeights } from './kernel-weights.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  kernel_alloc(bytes: number): number;
  kernel_slots(): number;
  kernel_slot_count(): number;
  kernel_reserve(maxPoints: number): number;
  kernel_decode(coords: number, labels: number, n: number, rows: number, cols: number, masks: number, iou: number): number;
}

/** Points per prompt the kernel takes (more: the onnxruntime graphs). */
export const KERNEL_MAX_POINTS = 64;

export interface KernelPrompts {
  batch: number;
  numPoints: number;
  pointCoords: Float32Array;
  pointLabels: Float32Array;
}

export interface KernelOutput {
  /** [batch, rows*cols, 16, 4] logits in the low-rank graph's blocked order. */
  masks: Float32Array;
  /** [batch, 4] predicted IoU. */
  iou: Float32Array;
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

  private constructor(private readonly x: KernelExports) {
    this.imagePtrs = IMAGE_SLOTS.map(([, n]) => this.alloc(n));
  }

  /** Instantiate the kernel and copy the weights into it. */
  static async create(wasm: BufferSource | WebAssembly.Module, weights: KernelWeights): Promise<DecoderKernel> {
    const imports = { env: { sin: Math.sin, cos: Math.cos } };
    const instance = wasm instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(wasm, imports)
      : (await WebAssembly.instantiate(wasm, imports)).instance;
    const x = instance.exports as unknown as KernelExports;
    const slotCount = WEIGHT_SLOTS.length + IMAGE_SLOTS.length;
    if (typeof x.kernel_decode !== 'function' || x.kernel_slot_count() !== slotCount) {
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
   * set; only pointers move if it is the one staged).
   */
  setImage(key: object, tensors: ImageTensors): void {
    if (this.imageKey === key) return;
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

  /** Decode prompts (no mask input) for grid cells [0, rows) x [0, cols) on the image last set. */
  decode(prompts: KernelPrompts, cells: { rows: number; cols: number }): KernelOutput {
    const { batch, numPoints: n } = prompts;
    const { grid, masks: nm } = KERNEL_ARCH;
    if (!this.imageKey) throw new InvalidArgumentError('decoder kernel: no image set');
    if (n < 1 || n > KERNEL_MAX_POINTS) throw new InvalidArgumentError(`decoder kernel: ${n} points per prompt (1 to ${KERNEL_MAX_POINTS})`);
    const { rows, cols } = cells;
    if (!(rows >= 0 && rows <= grid && cols >= 0 && cols <= grid)) throw new InvalidArgumentError(`decoder kernel: extent ${rows}x${cols} outside ${grid}x${grid}`);
    this.reserve(n);
    const perMask = rows * cols * 16 * nm;
    const need = 3 * n + perMask + nm;
    if (this.io.floats < need) this.io = { ptr: this.alloc(need), floats: need };
    const masks = new Float32Array(batch * perMask);
    const iou = new Float32Array(batch * nm);
    const base = this.io.ptr;
    const coordsPtr = base, labelsPtr = base + 8 * n, masksPtr = base + 12 * n, iouPtr = masksPtr + 4 * perMask;
    for (let b = 0; b < batch; b++) {
      const mem = this.x.memory.buffer;
      new Float32Array(mem, coordsPtr, 2 * n).set(prompts.pointCoords.subarray(b * 2 * n, (b + 1) * 2 * n));
      new Float32Array(mem, labelsPtr, n).set(prompts.pointLabels.subarray(b * n, (b + 1) * n));
      const rc = this.x.kernel_decode(coordsPtr, labelsPtr, n, rows, cols, masksPtr, iouPtr);
      if (rc !== 0) throw new InvalidArgumentError(`decoder kernel failed (code ${rc})`);
      const after = this.x.memory.buffer;
      masks.set(new Float32Array(after, masksPtr, perMask), b * perMask);
      iou.set(new Float32Array(after, iouPtr, nm), b * nm);
    }
    return { masks, iou };
  }
}
