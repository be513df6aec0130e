/**
 * Edit mode: select an accepted object (click it on the image or in the list), then refine it with
 * more points or a box (re-decoded with its logits as mask input, as the official demo does), paint
 * or erase its mask at full resolution, relabel, reorder or delete it. Every change is one commit
 * of the object list, so undo/redo and saving cover it.
 */
import { strokeSegment, type ImagePoint, type PixelRect, unionRect } from '../../src/core/mask-edit.js';
import { Mask } from '../../src/core/mask.js';
import { rleToMask } from '../../src/core/rle.js';
import type { AnnotationObject } from '../../src/server/protocol.js';
import type { DecoderClient } from './decoder-client.js';
import { $, fmtInt, plane } from './dom.js';
import type { Keymap } from './keymap.js';
import { plainKey } from './keymap.js';
import { displayCrop, sampleToDisplay } from './mask-raster.js';
import type { Notices } from './notices.js';
import {
  logitsOf, MAX_OBJECT_POINTS, moveObject, objectAt, refinePrompt, rememberLogits, removeObject, replaceObject, withEditedMask,
} from './object-edits.js';
import type { Objects } from './objects.js';
import { LIVE_COLOR } from './paint.js';
import type { Loaded } from './page-types.js';
import { onSelectionChange, select, selected } from './selection.js';
import type { Viewer } from './viewer.js';
import type { Rgb } from './worker-protocol.js';

export type EditTool = 'select' | 'refine' | 'brush' | 'eraser';

export interface EditorDeps {
  viewer: Viewer;
  decoder: DecoderClient;
  objects: Objects;
  notices: Notices;
  loaded: () => Loaded | null;
  /** Whether the page is in Edit mode. */
  active: () => boolean;
  /** Switch the page to Edit mode. */
  enter: () => void;
}

/** A brush or eraser drag: the path in image coordinates and the mask being painted. */
interface Stroke {
  base: AnnotationObject;
  mask: Mask;
  display: Uint8Array;
  path: ImagePoint[];
  value: 0 | 1;
  delta: number;
  rect: PixelRect | null;
}

const TOOL_HINTS: Record<EditTool, string> = {
  select: 'Click an object to select it · R refine · P brush · X eraser · Delete removes it',
  refine: 'Left click: include · right, Alt or Shift click: exclude · drag: box · each click re-decodes the selected mask',
  brush: 'Drag to paint the selected mask · { } brush size',
  eraser: 'Drag to erase from the selected mask · { } brush size',
};

const MIN_BRUSH = 1;
const MAX_BRUSH = 400;

export class ObjectEditor {
  tool: EditTool = 'select';
  /** Brush diameter in image pixels. */
  brushSize = 24;
  private hover: string | null = null;
  private pointer: { x: number; y: number } | null = null;
  private down: { x: number; y: number; cx: number; cy: number; button: number; alt: boolean; moved: boolean } | null = null;
  private stroke: Stroke | null = null;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly panel: HTMLElement;
  private readonly labelInput: HTMLInputElement;
  private readonly stats: HTMLElement;
  private readonly sizeInput: HTMLInputElement;
  private readonly sizeText: HTMLElement;

  constructor(private readonly deps: EditorDeps) {
    this.panel = this.buildPanel();
    this.labelInput = this.panel.querySelector<HTMLInputElement>('.edit-label')!;
    this.stats = this.panel.querySelector<HTMLElement>('.edit-stats')!;
    this.sizeInput = this.panel.querySelector<HTMLInputElement>('.edit-size')!;
    this.sizeText = this.panel.querySelector<HTMLElement>('.edit-size-text')!;
    onSelectionChange(() => { this.stroke = null; this.hint(); this.update(); });
    // A class hotkey puts its name in the label field: in Edit mode it relabels the selected object.
    $('label-input').addEventListener('input', (e) => {
      const o = this.selectedObject();
      if (!e.isTrusted && o && this.deps.active()) this.relabel(o, (e.target as HTMLInputElement).value);
    });
  }

  // ---------------------------------------------------------------- state

  private selectedObject(): AnnotationObject | null {
    const id = selected();
    return id ? this.deps.objects.all.find((o) => o.id === id) ?? null : null;
  }

