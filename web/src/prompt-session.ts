/**
 * The prompt being built on the open image: its points and box, decoding them in order (each step's
 * chosen logits are the next step's mask input, as in the official demo), the hover preview, and
 * drawing the result and the prompt marks on the live layer.
 */
import type { ObjectSource } from '../../src/server/protocol.js';
import type { DecoderClient } from './decoder-client.js';
import { plane } from './dom.js';
import { LIVE_COLOR } from './paint.js';
import type { Loaded, Mode, Shown, Step } from './page-types.js';
import type { Viewer } from './viewer.js';
import type { PromptInput } from './worker-protocol.js';

export interface PromptDeps {
  viewer: Viewer;
  decoder: DecoderClient;
  loaded: () => Loaded | null;
  mode: () => Mode;
  /** A decoded result is ready to show. */
  changed: () => void;
  /** The side panel's state changed (steps added or removed). */
  panels: () => void;
  failed: (err: unknown) => void;
}

/** A pointer drag on the live layer, in image coordinates. */
export interface Drag { x0: number; y0: number; x1: number; y1: number; moved: boolean; button: number }

export class PromptSession {
  steps: Step[] = [];
  /** Chosen-token low-res logits after each step: the mask input of the next one. */
  private chain: Float32Array[] = [];
  private dirtyFrom = Infinity;
  private queue: Promise<void> = Promise.resolve();
  current: Shown | null = null;
  preview: Shown | null = null;
  drag: Drag | null = null;

  constructor(private readonly deps: PromptDeps) {}

  /** The mask the panel and Accept refer to: the prompt's result, or the hover preview when there is no prompt. */
  get shown(): Shown | null {
    return this.current ?? (this.steps.length ? null : this.preview);
  }

  /** Wait for queued decodes (Accept takes the newest result). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Forget the prompt being built (steps, decoded chain, current mask and preview). */
  reset(): void {
    this.steps = [];
    this.chain = [];
    this.dirtyFrom = Infinity;
    this.current = null;
    this.preview = null;
  }

  sourceOf(): ObjectSource {
    if (this.deps.mode() === 'candidates') return 'candidate';
    if (this.steps.some((s) => s.kind === 'box')) return 'box';
    return this.steps.length ? 'click' : 'hover';
  }

  addPoint(x: number, y: number, label: 0 | 1): void {
    this.steps.push({ kind: 'point', x, y, label });
    this.invalidate(this.steps.length - 1);
  }

  /** The prompt has at most one box: a new one replaces it. */
  setBox(box: [number, number, number, number]): void {
    const at = this.steps.findIndex((s) => s.kind === 'box');
    if (at >= 0) { this.steps[at] = { kind: 'box', box }; this.invalidate(at); } else { this.steps.push({ kind: 'box', box }); this.invalidate(this.steps.length - 1); }
  }

  removeStep(i: number): void {
    this.steps.splice(i, 1);
    this.invalidate(i);
  }

  removeLastPoint(): boolean {
    for (let i = this.steps.length - 1; i >= 0; i--) {
      if (this.steps[i].kind === 'point') { this.removeStep(i); return true; }
    }
    return false;
  }

