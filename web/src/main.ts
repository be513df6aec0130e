/**
 * The annotation page: wires the modules together. The server encodes each image once; prompts are
 * decoded here, in a worker (or on the server when that is faster), and canvases are redrawn on
 * events only. Each concern is its own module: viewer (canvases and coordinates), prompt-session
 * (the prompt being built), objects (accepted objects, undo, saving), auto-masks (Everything),
 * current-panel, notices (messages), keymap (keys and the shortcut sheet).
 */
import type { AnnotationObject, ImageInfo, ModelInfo } from '../../src/server/protocol.js';
import { api, ApiError, type EmbeddingResponse } from './api.js';
import { familyChip, familyTitle } from './family-chip.js';
import { AutoMasks } from './auto-masks.js';
import { renderCurrentPanel } from './current-panel.js';
import { DecoderClient } from './decoder-client.js';
import { $, fmtInt, newId, plane } from './dom.js';
import { mountFindPanel } from './find-panel.js';
import { mountInpaintPanel } from './inpaint-panel.js';
import { mountVoiceButton } from './voice-button.js';
import { exportImage } from './image-export.js';
import { Keymap, modKey, plainKey } from './keymap.js';
import { Notices } from './notices.js';
import { rememberLogits } from './object-edits.js';
import { ObjectEditor } from './object-editor.js';
import { Objects } from './objects.js';
import { MODE_HINTS, type Loaded, type Mode } from './page-types.js';
import { ProjectPanel } from './project-panel.js';
import { PromptSession } from './prompt-session.js';
import { ReviewPanel } from './review-panel.js';
import { Saver } from './saver.js';
import { onSelectionChange, select, selected } from './selection.js';
import { Viewer } from './viewer.js';
import { classList } from './class-list.js';
import { LabelFlow } from './label-flow.js';
import { mountViewControls } from './view-controls.js';
import { openTiming } from './open-timing.js';
import { takePrefetched } from './image-prefetch.js';
import { mountAheadPrepare } from './ahead-prepare.js';
import type { HoverVia, PromptInput } from './worker-protocol.js';

class App {
  private readonly decoder = new DecoderClient('/decoder-worker.js');
  private model: ModelInfo | null = null;
  // Settled by start() only: the model info (null when it could not be had) and whether the page's
  // decoder started. An image opened before either is known waits for it instead of reading a default.
  private resolveModel!: (model: ModelInfo | null) => void;
  private readonly modelReady = new Promise<ModelInfo | null>((resolve) => { this.resolveModel = resolve; });
  private resolveDecoder!: (ok: boolean) => void;
  private readonly decoderReady = new Promise<boolean>((resolve) => { this.resolveDecoder = resolve; });

  private mode: Mode = 'hover';
  private loaded: Loaded | null = null;
  private loadSeq = 0;

  readonly viewer = new Viewer();
  /** The next object's label: chosen per object, stated plainly, cleared after each accept. */
  readonly labels = new LabelFlow(this.viewer.layers.live);
  readonly notices = new Notices();
  readonly keymap = new Keymap();
  private readonly saver = new Saver((state, message) => this.notices.setSaveStatus(state, message));
  readonly objects = new Objects({
    viewer: this.viewer, decoder: this.decoder, saver: this.saver, notices: this.notices, loaded: () => this.loaded,
    changed: () => this.editor.listChanged(), decorate: (li, o) => this.editor.decorate(li, o),
  });
  readonly editor: ObjectEditor = new ObjectEditor({
    viewer: this.viewer, decoder: this.decoder, objects: this.objects, notices: this.notices, loaded: () => this.loaded,
    active: () => this.mode === 'edit', enter: () => this.setMode('edit'),
  });
  readonly prompt = new PromptSession({
    viewer: this.viewer, decoder: this.decoder, loaded: () => this.loaded, mode: () => this.mode,
    changed: () => { this.drawLive(); this.updatePanels(); },
    panels: () => this.updatePanels(),
    failed: (err) => this.notices.showError(`Decoding failed: ${(err as Error).message}`),
  });
  // Imported proposals: their own panel and layer (review-panel.ts).
  readonly review = new ReviewPanel({
    viewer: this.viewer, decoder: this.decoder, objects: this.objects, notices: this.notices, keymap: this.keymap, loaded: () => this.loaded,
  }, document.querySelector<HTMLElement>('.sidebar')!);
  readonly auto = new AutoMasks({
    viewer: this.viewer, decoder: this.decoder, notices: this.notices, loaded: () => this.loaded,
    active: () => this.mode === 'everything', panels: () => this.updatePanels(),
  });