  /** The object list changed (an edit, undo, redo, another image): drop a selection that is gone. */
  listChanged(): void {
    const id = selected();
    if (id && !this.deps.objects.all.some((o) => o.id === id)) select(null);
    else this.update();
  }

  /** Edit mode was left or entered. */
  modeChanged(): void {
    if (!this.deps.active()) { this.stroke = null; this.down = null; this.hover = null; select(null); }
    this.hint();
    this.update();
  }

  setTool(tool: EditTool): void {
    this.tool = tool;
    this.hint();
    this.update();
  }

  private setBrushSize(size: number): void {
    this.brushSize = Math.max(MIN_BRUSH, Math.min(MAX_BRUSH, Math.round(size)));
    this.update();
  }

  /** Select an object from the list (or the keyboard): Edit mode, the object highlighted. */
  pick(id: string | null): void {
    if (id && !this.deps.active()) this.deps.enter();
    select(id);
  }

  // ---------------------------------------------------------------- pointer (Edit mode only)

  pointerDown(e: PointerEvent): void {
    const loaded = this.deps.loaded();
    if (!loaded?.ready || (e.button !== 0 && e.button !== 2)) return;
    e.preventDefault();
    this.deps.viewer.layers.live.setPointerCapture(e.pointerId);
    const p = this.deps.viewer.imagePoint(e.clientX, e.clientY, loaded.info);
    this.down = { x: p.x, y: p.y, cx: e.clientX, cy: e.clientY, button: e.button, alt: e.altKey || e.shiftKey, moved: false };
    const o = this.selectedObject();
    if (o && e.button === 0 && (this.tool === 'brush' || this.tool === 'eraser')) this.beginStroke(o, p);
  }

  pointerMove(e: PointerEvent): void {
    const loaded = this.deps.loaded();
    if (!loaded?.ready) return;
    const p = this.deps.viewer.imagePoint(e.clientX, e.clientY, loaded.info);
    this.pointer = { x: p.x, y: p.y };
    if (this.down && Math.hypot(e.clientX - this.down.cx, e.clientY - this.down.cy) > 4) this.down.moved = true;
    if (this.stroke) { this.extendStroke(p); return; }
    if (this.tool === 'select' || !selected()) {
      const id = objectAt(this.deps.objects.all, p.x, p.y)?.id ?? null;
      if (id !== this.hover) { this.hover = id; this.draw(); }
      return;
    }
    this.draw();
  }

  pointerUp(e: PointerEvent): void {
    const down = this.down;
    this.down = null;
    const loaded = this.deps.loaded();
    if (!down || !loaded?.ready) return;
    const p = this.deps.viewer.imagePoint(e.clientX, e.clientY, loaded.info);
    if (this.stroke) { this.extendStroke(p); this.endStroke(); return; }
    const o = this.selectedObject();
    if (!o || this.tool === 'select' || (this.tool !== 'refine' && !down.moved)) {
      if (down.moved) return;
      const hit = objectAt(this.deps.objects.all, p.x, p.y);
      select(hit?.id ?? null);
      if (!hit && o) this.deps.notices.status('Selection cleared.');
      return;
    }
    if (this.tool !== 'refine') return;
    if (down.moved && down.button === 0) {
      const { width: W, height: H } = loaded.info;
      const c = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
      this.refine(o.id, { box: [c(Math.min(down.x, p.x), W), c(Math.min(down.y, p.y), H), c(Math.max(down.x, p.x), W), c(Math.max(down.y, p.y), H)] });
    } else if (!down.moved) {
      this.refine(o.id, { point: [p.x, p.y, down.button === 2 || down.alt || e.altKey || e.shiftKey ? 0 : 1] });
    }
  }

  pointerLeave(): void {
    this.pointer = null;
    if (this.hover) { this.hover = null; }
    if (!this.stroke) this.draw();
  }

  // ---------------------------------------------------------------- refine