  /** Index of the point step drawn under the pointer, or -1. */
  pointNear(clientX: number, clientY: number): number {
    const info = this.deps.loaded()?.info;
    if (!info) return -1;
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const s = this.steps[i];
      if (s.kind !== 'point') continue;
      const at = this.deps.viewer.clientPoint(s.x, s.y, info);
      if (Math.hypot(at.x - clientX, at.y - clientY) <= 8) return i;
    }
    return -1;
  }

  private promptOf(steps: readonly Step[], maskInput: Float32Array | null): PromptInput {
    const points: number[] = [];
    const labels: number[] = [];
    let box: [number, number, number, number] | null = null;
    for (const s of steps) {
      if (s.kind === 'point') { points.push(s.x, s.y); labels.push(s.label); } else box = s.box;
    }
    return { points, labels, box, maskInput };
  }

  /** Steps from `from` on changed: decode them again (queued, so runs never interleave). */
  invalidate(from: number): void {
    this.dirtyFrom = Math.min(this.dirtyFrom, from);
    this.queue = this.queue.then(() => this.flush()).catch((err: unknown) => this.deps.failed(err));
    this.deps.panels();
  }

  private async flush(): Promise<void> {
    const loaded = this.deps.loaded();
    if (this.dirtyFrom === Infinity || !loaded?.ready) return;
    const from = this.dirtyFrom;
    this.dirtyFrom = Infinity;
    if (!this.steps.length) { this.chain = []; this.current = null; this.deps.changed(); return; }
    // At least the last step runs again: after removing the last point its result is needed anew.
    let k = Math.min(from, this.chain.length, this.steps.length - 1);
    this.chain.length = k;
    const candidates = this.deps.mode() === 'candidates';
    for (; k < this.steps.length; k++) {
      const last = k === this.steps.length - 1;
      const prompt = this.promptOf(this.steps.slice(0, k + 1), k > 0 ? this.chain[k - 1] : null);
      const r = await this.deps.decoder.decode(prompt, candidates ? 'best-multi' : 'auto', last ? (candidates ? [1, 2, 3] : 'chosen') : [], LIVE_COLOR);
      if (loaded !== this.deps.loaded() || this.dirtyFrom <= k) return;
      this.chain[k] = plane(r.logits, r.token).slice();
      if (last) {
        this.current = { result: r, token: r.token, points: prompt.points, labels: prompt.labels, box: prompt.box };
        if (this.dirtyFrom === Infinity) this.deps.changed();
      }
    }
  }

  /** Candidates mode: show candidate `n` and refine from it. */
  choose(n: number): boolean {
    const c = this.current;
    if (this.deps.mode() !== 'candidates' || !c || !c.result.painted[n]) return false;
    c.token = n;
    this.chain[this.steps.length - 1] = plane(c.result.logits, n).slice();
    return true;
  }

  /** Re-render the shown masks at a new display size. */
  async repaint(): Promise<void> {
    this.preview = null;
    const shown = this.current;
    if (shown) {
      shown.result.painted = await Promise.all(shown.result.painted.map((x, t) => (x ? this.deps.decoder.render(plane(shown.result.logits, t), LIVE_COLOR) : null)));
    }
  }

  /** The live layer: the shown mask, the box being dragged, the boxes and points of the prompt. */
  draw(): void {
    const viewer = this.deps.viewer;
    const info = this.deps.loaded()?.info;
    const { width: dw, height: dh } = viewer.display;
    const ctx = viewer.ctx.live;
    const shown = this.shown;
    const painted = shown?.result.painted[shown.token];
    ctx.clearRect(0, 0, dw, dh);
    if (painted && painted.area > 0 && painted.displayWidth === dw && painted.displayHeight === dh) {
      ctx.putImageData(new ImageData(painted.rgba, painted.w, painted.h), painted.x, painted.y);
    }
    if (!info) return;
    // Marks go on the screen-resolution layer, placed through the view (crisp at any zoom).
    const { ctx: mctx, at, unit } = viewer.marks();
    const drawBox = (x0: number, y0: number, x1: number, y1: number, dashed: boolean): void => {
      const [ax, ay] = at(Math.min(x0, x1), Math.min(y0, y1));
      const [bx, by] = at(Math.max(x0, x1), Math.max(y0, y1));
      mctx.save();
      mctx.lineWidth = 2 * unit;
      mctx.strokeStyle = '#ffffff';
      mctx.shadowColor = 'rgba(0,0,0,.8)';
      mctx.shadowBlur = 3 * unit;
      if (dashed) mctx.setLineDash([6 * unit, 4 * unit]);
      mctx.strokeRect(ax, ay, bx - ax, by - ay);
      mctx.restore();
    };
    for (const s of this.steps) if (s.kind === 'box') drawBox(s.box[0], s.box[1], s.box[2], s.box[3], false);
    if (this.drag?.moved && this.deps.mode() === 'box') drawBox(this.drag.x0, this.drag.y0, this.drag.x1, this.drag.y1, true);
    for (const s of this.steps) {
      if (s.kind !== 'point') continue;
      const [px, py] = at(s.x, s.y);
      mctx.beginPath();
      mctx.arc(px, py, 6 * unit, 0, Math.PI * 2);
      mctx.fillStyle = s.label ? '#3ccf7a' : '#ff5a5a';
      mctx.fill();
      mctx.lineWidth = 2 * unit;
      mctx.strokeStyle = '#ffffff';
      mctx.stroke();
    }
  }
}
