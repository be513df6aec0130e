/**
 * Review of imported proposals (`samkit import`, `samkit app <dir> --import`, or Import here): the
 * open image's pending proposals drawn on their own layer, listed with their label (editable),
 * score and area, filtered by score and area, and accepted (as objects, with the label in the
 * row) or rejected one by one or all shown at once. Proposals that duplicate an accepted object
 * (mask IoU > 0.9) are hidden.
 */
import type { Proposal } from '../../src/project/import/proposal.js';
import { reconcileAccepted, reviewView, type ReviewView } from '../../src/project/import/review.js';
import type { AnnotationObject } from '../../src/server/protocol.js';
import type { DecoderClient } from './decoder-client.js';
import { fmtInt, newId } from './dom.js';
import { plainKey, type Keymap } from './keymap.js';
import type { Notices } from './notices.js';
import type { Objects } from './objects.js';
import type { Loaded } from './page-types.js';
import { ProposalLayer } from './proposal-layer.js';
import { reviewApi } from './review-api.js';
import type { Viewer } from './viewer.js';
import type { DisplayCrop } from './worker-protocol.js';
import { filesToUpload } from './import-folder-pick.js';

/** A predicted IoU can come out above 1 (a model output, not a ratio): shown clamped, the raw value in the title. */
const shownScore = (score: number): string => Math.min(1, score).toFixed(2);

export interface ReviewDeps {
  viewer: Viewer;
  decoder: DecoderClient;
  objects: Objects;
  notices: Notices;
  keymap: Keymap;
  loaded: () => Loaded | null;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}): HTMLElementTagNameMap[K] => Object.assign(document.createElement(tag), props);

export class ReviewPanel {
  private proposals: Proposal[] = [];
  private imageId: string | null = null;
  private view: ReviewView = { visible: [], filtered: 0, duplicate: 0 };
  /** Display rasters by proposal id, for the display size they were made at. */
  private crops = new Map<string, DisplayCrop>();
  private cropsFor = '';
  /** Labels edited in the list before accepting. */
  private readonly labels = new Map<string, string>();
  /** Proposal id -> the object its acceptance added (this image, this visit): undo gives it back. */
  private readonly acceptedAs = new Map<string, string>();
  private focus = 0;
  private readonly layer: ProposalLayer;
  private readonly panel = el('section', { className: 'panel review-panel', id: 'panel-review', hidden: true });
  private readonly list = el('ul', { className: 'review-list', id: 'review-list' });
  private readonly summary = el('div', { className: 'muted small', id: 'review-summary' });
  private readonly count = el('span', { className: 'count', id: 'review-count', textContent: '0' });
  private readonly minScore = el('input', { type: 'range', id: 'review-min-score', min: '0', max: '1', step: '0.01', value: '0' });
  private readonly minArea = el('input', { type: 'range', id: 'review-min-area', min: '0', max: '0', step: '1', value: '0' });
  private readonly scoreText = el('span', { className: 'review-value', id: 'review-min-score-value', textContent: '0.00' });
  private readonly areaText = el('span', { className: 'review-value', id: 'review-min-area-value', textContent: '0 px' });
  private readonly acceptAll = el('button', { className: 'btn small', id: 'review-accept-all', textContent: 'Accept all shown', title: 'Accept every proposal the filters show (Shift+A)' });
  private readonly fileInput = el('input', { type: 'file', id: 'review-import-file', accept: '.json,application/json' });
  private readonly folderInput = Object.assign(el('input', { type: 'file', id: 'review-import-folder', multiple: true }), { webkitdirectory: true });
  private project = false;
  private seq = 0;