  /** Re-decode the object with one more point or a new box (queued: clicks apply in order). */
  private refine(id: string, add: { point?: [number, number, 0 | 1]; box?: [number, number, number, number] }): void {
    const loaded = this.deps.loaded();
    if (!loaded) return;
    this.pending++;
    this.update();
    this.queue = this.queue.then(async () => {
      const o = this.deps.objects.all.find((x) => x.id === id);
      if (!o || loaded !== this.deps.loaded()) return;
      const pr = refinePrompt(o, add);
      if (pr.pointCoords.length > MAX_OBJECT_POINTS) { this.deps.notices.status(`An object keeps at most ${MAX_OBJECT_POINTS} points.`); return; }
      const stored = logitsOf(o);
      const maskInput = stored ?? await this.promptLogits(o);
      const from = stored ? 'its logits' : maskInput ? 'its prompt decoded again' : 'none';
      const r = await this.deps.decoder.decode({ points: pr.points, labels: pr.labels, box: pr.box, maskInput }, 'auto', [], LIVE_COLOR);
      const lowRes = plane(r.logits, r.token).slice();
      const f = await this.deps.decoder.finalize(lowRes);
      if (loaded !== this.deps.loaded()) return;
      // The object as it is now (a stroke or relabel may have landed meanwhile): only its mask and prompt change.
      const now = this.deps.objects.all.find((x) => x.id === id);
      if (!now) return;
      if (f.area === 0) { this.deps.notices.status('That prompt gives an empty mask; the object is unchanged.'); return; }
      const { width: W, height: H } = loaded.info;
      const next: AnnotationObject = {
        ...now, segmentation: f.rle, area: f.area, bbox: f.bbox, predictedIou: r.scores[r.token], stabilityScore: f.stability,
        pointCoords: pr.pointCoords, pointLabels: pr.pointLabels, box: pr.box, cropBox: [0, 0, W, H],
      };
      rememberLogits(next, lowRes);
      this.deps.objects.commit(replaceObject(this.deps.objects.all, next));
      this.deps.notices.status(`Refined “${next.label || 'object'}” (${fmtInt(f.area)} px; mask input: ${from}). Ctrl+Z to undo.`);
    }).catch((err: unknown) => this.deps.notices.showError(`Refining failed: ${(err as Error).message}`)).finally(() => {
      this.pending--;
      this.update();
    });
  }

  /**
   * Logits for an object this page did not decode (opened from disk, accepted from a hover preview):
   * its own prompt decoded again, as the click that made it was. Only for prompts the page's token
   * rule made; automatic and candidate masks were chosen otherwise, and have none.
   */
  private async promptLogits(o: AnnotationObject): Promise<Float32Array | null> {
    if (!['hover', 'click', 'box'].includes(o.source) || (!o.pointCoords.length && !o.box)) return null;
    const r = await this.deps.decoder.decode({ points: o.pointCoords.flat(), labels: o.pointLabels, box: o.box, maskInput: null }, 'auto', [], LIVE_COLOR);
    return plane(r.logits, r.token).slice();
  }

  // ---------------------------------------------------------------- brush and eraser

  private radius(): number {
    return this.brushSize / 2;
  }

  private beginStroke(o: AnnotationObject, p: ImagePoint): void {
    const { width: dw, height: dh } = this.deps.viewer.display;
    const mask = rleToMask(o.segmentation);
    const display = new Uint8Array(dw * dh);
    sampleToDisplay(mask, display, dw, dh);
    this.stroke = { base: o, mask, display, path: [], value: this.tool === 'brush' ? 1 : 0, delta: 0, rect: null };
    this.extendStroke(p);
  }

  private extendStroke(p: ImagePoint): void {
    const s = this.stroke;
    if (!s) return;
    const last = s.path[s.path.length - 1] ?? p;
    if (s.path.length && last.x === p.x && last.y === p.y) return;
    s.path.push({ x: p.x, y: p.y });
    const r = strokeSegment(s.mask, last, p, this.radius(), s.value);
    s.delta += r.delta;
    s.rect = unionRect(s.rect, r.rect);
    const { width: dw, height: dh } = this.deps.viewer.display;
    if (r.rect && s.display.length === dw * dh) sampleToDisplay(s.mask, s.display, dw, dh, r.rect);
    this.draw();
  }

