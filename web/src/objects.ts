/**
 * The image's accepted objects: the list, their display crops and colours, undo/redo over the whole
 * list, and saving every change.
 */
import type { AnnotationObject } from '../../src/server/protocol.js';
import type { DecoderClient } from './decoder-client.js';
import { $, fmtInt } from './dom.js';
import { History } from './history.js';
import type { Notices } from './notices.js';
import { classList } from './class-list.js';
import { maskStyle } from './mask-style.js';
import { COLORS } from './paint.js';
import type { Loaded } from './page-types.js';
import type { Saver } from './saver.js';
import type { Viewer } from './viewer.js';
import type { DisplayCrop, Rgb } from './worker-protocol.js';

export interface ObjectsDeps {
  viewer: Viewer;
  decoder: DecoderClient;
  saver: Saver;
  notices: Notices;
  loaded: () => Loaded | null;
  /** Called after every change of the list (edits, undo, redo, a new image). */
  changed?: () => void;
  /** Adds behaviour to each row of the list (selecting, reordering). */
  decorate?: (li: HTMLLIElement, o: AnnotationObject) => void;
}

export class Objects {
  private list: AnnotationObject[] = [];
  private readonly history = new History<AnnotationObject[]>([]);
  /** Display-size rasters, by object id; cleared when the display size changes. */
  readonly crops = new Map<string, DisplayCrop>();
  /** The mask each crop was made from: an edit keeps the id, so a changed mask is rasterised again. */
  private readonly cropMasks = new Map<string, string>();
  /** An object drawn elsewhere (the selected one, on the live layer), left out of this layer. */
  highlighted: string | null = null;
  private readonly colors = new Map<string, Rgb>();
  private colorCounter = 0;
  private hot: string | null = null;

  constructor(private readonly deps: ObjectsDeps) {}

  get all(): readonly AnnotationObject[] { return this.list; }

  /** A new image: its saved objects, with a fresh history. */
  reset(objects: AnnotationObject[] = []): void {
    this.list = objects;
    this.history.reset(objects);
    this.crops.clear();
    this.cropMasks.clear();
    this.colors.clear();
    this.colorCounter = 0;
  }

  colorOf(id: string): Rgb {
    let c = this.colors.get(id);
    if (!c) {
      c = COLORS[this.colorCounter++ % COLORS.length];
      this.colors.set(id, c);
    }
    return c;
  }

  /** An object's colour: its class's when its label is a project class, else one of its own. */
  colorFor(o: AnnotationObject): Rgb {
    return classList.colorOf(o.label) ?? this.colorOf(o.id);
  }

  add(...objs: AnnotationObject[]): void {
    this.commit([...this.list, ...objs]);
  }

  commit(next: AnnotationObject[]): void {
    this.history.push(next);
    this.list = next;
    void this.refresh(true);
  }

  /** Labels renamed (a class renamed): one undoable change, saved like any other. */
  relabel(renamed: ReadonlyMap<string, string>): void {
    if (!this.list.some((o) => renamed.has(o.label))) return;
    this.commit(this.list.map((o) => (renamed.has(o.label) ? { ...o, label: renamed.get(o.label)! } : o)));
  }

  update(id: string, change: Partial<AnnotationObject>): void {
    this.commit(this.list.map((o) => (o.id === id ? { ...o, ...change } : o)));
  }

  remove(id: string): void {
    this.commit(this.list.filter((x) => x.id !== id));
  }

  undo(): boolean { return this.restore(this.history.undo()); }

  redo(): boolean { return this.restore(this.history.redo()); }

  /** Show a list from the history (null: nothing to undo or redo). */
  private restore(list: AnnotationObject[] | null): boolean {
    if (!list) return false;
    this.list = list;
    void this.refresh(true);
    return true;
  }

  /** Rasterise new objects for display, repaint, update the list, and save. */
  async refresh(save: boolean): Promise<void> {
    const loaded = this.deps.loaded();
    if (!loaded) return;
    const missing = this.list.filter((o) => !this.crops.has(o.id) || this.cropMasks.get(o.id) !== o.segmentation.counts);
    if (save) this.deps.saver.schedule(loaded.info.id, this.list);
    this.render();
    if (missing.length) {
      const r = await this.deps.decoder.rasterize(missing.map((o) => o.segmentation));
      if (loaded !== this.deps.loaded()) return;
      missing.forEach((o, i) => { this.crops.set(o.id, r.crops[i]); this.cropMasks.set(o.id, o.segmentation.counts); });
    }
    this.draw();
    this.deps.changed?.();
  }

  draw(): void {
    this.deps.viewer.paint('objects', this.list
      .filter((o) => o.visible && o.id !== this.highlighted && this.crops.has(o.id))
      .map((o) => ({ crop: this.crops.get(o.id)!, color: this.colorFor(o), alpha: o.id === this.hot ? Math.max(0.5, maskStyle.fill(0.7)) : maskStyle.fill(0.4), outline: true })));
  }

  /** The side panel's object list (labels editable in place), counts and undo/redo buttons. */
  render(): void {
    const list = $('object-list');
    list.replaceChildren();
    for (const o of this.list) {
      const li = document.createElement('li');
      li.className = `object${o.visible ? '' : ' hidden-object'}`;
      li.dataset.id = o.id;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      const [r, g, b] = this.colorFor(o);
      swatch.style.background = `rgb(${r},${g},${b})`;
      const label = document.createElement('input');
      label.className = 'object-label';
      label.value = o.label;
      label.placeholder = 'no label';
      label.setAttribute('list', 'label-suggestions');
      label.title = 'Click to rename';
      const commitLabel = (): void => { if (label.value.trim() !== o.label) this.update(o.id, { label: label.value.trim() }); };
      label.addEventListener('change', commitLabel);
      label.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === 'Escape') label.blur(); });
      const area = document.createElement('span');
      area.className = 'object-area';
      area.textContent = `${fmtInt(o.area)} px`;
      const eye = document.createElement('button');
      eye.className = 'btn ghost icon small toggle';
      eye.textContent = o.visible ? '◉' : '○';
      eye.title = o.visible ? 'Hide' : 'Show';
      eye.addEventListener('click', () => this.update(o.id, { visible: !o.visible }));
      const del = document.createElement('button');
      del.className = 'btn ghost icon small delete';
      del.textContent = '✕';
      del.title = 'Delete';
      del.addEventListener('click', () => { this.remove(o.id); this.deps.notices.status('Deleted. Ctrl+Z to undo.'); });
      li.addEventListener('mouseenter', () => { this.hot = o.id; this.draw(); });
      li.addEventListener('mouseleave', () => { this.hot = null; this.draw(); });
      li.append(swatch, label, area, eye, del);
      this.deps.decorate?.(li, o);
      list.append(li);
    }
    $('object-count').textContent = String(this.list.length);
    $('objects-empty').hidden = this.list.length > 0;
    $<HTMLButtonElement>('undo-button').disabled = !this.history.canUndo;
    $<HTMLButtonElement>('redo-button').disabled = !this.history.canRedo;
    $<HTMLButtonElement>('export-button').disabled = !this.deps.loaded();
    const labels = [...new Set(this.list.map((o) => o.label).filter(Boolean))];
    const dl = $('label-suggestions');
    dl.replaceChildren(...labels.map((l) => Object.assign(document.createElement('option'), { value: l })));
  }
}