  /** Where hovers decode, once timed on the first image (or forced with ?hover=page|server). */
  private hoverVia: HoverVia | null = null;
  private decoderChip = '';

  private async chooseHoverDecoder(point: [number, number], seq: number): Promise<void> {
    const param = new URLSearchParams(location.search).get('hover');
    const force = param === 'page' || param === 'server' ? param : this.hoverVia;
    const cal = await this.decoder.calibrateHover(point, force ? 0 : 3, force).catch(() => null);
    // Timings cut short by opening another image are not a choice.
    if (!cal || seq !== this.loadSeq) return;
    this.hoverVia = cal.via;
    const ms = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v)} ms`);
    this.notices.setChip('chip-decoder', `${this.decoderChip} · hover ${cal.via === 'server' ? 'on server' : 'in page'}`, 'ok');
    if (!force) $('chip-decoder').title += `\nHover decoding timed on this image: in the page ${ms(cal.pageMs)}, on the server ${ms(cal.serverMs)}; hovers use the ${cal.via === 'server' ? 'server' : 'page'} (?hover=page or ?hover=server to choose).`;
  }

  async start(): Promise<void> {
    this.wireEvents();
    this.bindKeys();
    // Zoom, pan and the mask style: the marks on the live layer keep their screen size at any zoom.
    mountViewControls(this.viewer, this.keymap, () => { this.objects.draw(); this.auto.draw(); });
    this.viewer.onViewChange(() => { if (this.loaded) this.drawLive(); });
    this.viewer.onDetailChange(() => void this.relayout());
    classList.onChange(() => { this.objects.draw(); this.objects.render(); });
    classList.onRenamed((renamed) => this.objects.relabel(renamed));
    // The Find box (text prompts) is its own module; it only needs the open image and a way to add objects.
    const find = mountFindPanel({ imageId: () => this.loaded?.info.id ?? null, addObjects: (objs) => this.objects.add(...objs) });
    // Push-to-talk for the Find box, and the Remove / Replace panel: their own modules.
    mountVoiceButton({ input: find.querySelector<HTMLInputElement>('#find-text')!, find: () => find.querySelector<HTMLButtonElement>('#find-go')!.click(), keymap: this.keymap });
    mountAheadPrepare(this.decoder); // the next image's decoder state, prepared while this one is annotated
    mountInpaintPanel({ image: () => (this.loaded ? { id: this.loaded.info.id, name: this.loaded.info.name } : null), objects: () => this.objects.all, selectedId: selected, onSelectionChange });
    this.setMode('hover');
    this.objects.render();
    let model: ModelInfo;
    try {
      model = await api.model();
    } catch (err) {
      this.resolveModel(null);
      this.resolveDecoder(false);
      this.notices.setChip('chip-decoder', 'Decoder · unavailable', 'bad');
      this.notices.showError(err instanceof ApiError ? `The model could not be loaded: ${err.message.replace(/^model error: /, '')}` : err);
      return;
    }
    this.model = model;
    this.resolveModel(model);
    const { maxUploadBytes, maxPixels } = model.limits;
    $('limits-text').textContent = `Up to ${Math.round(maxUploadBytes / (1024 * 1024))} MB and ${Math.round(maxPixels / 1e6)} megapixels. Masks are kept at the image's full resolution.`;
    const threadParam = Number(new URLSearchParams(location.search).get('threads'));
    const threads = threadParam > 0 ? threadParam : Math.min(4, navigator.hardwareConcurrency || 1);
    void this.decoder.init(model.decoderUrl, threads, model.hoverDecoder, { id: model.decoderFamily, maskInputSize: model.maskInputSize }).then(
      ({ threads, isolated, split, family }) => {
        this.decoderChip = `Decoder · WASM ×${threads}${isolated ? '' : ' (not isolated)'}${familyChip(family)}`;
        this.notices.setChip('chip-decoder', this.decoderChip, 'ok');
        $('chip-decoder').title = `Prompt decoder in this browser: onnxruntime-web, ${threads} thread${threads === 1 ? '' : 's'}${split ? ', hover graph split' : ''}${familyTitle(family)}`;
        return true;
      },
      (err: unknown) => {
        this.notices.setChip('chip-decoder', 'Decoder · failed', 'bad');
        this.notices.showError(`The prompt decoder could not start in this browser: ${(err as Error).message}`);
        return false;
      },
    ).then((ok) => this.resolveDecoder(ok));
    const m = /^#([0-9a-f]{64})$/.exec(location.hash);
    if (m) void this.openById(m[1]);
    else void this.showRecent();
  }

  // ---------------------------------------------------------------- events

  private wireEvents(): void {
    const input = $<HTMLInputElement>('file-input');
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (file) void this.openFile(file);
      input.value = '';
    });
    document.querySelectorAll<HTMLButtonElement>('.tool').forEach((b) => b.addEventListener('click', () => this.setMode(b.dataset.mode as Mode)));

    const live = this.viewer.layers.live;
    live.addEventListener('pointermove', (e) => this.onPointerMove(e));
    live.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    live.addEventListener('pointerup', (e) => this.onPointerUp(e));
    live.addEventListener('pointerleave', () => this.onPointerLeave());
    live.addEventListener('contextmenu', (e) => e.preventDefault());

    $('accept-button').addEventListener('click', () => { void this.accept(); this.labels.focusImage(); });
    $('clear-button').addEventListener('click', () => this.clearPrompt());
    // Enter accepts and the keys go back to the image (the next mode key must not type into the field).
    this.labels.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); void this.accept(); this.labels.focusImage(); }
      if (e.key === 'Escape') { this.labels.focusImage(); this.clearPrompt(); }
    });
    $('undo-button').addEventListener('click', () => this.undo());
    $('redo-button').addEventListener('click', () => this.redo());
    $('export-button').addEventListener('click', () => {
      if (this.loaded) void exportImage(this.loaded.info.id, this.objects.all.length, this.model, this.saver, this.notices);
    });
    $('auto-run').addEventListener('click', () => void this.auto.start());
    $('auto-cancel').addEventListener('click', () => this.auto.cancel());
    $('auto-accept-all').addEventListener('click', () => this.acceptAllAuto());
    $('banner-close').addEventListener('click', () => this.notices.hideBanner());
    $('help-button').addEventListener('click', () => this.toggleHelp());
    $('help-close').addEventListener('click', () => this.toggleHelp(false));
    $('help').addEventListener('click', (e) => { if (e.target === $('help')) this.toggleHelp(false); });

    document.addEventListener('keydown', (e) => this.keymap.handle(e));
    document.addEventListener('paste', (e) => {
      const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/')) ?? e.clipboardData?.files?.[0];
      if (file) { e.preventDefault(); void this.openFile(file); }
    });
    let dragDepth = 0;
    const hasFiles = (e: DragEvent): boolean => [...(e.dataTransfer?.types ?? [])].includes('Files');
    window.addEventListener('dragenter', (e) => { if (hasFiles(e)) { dragDepth++; $('drop-hint').hidden = false; } });
    window.addEventListener('dragleave', () => { dragDepth = Math.max(0, dragDepth - 1); if (!dragDepth) $('drop-hint').hidden = true; });
    window.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      dragDepth = 0;
      $('drop-hint').hidden = true;
      const file = e.dataTransfer?.files?.[0];
      if (file) void this.openFile(file);
    });
    let resizeTimer = 0;
    new ResizeObserver(() => {
      clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => void this.relayout(), 120);
    }).observe(this.viewer.stage);
    window.addEventListener('hashchange', () => {
      const m = /^#([0-9a-f]{64})$/.exec(location.hash);
      if (m && m[1] !== this.loaded?.info.id) void this.openById(m[1]);
    });
  }

  /** The page's own keys; the sheet (`?`) is rendered from the same table. */
  private bindKeys(): void {
    const k = this.keymap;
    this.editor.bindKeys(k); // first: its keys act on the selected object before the prompt's
    const prevent = (run: () => void) => (e: KeyboardEvent): void => { e.preventDefault(); run(); };
    k.add('Edit',
      { keys: [['Ctrl', 'Z'], ['Ctrl', 'Shift', 'Z']], text: 'Undo / redo', match: (e) => modKey('z', false)(e) || modKey('z', true)(e), run: (e) => { e.preventDefault(); if (e.shiftKey) this.redo(); else this.undo(); } },
      { keys: [['Ctrl', 'Y']], text: 'Redo', match: modKey('y', false), run: prevent(() => this.redo()) },
    );
    const modes: Array<[string, Mode]> = [['H', 'hover'], ['C', 'click'], ['B', 'box'], ['M', 'candidates'], ['E', 'everything']];
    k.add('Tools',
      ...modes.map(([key, mode]): Parameters<Keymap['add']>[1] => ({ keys: [[key]], text: `${mode.charAt(0).toUpperCase()}${mode.slice(1)} mode`, match: plainKey(key), run: () => this.setMode(mode) })),
      { keys: [['(Left click)']], text: 'Add an include point (click on a point to remove it)' },
      { keys: [['(Right click)'], ['Alt', '(click)'], ['Shift', '(click)']], text: 'Add an exclude point' },
      { keys: [['(Drag in Box mode)']], text: 'Draw a box prompt' },
    );
    k.add('Prompt',
      { keys: [['1'], ['2'], ['3']], text: 'Choose a candidate (Candidates mode)', match: (e) => plainKey('1', '2', '3')(e) && this.mode === 'candidates', run: (e) => this.chooseCandidate(Number(e.key)) },
      { keys: [['Enter']], text: 'Accept the current mask with the label', match: plainKey('Enter'), run: prevent(() => void this.accept()) },
      { keys: [['Esc']], text: 'Clear the prompt (or close this sheet)', match: plainKey('Escape'), run: () => { if (!$('help').hidden) this.toggleHelp(false); else this.clearPrompt(); } },
      { keys: [['Backspace'], ['Delete']], text: 'Remove the last point', match: plainKey('Backspace', 'Delete'), run: prevent(() => this.removeLastPoint()) },
      { keys: [['L']], text: 'Type the label', match: plainKey('l'), run: prevent(() => { this.labels.input.focus(); this.labels.input.select(); }) },
    );
    k.add('Page',
      { keys: [['O'], ['Ctrl', 'V'], ['(drop a file)']], text: 'Open an image', match: plainKey('o'), run: () => $<HTMLInputElement>('file-input').click() },
      { keys: [['?']], text: 'This sheet', match: (e) => !e.ctrlKey && !e.metaKey && e.key === '?', run: () => this.toggleHelp() },
    );
  }

  private toggleHelp(show?: boolean): void {
    const el = $('help');
    el.hidden = show === undefined ? !el.hidden : !show;
    if (!el.hidden) this.keymap.renderSheet(el.querySelector<HTMLTableElement>('table.keys')!);
  }

  // ---------------------------------------------------------------- opening images

  private async showRecent(): Promise<void> {
    try {
      const { images } = await api.images();
      const list = $('recent-list');
      list.replaceChildren();
      for (const img of images.slice(0, 12)) {
        const li = document.createElement('li');
        const name = document.createElement('span');
        name.textContent = img.name;
        const meta = document.createElement('span');
        meta.className = 'muted';
        meta.textContent = `${img.width}×${img.height} · ${img.objects} object${img.objects === 1 ? '' : 's'}`;
        li.append(name, meta);
        li.addEventListener('click', () => void this.openById(img.id));
        list.append(li);
      }
      $('recent').hidden = images.length === 0;
    } catch { /* the list is a convenience */ }
  }

  private async openFile(file: File): Promise<void> {
    const { notices } = this;
    // A file chosen while the page is still starting waits for the server's model info.
    if (!this.model) {
      notices.setOverlay('Loading the model…');
      await this.modelReady;
      notices.setOverlay(null);
    }
    if (!this.model) { notices.showError('The server has no model loaded, so images cannot be opened; see the message above or the server log.'); return; }
    const limit = this.model.limits.maxUploadBytes;
    if (file.size > limit) {
      notices.showError(`${file.name} is ${(file.size / (1024 * 1024)).toFixed(1)} MB; the upload limit is ${Math.round(limit / (1024 * 1024))} MB.`);
      return;
    }
    const seq = ++this.loadSeq;
    openTiming.start('upload');
    notices.setState('loading');
    notices.hideBanner();
    notices.setOverlay(`Uploading ${file.name}…`, '', { to: 0.05, ms: 200 });
    try {
      const up = await api.upload(file, file.name || 'pasted-image', (f) => {
        if (seq === this.loadSeq) notices.setOverlay(`Uploading ${file.name}…`, `${Math.round(f * 100)}%`);
      });
      if (seq !== this.loadSeq) return;
      if (this.model && up.encodeMsEstimate > 0) this.model.encodeMsEstimate = up.encodeMsEstimate;
      await this.showImage(seq, up.image, file, up.embedded);
    } catch (err) {
      if (seq !== this.loadSeq) return;
      notices.setOverlay(null);
      notices.setState(this.loaded ? 'ready' : 'empty', this.loaded?.ready ? this.loaded.info.id : null);
      notices.showError(err);
    }
  }

  private async openById(id: string): Promise<void> {
    const seq = ++this.loadSeq;
    this.notices.setState('loading');
    openTiming.start(id);
    try {
      // Loaded ahead (the next project image), else the embedding is asked for at once (the longest
      // wait) and the info and file come together.
      const ahead = takePrefetched(id);
      const embedding = ahead?.embedding ?? api.embedding(id);
      embedding.catch(() => undefined);
      const [info, blob] = await Promise.all([ahead?.info ?? api.image(id), ahead?.blob ?? api.imageBlob(id)]);
      openTiming.mark(ahead ? 'info+file (ahead)' : 'info+file');
      if (seq !== this.loadSeq) { void ahead?.bitmap.then((b) => b.close(), () => undefined); return; }
      await this.showImage(seq, info, blob, false, embedding, ahead?.bitmap);
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.notices.setOverlay(null);
      this.notices.setState(this.loaded ? 'ready' : 'empty', this.loaded?.ready ? this.loaded.info.id : null);
      this.notices.showError(err instanceof ApiError && err.status === 404 ? 'That image is no longer on this server; open the file again.' : err);
      // The URL names the image shown: the one still open, or none.
      history.replaceState(null, '', this.loaded ? `#${this.loaded.info.id}` : location.pathname);
    }
  }

  private async showImage(seq: number, info: ImageInfo, blob: Blob, embedded: boolean, early?: Promise<EmbeddingResponse>, bitmap?: Promise<ImageBitmap>): Promise<void> {
    const { notices, viewer } = this;
    await this.saver.flush();
    openTiming.mark('saved');
    // A newer open started while the last image's edits were saved: it wins (and owns the URL hash).
    if (seq !== this.loadSeq) return;
    this.resetImageState();
    const loaded: Loaded = { seq, info, blob, bitmap: null, ready: false };
    this.loaded = loaded;
    history.replaceState(null, '', `#${info.id}`);
    document.title = `${info.name} · samkit`;
    notices.status(`Opening ${info.name}…`);
    $('image-title').innerHTML = '';
    const b = document.createElement('b');
    b.textContent = info.name;
    $('image-title').append(b, ` · ${info.width} × ${info.height}`);
    $('empty').hidden = true;
    notices.setChip('chip-embedding', 'Embedding · …');

    const est = this.model?.encodeMsEstimate ?? 1500;
    notices.setOverlay(embedded ? 'Loading the image embedding…' : 'Computing the image embedding…',
      embedded ? 'precomputed by samkit embed' : `on the server, usually about ${Math.max(1, Math.round(est / 1000))} s`, { to: 0.92, ms: embedded ? 400 : est });
    const t0 = performance.now();
    const embeddingPromise = early ?? api.embedding(info.id);
    embeddingPromise.catch(() => undefined);
    const annotationsPromise = api.annotations(info.id).catch(() => null);

    viewer.layout(info);
    loaded.bitmap = await (bitmap?.catch(() => viewer.bitmap(blob, info)) ?? viewer.bitmap(blob, info));
    openTiming.mark('bitmap');
    if (seq !== this.loadSeq) return;
    await this.decoder.setImage({ width: info.width, height: info.height }, viewer.display, { inputSize: this.model?.inputSize ?? 1024, resize: this.model?.resize ?? 'longest-side' }, this.model?.maskInputSize ?? 256,
      new URL(`/api/images/${info.id}/decode`, location.href).href);
    viewer.drawImage(loaded.bitmap);
    viewer.wrap.hidden = false;

    openTiming.mark('worker image');
    const annotations = await annotationsPromise;
    if (seq !== this.loadSeq) return;
    if (annotations) {
      this.objects.reset(annotations.objects);
      await this.objects.refresh(false);
    }
    openTiming.mark('objects');
    void this.review.load();

    let emb: EmbeddingResponse;
    try {
      emb = await embeddingPromise;
    } catch (err) {
      if (seq !== this.loadSeq) return;
      notices.setOverlay(null);
      notices.setState('error');
      notices.setChip('chip-embedding', 'Embedding · failed', 'bad');
      notices.showError(err instanceof ApiError && err.status === 503 ? `The model failed: ${err.message.replace(/^model error: /, '')}` : err);
      return;
    }
    if (seq !== this.loadSeq) return;
    const ms = performance.now() - t0;
    openTiming.mark('embedding');
    await this.decoder.setEmbedding(emb.data, emb.dims, emb.imageInputs, info.id);
    openTiming.mark('embedding in worker');
    const decoderOk = await this.decoderReady;
    if (seq !== this.loadSeq) return;
    // onnxruntime's first run on a new input allocates and plans: do it before the first hover, and on
    // the first image time the page's and the server's decoders to hover with the faster one (before
    // the image is ready: hovers meanwhile would skew the timings; later images only warm up the
    // chosen side).
    if (decoderOk) await this.chooseHoverDecoder([info.width / 2, info.height / 2], seq);
    openTiming.mark('decoder warm');
    if (seq !== this.loadSeq) return;
    notices.setOverlay(null);
    notices.setChip('chip-embedding', emb.source === 'computed' ? `Embedding · computed in ${(ms / 1000).toFixed(1)} s` : 'Embedding · cached', 'ok');
    if (!decoderOk) {
      notices.setState('error');
      // The start's own failure is on the banner already; this says it again if something hid it.
      if ($('banner').hidden) notices.showError('the prompt decoder did not start in this browser, so the image cannot be annotated here');
      return;
    }
    loaded.ready = true;
    notices.setState('ready', info.id);
    openTiming.mark('ready');
    this.updatePanels();
    notices.status(MODE_HINTS[this.mode]);
    if (this.mode === 'everything') this.auto.draw();
  }

  private resetImageState(): void {
    this.auto.reset();
    this.review.reset();
    this.prompt.reset();
    this.objects.reset();
    select(null);
    this.decoder.cancelHover();
    this.loaded?.bitmap?.close();
    this.objects.render();
    this.updatePanels();
  }

  /** The stage changed size: re-fit the image and re-render every layer at the new display size. */
  private async relayout(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded || !this.viewer.layout(loaded.info)) return;
    await this.decoder.setDisplay(this.viewer.display);
    this.objects.crops.clear();
    await this.objects.refresh(false);
    await this.auto.repaint();
    await this.review.draw();
    await this.prompt.repaint();
    this.drawLive();
  }

  // ---------------------------------------------------------------- modes and pointer

  private setMode(mode: Mode): void {
    const prev = this.mode;
    this.mode = mode;
    document.body.dataset.mode = mode;
    document.querySelectorAll<HTMLButtonElement>('.tool').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === mode)));
    $('panel-auto').hidden = mode !== 'everything';
    $('panel-current').hidden = mode === 'edit';
    this.prompt.preview = null;
    this.decoder.cancelHover();
    // The candidates view decodes with a different token rule: redo the last step.
    if ((prev === 'candidates') !== (mode === 'candidates') && this.prompt.steps.length) this.prompt.invalidate(this.prompt.steps.length - 1);
    this.notices.status(this.loaded ? MODE_HINTS[mode] : 'Open an image to start.');
    $('shortcut-line').innerHTML = '<kbd>↵</kbd> accept <kbd>Esc</kbd> clear <kbd>Ctrl</kbd>+<kbd>Z</kbd> undo <kbd>?</kbd> all shortcuts';
    if (this.loaded) {
      this.auto.draw();
      this.drawLive();
    }
    this.editor.modeChanged();
    this.updatePanels();
  }

  /** The live layer: the highlighted automatic masks in Everything mode, else the prompt and its mask. */
  private drawLive(): void {
    if (this.mode === 'everything') this.auto.drawLive();
    else if (this.mode === 'edit') this.editor.draw();
    else this.prompt.draw();
  }

  private onPointerMove(e: PointerEvent): void {
    const loaded = this.loaded;
    if (!loaded?.ready) return;
    if (this.mode === 'edit') { this.editor.pointerMove(e); return; }
    const p = this.viewer.imagePoint(e.clientX, e.clientY, loaded.info);
    const drag = this.prompt.drag;
    if (drag) {
      drag.x1 = p.x; drag.y1 = p.y;
      const s = this.viewer.screenScale(loaded.info);
      if (Math.hypot((drag.x1 - drag.x0) * s, (drag.y1 - drag.y0) * s) > 4) drag.moved = true;
      if (this.mode === 'box' && drag.moved) this.drawLive();
      return;
    }
    if (this.mode === 'everything') { this.auto.hover(this.auto.maskAt(p.dx, p.dy)); return; }
    if (this.mode !== 'hover' || this.prompt.steps.length) return;
    const prompt: PromptInput = { points: [p.x, p.y], labels: [1], box: null, maskInput: null };
    void this.decoder.hover(prompt).then((r) => {
      if (!r || loaded !== this.loaded || this.mode !== 'hover' || this.prompt.steps.length) return;
      this.prompt.preview = { result: r, token: r.token, points: prompt.points, labels: prompt.labels, box: null };
      this.drawLive();
      this.updateCurrent();
    });
  }

  private onPointerLeave(): void {
    if (this.mode === 'edit') { this.editor.pointerLeave(); return; }
    if (this.prompt.drag) return;
    this.decoder.cancelHover();
    if (this.auto.state && this.auto.state.hover >= 0) this.auto.hover(-1);
    if (this.prompt.preview && !this.prompt.steps.length) { this.prompt.preview = null; this.drawLive(); this.updateCurrent(); }
  }

  private onPointerDown(e: PointerEvent): void {
    if (this.mode === 'edit') { this.editor.pointerDown(e); return; }
    if (!this.loaded?.ready || (e.button !== 0 && e.button !== 2)) return;
    const p = this.viewer.imagePoint(e.clientX, e.clientY, this.loaded.info);
    e.preventDefault();
    this.viewer.layers.live.setPointerCapture(e.pointerId);
    this.prompt.drag = { x0: p.x, y0: p.y, x1: p.x, y1: p.y, moved: false, button: e.button };
  }

  private onPointerUp(e: PointerEvent): void {
    if (this.mode === 'edit') { this.editor.pointerUp(e); return; }
    const drag = this.prompt.drag;
    this.prompt.drag = null;
    const loaded = this.loaded;
    if (!drag || !loaded?.ready) return;
    const p = this.viewer.imagePoint(e.clientX, e.clientY, loaded.info);
    if (this.mode === 'box' && drag.moved && drag.button === 0) {
      const { width: W, height: H } = loaded.info;
      const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
      this.prompt.setBox([clamp(Math.min(drag.x0, p.x), W), clamp(Math.min(drag.y0, p.y), H), clamp(Math.max(drag.x0, p.x), W), clamp(Math.max(drag.y0, p.y), H)]);
      this.drawLive();
      return;
    }
    if (drag.moved && this.mode !== 'box') return;
    if (this.mode === 'everything') {
      this.auto.select(this.auto.maskAt(p.dx, p.dy));
      this.updatePanels();
      return;
    }
    const hit = this.prompt.pointNear(e.clientX, e.clientY);
    if (hit >= 0) this.prompt.removeStep(hit);
    else this.prompt.addPoint(p.x, p.y, drag.button === 2 || e.altKey || e.shiftKey ? 0 : 1);
    this.prompt.preview = null;
    this.decoder.cancelHover();
    this.drawLive();
  }

  private removeLastPoint(): void {
    if (this.prompt.removeLastPoint()) this.drawLive();
  }

  private clearPrompt(): void {
    this.prompt.reset();
    if (this.auto.state) this.auto.state.selected = -1;
    if (this.loaded) this.drawLive();
    this.updatePanels();
  }

  private chooseCandidate(n: number): void {
    if (!this.prompt.choose(n)) return;
    this.drawLive();
    this.updatePanels();
  }

  // ---------------------------------------------------------------- accepting objects

  private async accept(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded?.ready) return;
    const label = this.labels.value;
    const { width: W, height: H } = loaded.info;
    if (this.mode === 'everything') {
      const obj = this.auto.takeSelected(label);
      if (!obj) { this.notices.status('Click a mask to select it first.'); return; }
      this.objects.add(obj);
      this.labels.clear();
      this.notices.status(`Accepted ${LabelFlow.describe(label)}.`);
      return;
    }
    await this.prompt.settled();
    const shown = this.prompt.shown;
    if (!shown) { this.notices.status('Nothing to accept: hover over or click an object first.'); return; }
    const source = this.prompt.sourceOf();
    const f = await this.decoder.finalize(plane(shown.result.logits, shown.token));
    if (loaded !== this.loaded) return;
    if (f.area === 0) { this.notices.status('The mask is empty at full resolution; nothing accepted.'); return; }
    const pointCoords: Array<[number, number]> = [];
    for (let i = 0; i + 1 < shown.points.length; i += 2) pointCoords.push([shown.points[i], shown.points[i + 1]]);
    const obj: AnnotationObject = {
      id: newId(), label, segmentation: f.rle, area: f.area, bbox: f.bbox,
      predictedIou: shown.result.scores[shown.token], stabilityScore: f.stability,
      pointCoords, pointLabels: [...shown.labels], box: shown.box, cropBox: [0, 0, W, H],
      source, visible: true, createdAt: new Date().toISOString(),
    };
    // Edit mode refines from these, as the next click would (hover previews skip the padding: not kept).
    if (shown !== this.prompt.preview) rememberLogits(obj, plane(shown.result.logits, shown.token).slice());
    this.clearPrompt();
    this.objects.add(obj);
    this.labels.clear();
    this.notices.status(`Accepted ${LabelFlow.describe(label)} (${fmtInt(f.area)} px).`);
  }

  private acceptAllAuto(): void {
    const label = this.labels.value;
    const add = this.auto.takeAll(label, this.objects.all.map((o) => o.segmentation));
    if (!add.length) { this.notices.status('Nothing to add: every automatic mask is accepted or duplicates an object.'); return; }
    this.objects.add(...add);
    this.labels.clear();
    this.notices.status(`Accepted ${add.length} automatic mask${add.length === 1 ? '' : 's'}${label ? ` as “${label}”` : ' with no label'}.`);
  }

  private undo(): void {
    if (this.objects.undo()) this.notices.status('Undone.');
  }

  private redo(): void {
    if (this.objects.redo()) this.notices.status('Redone.');
  }

  // ---------------------------------------------------------------- side panels

  private updatePanels(): void {
    this.updateCurrent();
    const hasPrompt = this.prompt.steps.length > 0 || (this.auto.state?.selected ?? -1) >= 0;
    $<HTMLButtonElement>('clear-button').disabled = !hasPrompt;
    $<HTMLButtonElement>('auto-run').disabled = !this.loaded?.ready || this.auto.running;
    $<HTMLButtonElement>('export-button').disabled = !this.loaded;
  }

  private updateCurrent(): void {
    renderCurrentPanel({
      mode: () => this.mode, loaded: () => this.loaded, model: () => this.model,
      prompt: this.prompt, auto: this.auto, choose: (n) => this.chooseCandidate(n),
    });
  }
}

const app = new App();
void app.start().catch((err: unknown) => {
  console.error(err);
});
// A project folder (`samkit app <dir>`): the image list drives the page through the URL hash.
void new ProjectPanel(document.querySelector<HTMLElement>('.sidebar')!, app.keymap, app.labels).start();