  private endStroke(): void {
    const s = this.stroke;
    this.stroke = null;
    if (!s) return;
    let now = this.deps.objects.all.find((o) => o.id === s.base.id);
    if (!now) { this.draw(); return; }
    let mask = s.mask;
    if (now !== s.base) {
      // The object changed during the drag (a refinement landed): paint the same path on its new mask.
      mask = rleToMask(now.segmentation);
      for (let i = 0; i < s.path.length; i++) strokeSegment(mask, s.path[Math.max(0, i - 1)], s.path[i], this.radius(), s.value);
    } else if (s.delta === 0) {
      this.draw();
      return;
    }
    if (mask.area === 0) {
      this.deps.objects.commit(removeObject(this.deps.objects.all, now.id));
      this.deps.notices.status(`“${now.label || 'object'}” was erased entirely and removed. Ctrl+Z to undo.`);
      return;
    }
    now = withEditedMask(now, mask);
    this.deps.objects.commit(replaceObject(this.deps.objects.all, now));
    this.deps.notices.status(`${s.value ? 'Painted' : 'Erased'} ${fmtInt(Math.abs(s.delta))} px · “${now.label || 'object'}” is ${fmtInt(now.area)} px. Ctrl+Z to undo.`);
  }

  // ---------------------------------------------------------------- list edits

  private relabel(o: AnnotationObject, label: string): void {
    const next = label.trim();
    if (next !== o.label) this.deps.objects.commit(replaceObject(this.deps.objects.all, { ...o, label: next }));
  }

  deleteSelected(): boolean {
    const o = this.selectedObject();
    if (!o) return false;
    this.deps.objects.commit(removeObject(this.deps.objects.all, o.id));
    this.deps.notices.status(`Deleted “${o.label || 'object'}”. Ctrl+Z to undo.`);
    return true;
  }

  private moveSelected(step: number): void {
    const o = this.selectedObject();
    if (!o) return;
    const list = this.deps.objects.all;
    const at = list.indexOf(o);
    if (at + step < 0 || at + step >= list.length) return;
    this.deps.objects.commit(moveObject(list, o.id, at + step));
  }

