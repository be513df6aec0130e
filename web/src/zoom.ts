/**
 * Zoom and pan of the image view: wheel at the pointer (pinch arrives as ctrl+wheel), + / - / fit /
 * 1:1, and panning with space-drag or middle-drag. It only keeps the view (viewport.ts) and tells the
 * viewer when it changed; the viewer moves the canvases. Pan gestures are taken in the capture
 * phase so they never reach the prompt handlers (a pan never adds a point).
 */
import { isTyping } from './dom.js';
import { clampPan, fitView, panBy, wheelFactor, zoomAt, zoomTo, ZOOM_STEP, type Size, type View } from './viewport.js';

export class Zoom {
  view: View = { scale: 1, tx: 0, ty: 0 };
  private fit: View = { scale: 1, tx: 0, ty: 0 };
  private image: Size | null = null;
  /** The view is the fit (kept fitted when the stage is resized). */
  private fitted = true;
  private spaceDown = false;
  private pan: { id: number; x: number; y: number } | null = null;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly stage: HTMLElement) {
    stage.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    stage.addEventListener('pointerdown', (e) => this.onPointerDown(e), true);
    stage.addEventListener('pointermove', (e) => this.onPointerMove(e), true);
    stage.addEventListener('pointerup', (e) => this.onPointerUp(e), true);
    stage.addEventListener('pointercancel', (e) => this.onPointerUp(e), true);
    // Middle-click would start the browser's autoscroll or paste.
    stage.addEventListener('mousedown', (e) => { if (e.button === 1) e.preventDefault(); });
    stage.addEventListener('auxclick', (e) => { if (e.button === 1) e.preventDefault(); });
    window.addEventListener('keydown', (e) => this.onSpace(e, true), true);
    window.addEventListener('keyup', (e) => this.onSpace(e, false), true);
    window.addEventListener('blur', () => this.setSpace(false));
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  get stageSize(): Size {
    return { width: this.stage.clientWidth, height: this.stage.clientHeight };
  }

  get fitScale(): number {
    return this.fit.scale;
  }

  /** A new image (fit it) or the same one in a resized stage (keep the zoom unless it was fitted). */
  layout(image: Size, newImage: boolean): void {
    this.image = image;
    this.fit = fitView(image, this.stageSize);
    if (newImage || this.fitted) this.set(this.fit, true);
    else this.set(this.view, false);
  }

  fitImage(): void {
    this.set(this.fit, true);
  }

  /** One image pixel per screen pixel, around the stage centre (or a stage point). */
  oneToOne(sx = this.stageSize.width / 2, sy = this.stageSize.height / 2): void {
    this.set(zoomTo(this.view, 1 / (window.devicePixelRatio || 1), sx, sy, this.fit.scale), false);
  }

  zoomBy(factor: number, sx = this.stageSize.width / 2, sy = this.stageSize.height / 2): void {
    this.set(zoomAt(this.view, factor, sx, sy, this.fit.scale), false);
  }

  zoomIn(): void { this.zoomBy(ZOOM_STEP); }
  zoomOut(): void { this.zoomBy(1 / ZOOM_STEP); }

  private set(v: View, fitted: boolean): void {
    this.view = this.image ? clampPan(v, this.image, this.stageSize) : v;
    this.fitted = fitted;
    for (const fn of this.listeners) fn();
  }

  private stagePoint(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const r = this.stage.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private onWheel(e: WheelEvent): void {
    if (!this.image) return;
    e.preventDefault();
    const p = this.stagePoint(e);
    this.zoomBy(wheelFactor(e.deltaY, e.deltaMode, e.ctrlKey), p.x, p.y);
  }

  private onSpace(e: KeyboardEvent, down: boolean): void {
    if (e.key !== ' ' || isTyping(e.target) || !this.image) return;
    // Also stops a focused button from being pressed by the space bar.
    e.preventDefault();
    this.setSpace(down);
  }

  private setSpace(down: boolean): void {
    this.spaceDown = down;
    this.stage.classList.toggle('pan-ready', down);
  }

  private onPointerDown(e: PointerEvent): void {
    if (!this.image || !(e.button === 1 || (e.button === 0 && this.spaceDown))) return;
    e.preventDefault();
    e.stopPropagation();
    this.pan = { id: e.pointerId, x: e.clientX, y: e.clientY };
    this.stage.setPointerCapture(e.pointerId);
    this.stage.classList.add('panning');
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.pan || e.pointerId !== this.pan.id) return;
    e.stopPropagation();
    const dx = e.clientX - this.pan.x;
    const dy = e.clientY - this.pan.y;
    this.pan.x = e.clientX;
    this.pan.y = e.clientY;
    this.set(panBy(this.view, dx, dy), false);
  }

  private onPointerUp(e: PointerEvent): void {
    if (!this.pan || e.pointerId !== this.pan.id) return;
    e.stopPropagation();
    this.pan = null;
    this.stage.classList.remove('panning');
  }
}