  constructor(private readonly deps: ReviewDeps, sidebar: HTMLElement) {
    this.layer = new ProposalLayer(deps.viewer);
    const head = el('div', { className: 'panel-head' });
    const h = el('h2', { textContent: 'Review ' });
    h.append(this.count);
    const importLabel = el('label', { className: 'btn ghost small', title: 'Import a COCO, SA-1B or samkit auto / ground JSON file as proposals' });
    importLabel.append(this.fileInput, 'Import…');
    const folderLabel = el('label', { className: 'btn ghost small', title: 'Import a folder as proposals: YOLO (labels/ + data.yaml), PNG masks with metadata.csv, SA-1B JSON files, or a samkit annotate output' });
    folderLabel.append(this.folderInput, 'Folder…');
    head.append(h, importLabel, folderLabel);
    const filters = el('div', { className: 'review-filters' });
    const row = (text: string, input: HTMLInputElement, value: HTMLElement): HTMLElement => {
      const label = el('label', { htmlFor: input.id, textContent: text });
      const r = el('div', { className: 'review-filter' });
      r.append(label, input, value);
      return r;
    };
    filters.append(row('Min score', this.minScore, this.scoreText), row('Min area', this.minArea, this.areaText));
    const keys = el('div', { className: 'muted small' });
    keys.innerHTML = '<kbd>,</kbd> <kbd>.</kbd> previous / next · <kbd>A</kbd> accept · <kbd>X</kbd> reject · <kbd>Shift</kbd>+<kbd>A</kbd> all shown';
    const actions = el('div', { className: 'row' });
    actions.append(this.acceptAll);
    this.panel.append(head, this.summary, filters, this.list, actions, keys);
    const objectsPanel = sidebar.querySelector('#panel-objects');
    if (objectsPanel) sidebar.insertBefore(this.panel, objectsPanel); else sidebar.append(this.panel);

    for (const slider of [this.minScore, this.minArea]) {
      slider.addEventListener('input', () => this.update());
      // Dragged with the mouse: give the keys back to the page (A, X, ... never type into a field).
      slider.addEventListener('pointerup', () => slider.blur());
    }
    this.acceptAll.addEventListener('click', () => void this.acceptShown());
    this.folderInput.addEventListener('change', () => {
      const files = [...(this.folderInput.files ?? [])];
      this.folderInput.value = '';
      if (files.length) void this.importFolder(files);
    });
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (file) void this.importFile(file);
    });
    this.bindKeys();
    // Objects accepted any other way (hover, Everything, undo) change what duplicates them: the
    // objects module re-renders its list on every change.
    const objectList = document.getElementById('object-list');
    if (objectList) new MutationObserver(() => { if (this.proposals.length) { this.reconcile(); this.update(); } }).observe(objectList, { childList: true });
    void reviewApi.hasProject().then((p) => { this.project = p; this.render(); });
  }

  private bindKeys(): void {
    // Not in Edit mode, whose tools have their own letters (X is its eraser).
    const active = (): boolean => this.view.visible.length > 0 && !!this.deps.loaded()?.ready && document.body.dataset.mode !== 'edit';
    this.deps.keymap.add('Review',
      { keys: [['Shift', 'A']], text: 'Accept every proposal shown', match: (e) => active() && e.shiftKey && plainKey('a')(e), run: (e) => { e.preventDefault(); void this.acceptShown(); } },
      { keys: [['A']], text: 'Accept the focused proposal (with the label in its row)', match: (e) => active() && plainKey('a')(e), run: (e) => { e.preventDefault(); void this.accept(this.focused()); } },
      { keys: [['X']], text: 'Reject the focused proposal', match: (e) => active() && plainKey('x')(e), run: (e) => { e.preventDefault(); void this.reject(this.focused()); } },
      { keys: [[','], ['.']], text: 'Previous / next proposal', match: (e) => active() && plainKey(',', '.')(e), run: (e) => { e.preventDefault(); this.move(e.key === '.' ? 1 : -1); } },
    );
  }

  /** A new image is opening: drop the last one's proposals. */
  reset(): void {
    this.seq++;
    this.proposals = [];
    this.imageId = null;
    this.crops.clear();
    this.cropsFor = '';
    this.labels.clear();
    this.acceptedAs.clear();
    this.focus = 0;
    this.layer.clear();
    this.update();
  }

  /** The open image's proposals (after its objects are loaded, so duplicates are known). */
  async load(): Promise<void> {
    const loaded = this.deps.loaded();
    if (!loaded) return;
    const seq = ++this.seq;
    const proposals = await reviewApi.proposals(loaded.info.id).catch(() => [] as Proposal[]);
    if (seq !== this.seq) return;
    this.imageId = loaded.info.id;
    this.proposals = proposals;
    const maxArea = proposals.reduce((m, p) => Math.max(m, p.area), 0);
    this.minArea.max = String(maxArea);
    if (Number(this.minArea.value) > maxArea) this.minArea.value = '0';
    this.update();
  }

  /** Recompute what is shown (filters, duplicates of the objects), then list and draw it. */
  update(): void {
    const minScore = Number(this.minScore.value);
    const minArea = Number(this.minArea.value);
    this.scoreText.textContent = minScore.toFixed(2);
    this.areaText.textContent = `${fmtInt(minArea)} px`;
    this.view = reviewView(this.proposals, this.deps.objects.all, { minScore, minArea });
    this.focus = Math.min(this.focus, Math.max(0, this.view.visible.length - 1));
    this.render();
    void this.draw();
  }

  private focused(): Proposal | undefined {
    return this.view.visible[this.focus];
  }

  private move(step: number): void {
    const n = this.view.visible.length;
    if (!n) return;
    this.focus = (this.focus + step + n) % n;
    this.render();
    void this.draw();
    this.list.querySelector('.proposal.focused')?.scrollIntoView({ block: 'nearest' });
  }

  private labelOf(p: Proposal): string {
    return (this.labels.get(p.id) ?? p.label).trim();
  }

  private render(): void {
    const pending = this.proposals.filter((p) => p.status === 'pending').length;
    this.panel.hidden = !this.project && this.proposals.length === 0;
    // Nothing to review: only the head (Import…) and a line, so the object list keeps its room.
    this.panel.classList.toggle('idle', pending === 0);
    this.count.textContent = String(this.view.visible.length);
    const parts = [`${this.view.visible.length} of ${pending} pending shown`];
    if (this.view.filtered) parts.push(`${this.view.filtered} filtered out`);
    if (this.view.duplicate) parts.push(`${this.view.duplicate} hidden as duplicates of objects`);
    this.summary.textContent = this.imageId ? (pending ? parts.join(' · ') : 'No proposals to review for this image.') : 'Open an image to review its imported masks.';
    this.acceptAll.disabled = this.view.visible.length === 0;
    this.list.replaceChildren(...this.view.visible.map((p, i) => this.row(p, i)));
  }

  private row(p: Proposal, i: number): HTMLLIElement {
    const li = el('li', { className: `proposal${i === this.focus ? ' focused' : ''}` });
    li.dataset.id = p.id;
    const label = el('input', { className: 'proposal-label', value: this.labelOf(p), placeholder: 'no label', title: 'The label the object gets when accepted' });
    label.setAttribute('list', 'label-suggestions');
    label.addEventListener('input', () => this.labels.set(p.id, label.value));
    label.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); label.blur(); void this.accept(p); }
      if (e.key === 'Escape') label.blur();
    });
    label.addEventListener('focus', () => { if (this.focus !== i) { this.focus = i; void this.draw(); this.markFocus(); } });
    const score = el('span', { className: 'proposal-score', textContent: p.score === null ? 'no score' : shownScore(p.score), title: p.score === null ? p.source : `${p.source}: ${p.score}` });
    const area = el('span', { className: 'object-area', textContent: `${fmtInt(p.area)} px` });
    const yes = el('button', { className: 'btn ghost icon small accept', textContent: '✓', title: 'Accept as an object (A)' });
    yes.addEventListener('click', () => void this.accept(p));
    const no = el('button', { className: 'btn ghost icon small reject', textContent: '✕', title: 'Reject (X)' });
    no.addEventListener('click', () => void this.reject(p));
    li.addEventListener('mouseenter', () => { this.focus = i; this.markFocus(); void this.draw(); });
    li.append(label, score, area, yes, no);
    return li;
  }

  private markFocus(): void {
    this.list.querySelectorAll('.proposal').forEach((li, k) => li.classList.toggle('focused', k === this.focus));
  }

  /** Draw the shown proposals; rasterised again when the display size changed (layout, zoom). */
  async draw(): Promise<void> {
    const loaded = this.deps.loaded();
    if (!loaded || this.imageId !== loaded.info.id) { this.layer.clear(); return; }
    const { viewer } = this.deps;
    const key = `${viewer.display.width}x${viewer.display.height}`;
    if (key !== this.cropsFor) { this.crops.clear(); this.cropsFor = key; }
    const missing = this.view.visible.filter((p) => !this.crops.has(p.id));
    if (missing.length) {
      const seq = this.seq;
      const r = await this.deps.decoder.rasterize(missing.map((p) => p.segmentation));
      if (seq !== this.seq || key !== this.cropsFor) return;
      missing.forEach((p, i) => this.crops.set(p.id, r.crops[i]));
    }
    const focused = this.focused();
    const items = this.view.visible.filter((p) => this.crops.has(p.id)).map((p) => ({
      crop: this.crops.get(p.id)!,
      text: `${this.labelOf(p) || 'no label'}${p.score === null ? '' : ` ${shownScore(p.score)}`}`,
      hot: p === focused,
    }));
    this.layer.draw(items, viewer.displayScale(loaded.info).unit);
  }

  private objectOf(p: Proposal, loaded: Loaded): AnnotationObject {
    return {
      id: newId(), label: this.labelOf(p), segmentation: p.segmentation, area: p.area, bbox: p.bbox,
      predictedIou: p.predictedIou ?? p.score, stabilityScore: p.stabilityScore,
      pointCoords: [], pointLabels: [], box: null, cropBox: [0, 0, loaded.info.width, loaded.info.height],
      source: 'import', visible: true, createdAt: new Date().toISOString(),
    };
  }

  private async decide(ps: readonly Proposal[], status: 'accepted' | 'rejected'): Promise<boolean> {
    const loaded = this.deps.loaded();
    if (!loaded?.ready || !ps.length || this.imageId !== loaded.info.id) return false;
    const ids = new Set(ps.map((p) => p.id));
    if (status === 'accepted') {
      const made = ps.map((p) => this.objectOf(p, loaded));
      ps.forEach((p, i) => this.acceptedAs.set(p.id, made[i].id));
      this.deps.objects.add(...made);
    }
    this.proposals = this.proposals.map((p) => (ids.has(p.id) ? { ...p, status } : p));
    this.update();
    try {
      await reviewApi.decide(loaded.info.id, ps.map((p) => ({ id: p.id, status })));
      return true;
    } catch (err) {
      this.deps.notices.showError(err);
      return false;
    }
  }

  /** Undo/redo (or a delete) of an accepted proposal's object: its status follows, on the server too. */
  private reconcile(): void {
    const loaded = this.deps.loaded();
    if (!loaded?.ready || this.imageId !== loaded.info.id || !this.acceptedAs.size) return;
    const changes = reconcileAccepted(this.proposals, this.acceptedAs, new Set(this.deps.objects.all.map((o) => o.id)));
    if (!changes.length) return;
    const status = new Map(changes.map((c) => [c.id, c.status]));
    this.proposals = this.proposals.map((p) => (status.has(p.id) ? { ...p, status: status.get(p.id)! } : p));
    reviewApi.decide(loaded.info.id, changes).catch((err: unknown) => this.deps.notices.showError(err));
  }

  async accept(p: Proposal | undefined): Promise<void> {
    if (!p) return;
    const label = this.labelOf(p);
    if (await this.decide([p], 'accepted')) this.deps.notices.status(`Accepted “${label || 'object'}” (${fmtInt(p.area)} px)${label ? '' : ': it has no label'}.`);
  }

  async reject(p: Proposal | undefined): Promise<void> {
    if (!p) return;
    if (await this.decide([p], 'rejected')) this.deps.notices.status(`Rejected “${this.labelOf(p) || 'no label'}”.`);
  }

  async acceptShown(): Promise<void> {
    const shown = [...this.view.visible];
    if (await this.decide(shown, 'accepted')) this.deps.notices.status(`Accepted ${shown.length} proposal${shown.length === 1 ? '' : 's'}.`);
  }

  private async importFolder(files: File[]): Promise<void> {
    const picked = filesToUpload(files.map((file) => ({ path: file.webkitRelativePath || file.name, file })));
    const name = picked[0]?.path.split('/')[0] ?? 'folder';
    if (!picked.length) {
      this.deps.notices.status(`${name} holds no file an import reads (labels, masks, JSON, metadata.csv).`);
      return;
    }
    try {
      this.deps.notices.status(`Importing ${picked.length} file${picked.length === 1 ? '' : 's'} from ${name}…`);
      const s = await reviewApi.importFiles(picked, this.deps.loaded()?.info.id ?? null);
      this.deps.notices.status(`Imported ${s.proposals} proposal${s.proposals === 1 ? '' : 's'} for ${s.images} image${s.images === 1 ? '' : 's'} from ${name} (${s.format})${s.duplicates ? `; ${s.duplicates} were there already` : ''}.`);
      await this.load();
    } catch (err) {
      this.deps.notices.showError(err);
    }
  }

  private async importFile(file: File): Promise<void> {
    try {
      const s = await reviewApi.importFile(file, this.deps.loaded()?.info.id ?? null);
      this.deps.notices.status(`Imported ${s.proposals} proposal${s.proposals === 1 ? '' : 's'} for ${s.images} image${s.images === 1 ? '' : 's'} from ${file.name} (${s.format})${s.duplicates ? `; ${s.duplicates} were there already` : ''}.`);
      await this.load();
    } catch (err) {
      this.deps.notices.showError(err);
    }
  }
}