  /** Hooks for each object list row: click selects, drag and drop reorders. */
  decorate(li: HTMLLIElement, o: AnnotationObject): void {
    li.classList.toggle('selected', o.id === selected());
    li.draggable = true;
    li.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('button')) return;
      this.pick(o.id);
    });
    li.addEventListener('dragstart', (e) => {
      e.dataTransfer?.setData('application/x-samkit-object', o.id);
      if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
    });
    li.addEventListener('dragover', (e) => {
      if (!e.dataTransfer?.types.includes('application/x-samkit-object')) return;
      e.preventDefault();
      const below = e.offsetY > li.clientHeight / 2;
      li.classList.toggle('drop-below', below);
      li.classList.toggle('drop-above', !below);
    });
    li.addEventListener('dragleave', () => li.classList.remove('drop-above', 'drop-below'));
    li.addEventListener('drop', (e) => {
      const id = e.dataTransfer?.getData('application/x-samkit-object');
      li.classList.remove('drop-above', 'drop-below');
      if (!id) return;
      e.preventDefault();
      const list = this.deps.objects.all;
      const from = list.findIndex((x) => x.id === id);
      let to = list.findIndex((x) => x.id === o.id) + (e.offsetY > li.clientHeight / 2 ? 1 : 0);
      if (from < to) to--;
      if (from >= 0 && from !== to) this.deps.objects.commit(moveObject(list, id, to));
    });
  }

  // ---------------------------------------------------------------- drawing

  /** The live layer in Edit mode: the selected object highlighted (or being painted), the hovered one, the brush. */
  draw(): void {
    const { viewer } = this.deps;
    const info = this.deps.loaded()?.info;
    const { width: dw, height: dh } = viewer.display;
    const o = this.selectedObject();
    const items: Array<{ crop: ReturnType<typeof displayCrop>; color: Rgb; alpha: number; outline: boolean }> = [];
    const hover = this.hover && this.hover !== o?.id ? this.deps.objects.crops.get(this.hover) : undefined;
    if (hover) items.push({ crop: hover, color: [255, 255, 255], alpha: 0.25, outline: true });
    const crop = this.stroke && this.stroke.display.length === dw * dh ? displayCrop(this.stroke.display, dw, dh) : o ? this.deps.objects.crops.get(o.id) : undefined;
    if (o && crop) {
      const color = this.deps.objects.colorFor(o);
      items.push({ crop, color, alpha: 0.6, outline: false }, { crop, color: [255, 255, 255], alpha: 0, outline: true });
    }
    viewer.paint('live', items);
    if (!info || !o) return;
    const ctx = viewer.ctx.live;
    const { sx, sy, unit } = viewer.displayScale(info);
    if (this.tool === 'refine') {
      for (let i = 0; i < o.pointCoords.length; i++) {
        const [x, y] = o.pointCoords[i];
        ctx.beginPath();
        ctx.arc(x * sx, y * sy, 5 * unit, 0, Math.PI * 2);
        ctx.fillStyle = o.pointLabels[i] ? '#3ccf7a' : '#ff5a5a';
        ctx.fill();
        ctx.lineWidth = 1.5 * unit;
        ctx.strokeStyle = '#ffffff';
        ctx.stroke();
      }
      if (o.box) {
        ctx.save();
        ctx.lineWidth = 2 * unit;
        ctx.strokeStyle = '#ffffff';
        ctx.strokeRect(o.box[0] * sx, o.box[1] * sy, (o.box[2] - o.box[0]) * sx, (o.box[3] - o.box[1]) * sy);
        ctx.restore();
      }
    }
    if ((this.tool === 'brush' || this.tool === 'eraser') && this.pointer) {
      ctx.beginPath();
      ctx.ellipse(this.pointer.x * sx, this.pointer.y * sy, Math.max(1, this.radius() * sx), Math.max(1, this.radius() * sy), 0, 0, Math.PI * 2);
      ctx.lineWidth = 1.5 * unit;
      ctx.strokeStyle = this.tool === 'brush' ? '#ffffff' : '#ff5a5a';
      ctx.setLineDash(this.tool === 'eraser' ? [4 * unit, 3 * unit] : []);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  // ---------------------------------------------------------------- panel and keys

  private buildPanel(): HTMLElement {
    const section = document.createElement('section');
    section.className = 'panel';
    section.id = 'panel-edit';
    section.hidden = true;
    section.innerHTML = `
      <h2>Selected object</h2>
      <div class="hint edit-hint">Click an object on the image or in the list to select it.</div>
      <div class="edit-body" hidden>
        <input type="text" class="edit-label" list="label-suggestions" placeholder="unlabeled" autocomplete="off" spellcheck="false" maxlength="200" title="Label (L)">
        <div class="current-stats edit-stats"></div>
        <div class="edit-tools" role="group" aria-label="Edit tool">
          <button class="btn small edit-tool" data-tool="select" title="Select objects (S)">Select <kbd>S</kbd></button>
          <button class="btn small edit-tool" data-tool="refine" title="Add points or a box; the mask is decoded again (R)">Refine <kbd>R</kbd></button>
          <button class="btn small edit-tool" data-tool="brush" title="Paint onto the mask (P)">Brush <kbd>P</kbd></button>
          <button class="btn small edit-tool" data-tool="eraser" title="Erase from the mask (X)">Eraser <kbd>X</kbd></button>
        </div>
        <label class="edit-size-row">Brush <input type="range" class="edit-size" min="${MIN_BRUSH}" max="${MAX_BRUSH}" step="1"> <span class="edit-size-text"></span></label>
        <div class="row">
          <button class="btn ghost small edit-up" title="Move up the list, drawn below (Alt+↑)">↑</button>
          <button class="btn ghost small edit-down" title="Move down the list, drawn on top (Alt+↓)">↓</button>
          <button class="btn ghost small edit-delete" title="Delete the object (Delete)">Delete <kbd>Del</kbd></button>
        </div>
      </div>`;
    const objectsPanel = document.getElementById('panel-objects');
    objectsPanel?.parentElement?.insertBefore(section, objectsPanel);
    section.querySelectorAll<HTMLButtonElement>('.edit-tool').forEach((b) => b.addEventListener('click', () => this.setTool(b.dataset.tool as EditTool)));
    const label = section.querySelector<HTMLInputElement>('.edit-label')!;
    label.addEventListener('change', () => { const o = this.selectedObject(); if (o) this.relabel(o, label.value); });
    label.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === 'Escape') label.blur(); });
    const size = section.querySelector<HTMLInputElement>('.edit-size')!;
    size.addEventListener('input', () => this.setBrushSize(Number(size.value)));
    section.querySelector('.edit-up')!.addEventListener('click', () => this.moveSelected(-1));
    section.querySelector('.edit-down')!.addEventListener('click', () => this.moveSelected(1));
    section.querySelector('.edit-delete')!.addEventListener('click', () => this.deleteSelected());
    return section;
  }

  /** The status line's hint for the tool (on a change of tool, mode or selection only, so results stay readable). */
  private hint(): void {
    if (this.deps.active() && this.deps.loaded()) this.deps.notices.status(selected() ? TOOL_HINTS[this.tool] : TOOL_HINTS.select);
  }

  /** Refresh the panel, the list highlight and the live layer. */
  update(): void {
    const active = this.deps.active();
    const o = this.selectedObject();
    this.panel.hidden = !active;
    document.body.dataset.editTool = active ? this.tool : '';
    this.panel.querySelector<HTMLElement>('.edit-hint')!.hidden = o !== null;
    this.panel.querySelector<HTMLElement>('.edit-body')!.hidden = o === null;
    this.panel.querySelectorAll<HTMLButtonElement>('.edit-tool').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.tool === this.tool)));
    this.sizeInput.value = String(this.brushSize);
    this.sizeText.textContent = `${this.brushSize} px`;
    for (const li of document.querySelectorAll<HTMLElement>('#object-list li')) {
      const on = li.dataset.id === o?.id;
      if (on && !li.classList.contains('selected')) li.scrollIntoView({ block: 'nearest' });
      li.classList.toggle('selected', on);
    }
    this.deps.objects.highlighted = active ? o?.id ?? null : null;
    if (o) {
      if (document.activeElement !== this.labelInput) this.labelInput.value = o.label;
      const score = o.predictedIou === null ? 'painted by hand' : `score <b>${Math.min(1, o.predictedIou).toFixed(3)}</b>`;
      const pts = o.pointCoords.length;
      this.stats.innerHTML = `<span><b class="edit-area">${fmtInt(o.area)}</b> px</span><span>${score}</span><span>${pts} point${pts === 1 ? '' : 's'}${o.box ? ' + box' : ''}</span>${this.pending ? '<span class="muted">decoding…</span>' : ''}`;
    }
    if (active && this.deps.loaded()) {
      this.deps.objects.draw();
      this.draw();
    }
  }

  /** Edit-mode keys; registered before the page's own so they win while an object is selected. */
  bindKeys(keymap: Keymap): void {
    const on = (): boolean => this.deps.active();
    const has = (): boolean => on() && this.selectedObject() !== null;
    const tool = (key: string, t: EditTool, text: string) => ({
      keys: [[key]], text, match: (e: KeyboardEvent) => plainKey(key)(e) && (on() || (t !== 'select' && selected() !== null)),
      run: () => { if (!on()) this.deps.enter(); this.setTool(t); },
    });
    keymap.add('Edit mode',
      { keys: [['S']], text: 'Edit mode: select objects (click one on the image or in the list)', match: plainKey('s'), run: () => { if (!on()) this.deps.enter(); this.setTool('select'); } },
      tool('R', 'refine', 'Refine the selected object: clicks add points, a drag sets its box'),
      tool('P', 'brush', 'Brush: paint onto the selected mask'),
      tool('X', 'eraser', 'Eraser: erase from the selected mask'),
      { keys: [['{'], ['}']], text: 'Brush size smaller / larger', match: (e) => on() && (e.key === '{' || e.key === '}'), run: (e) => this.setBrushSize(e.key === '}' ? Math.max(this.brushSize + 1, this.brushSize * 1.25) : Math.min(this.brushSize - 1, this.brushSize / 1.25)) },
      { keys: [['Delete'], ['Backspace']], text: 'Delete the selected object', match: (e) => has() && plainKey('Delete', 'Backspace')(e), run: (e) => { e.preventDefault(); this.deleteSelected(); } },
      { keys: [['Alt', '↑'], ['Alt', '↓']], text: 'Move the selected object up / down the list (later ones are drawn on top)', match: (e) => has() && e.altKey && !e.ctrlKey && !e.metaKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown'), run: (e) => { e.preventDefault(); this.moveSelected(e.key === 'ArrowUp' ? -1 : 1); } },
      { keys: [['L']], text: 'Relabel the selected object', match: (e) => has() && plainKey('l')(e), run: (e) => { e.preventDefault(); this.labelInput.focus(); this.labelInput.select(); } },
      { keys: [['Esc']], text: 'Clear the selection', match: (e) => has() && plainKey('Escape')(e) && $('help').hidden, run: () => select(null) },
    );
  }
}
