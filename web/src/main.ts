/**
 * The annotation page. The server encodes each image once; prompts are decoded here, in a worker,
 * so hovering and clicking never wait for the network. Canvases are redrawn on events only.
 */
import { preprocessShape } from '../../src/core/transforms.js';
import { ProjectPanel } from './project-panel.js';
import {
  AUTO_DEFAULTS, type AnnotationObject, type AutoOptions, type AutoRecord, type ImageInfo, type ModelInfo, type ObjectSource,
} from '../../src/server/protocol.js';
import { api, ApiError, UnreachableError } from './api.js';
import { DecoderClient } from './decoder-client.js';
import { mountFindPanel } from './find-panel.js';
import { History } from './history.js';
import { COLORS, compositeCrops, LIVE_COLOR } from './paint.js';
import type { DecodeResult, DisplayCrop, HoverVia, PromptInput, Rgb } from './worker-protocol.js';

type Mode = 'hover' | 'click' | 'box' | 'candidates' | 'everything';
type Step = { kind: 'point'; x: number; y: number; label: 0 | 1 } | { kind: 'box'; box: [number, number, number, number] };

interface Shown {
  result: DecodeResult;
  token: number;
  points: number[];
  labels: number[];
  box: [number, number, number, number] | null;
}

interface Loaded {
  seq: number;
  info: ImageInfo;
  blob: Blob;
  bitmap: ImageBitmap | null;
  ready: boolean;
}

interface AutoState {
  records: AutoRecord[];
  crops: DisplayCrop[];
  labelMap: Int32Array | null;
  hover: number;
  selected: number;
  accepted: Set<number>;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const MODE_HINTS: Record<Mode, string> = {
  hover: 'Hover to see the object under the pointer · click to pin it and refine',
  click: 'Left click: include · right, Alt or Shift click: exclude · click a point to remove it',
  box: 'Drag a box around the object · then click to refine',
  candidates: 'Click the object · choose one of the three candidates with 1, 2, 3',
  everything: 'Generate masks for the whole image · hover to highlight · click to select',
};

const FORMATS_NEEDING_POLYGONS = new Set(['coco-polygons', 'yolo']);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fmtInt = (n: number): string => n.toLocaleString('en-US');

function newId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

function plane(logits: Float32Array, token: number, size = 256 * 256): Float32Array {
  return logits.subarray(token * size, (token + 1) * size);
}

/** Saves annotation documents one at a time per image, always the newest, retrying while offline. */
class Saver {
  private readonly pending = new Map<string, AnnotationObject[]>();
  private running: Promise<void> | null = null;

  constructor(private readonly onStatus: (state: 'saving' | 'saved' | 'offline' | 'error', message?: string) => void) {}

  schedule(imageId: string, objects: AnnotationObject[]): void {
    this.pending.set(imageId, objects);
    this.running ??= this.loop().finally(() => { this.running = null; });
  }

  private async loop(): Promise<void> {
    while (this.pending.size) {
      const [id, objects] = this.pending.entries().next().value as [string, AnnotationObject[]];
      this.pending.delete(id);
      this.onStatus('saving');
      try {
        await api.saveAnnotations(id, objects);
        if (!this.pending.size) this.onStatus('saved');
      } catch (err) {
        if (err instanceof UnreachableError) {
          if (!this.pending.has(id)) this.pending.set(id, objects);
          this.onStatus('offline');
          await sleep(2000);
        } else {
          this.onStatus('error', (err as Error).message);
        }
      }
    }
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
  }
}

class App {
  private readonly stage = $('stage');
  private readonly wrap = $('canvas-wrap');
  private readonly layers = {
    image: $<HTMLCanvasElement>('layer-image'),
    objects: $<HTMLCanvasElement>('layer-objects'),
    auto: $<HTMLCanvasElement>('layer-auto'),
    live: $<HTMLCanvasElement>('layer-live'),
  };
  private readonly ctx = {
    image: this.layers.image.getContext('2d')!,
    objects: this.layers.objects.getContext('2d')!,
    auto: this.layers.auto.getContext('2d')!,
    live: this.layers.live.getContext('2d')!,
  };
  private readonly labelInput = $<HTMLInputElement>('label-input');
  private readonly decoder = new DecoderClient('/decoder-worker.js');
  private decoderReady: Promise<boolean> = Promise.resolve(false);
  private model: ModelInfo | null = null;
  private modelReady: Promise<ModelInfo | null> = Promise.resolve(null);

  private mode: Mode = 'hover';
  private loaded: Loaded | null = null;
  private loadSeq = 0;
  private display = { width: 0, height: 0 };

  private steps: Step[] = [];
  /** Chosen-token low-res logits after each step: the mask input of the next one. */
  private chain: Float32Array[] = [];
  private dirtyFrom = Infinity;
  private promptQueue: Promise<void> = Promise.resolve();
  private current: Shown | null = null;
  private preview: Shown | null = null;
  private lastPointer: { x: number; y: number } | null = null;
  private drag: { x0: number; y0: number; x1: number; y1: number; moved: boolean; button: number } | null = null;

  private objects: AnnotationObject[] = [];
  private readonly history = new History<AnnotationObject[]>([]);
  private readonly crops = new Map<string, DisplayCrop>();
  private readonly colors = new Map<string, Rgb>();
  private colorCounter = 0;
  private hotObject: string | null = null;

  private auto: AutoState | null = null;
  private autoRun: AbortController | null = null;

  private readonly saver = new Saver((state, message) => this.setSaveStatus(state, message));
  private healthTimer: number | null = null;

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
    this.setChip('chip-decoder', `${this.decoderChip} · hover ${cal.via === 'server' ? 'on server' : 'in page'}`, 'ok');
    if (!force) $('chip-decoder').title += `\nHover decoding timed on this image: in the page ${ms(cal.pageMs)}, on the server ${ms(cal.serverMs)}; hovers use the ${cal.via === 'server' ? 'server' : 'page'} (?hover=page or ?hover=server to choose).`;
  }

  async start(): Promise<void> {
    this.wireEvents();
    // The Find box (text prompts) is its own module; it only needs the open image and a way to add objects.
    mountFindPanel({ imageId: () => this.loaded?.info.id ?? null, addObjects: (objs) => this.commit([...this.objects, ...objs]) });
    this.setMode('hover');
    this.renderObjectList();
    const modelInfo = api.model();
    this.modelReady = modelInfo.catch(() => null);
    let model: ModelInfo;
    try {
      model = await modelInfo;
    } catch (err) {
      this.setChip('chip-decoder', 'Decoder · unavailable', 'bad');
      this.showError(err instanceof ApiError ? `The model could not be loaded: ${err.message.replace(/^model error: /, '')}` : err);
      return;
    }
    this.model = model;
    const { maxUploadBytes, maxPixels } = model.limits;
    $('limits-text').textContent = `Up to ${Math.round(maxUploadBytes / (1024 * 1024))} MB and ${Math.round(maxPixels / 1e6)} megapixels. Masks are kept at the image's full resolution.`;
    const threadParam = Number(new URLSearchParams(location.search).get('threads'));
    const threads = threadParam > 0 ? threadParam : Math.min(4, navigator.hardwareConcurrency || 1);
    this.decoderReady = this.decoder.init(model.decoderUrl, threads, model.hoverDecoder).then(
      ({ threads, isolated, split }) => {
        this.decoderChip = `Decoder · WASM ×${threads}${isolated ? '' : ' (not isolated)'}`;
        this.setChip('chip-decoder', this.decoderChip, 'ok');
        $('chip-decoder').title = `Prompt decoder in this browser: onnxruntime-web, ${threads} thread${threads === 1 ? '' : 's'}${split ? ', hover graph split' : ''}`;
        return true;
      },
      (err: unknown) => {
        this.setChip('chip-decoder', 'Decoder · failed', 'bad');
        this.showError(`The prompt decoder could not start in this browser: ${(err as Error).message}`);
        return false;
      },
    );
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

    const live = this.layers.live;
    live.addEventListener('pointermove', (e) => this.onPointerMove(e));
    live.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    live.addEventListener('pointerup', (e) => this.onPointerUp(e));
    live.addEventListener('pointerleave', () => this.onPointerLeave());
    live.addEventListener('contextmenu', (e) => e.preventDefault());

    $('accept-button').addEventListener('click', () => void this.accept());
    $('clear-button').addEventListener('click', () => this.clearPrompt());
    this.labelInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); void this.accept(); }
      if (e.key === 'Escape') { this.labelInput.blur(); this.clearPrompt(); }
    });
    $('undo-button').addEventListener('click', () => this.undo());
    $('redo-button').addEventListener('click', () => this.redo());
    $('export-button').addEventListener('click', () => void this.exportAnnotations());
    $('auto-run').addEventListener('click', () => void this.runAuto());
    $('auto-cancel').addEventListener('click', () => this.autoRun?.abort());
    $('auto-accept-all').addEventListener('click', () => this.acceptAllAuto());
    $('banner-close').addEventListener('click', () => { $('banner').hidden = true; });
    $('help-button').addEventListener('click', () => this.toggleHelp());
    $('help-close').addEventListener('click', () => this.toggleHelp(false));
    $('help').addEventListener('click', (e) => { if (e.target === $('help')) this.toggleHelp(false); });

    document.addEventListener('keydown', (e) => this.onKey(e));
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
    }).observe(this.stage);
    window.addEventListener('hashchange', () => {
      const m = /^#([0-9a-f]{64})$/.exec(location.hash);
      if (m && m[1] !== this.loaded?.info.id) void this.openById(m[1]);
    });
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && (e.key === 'z' || e.key === 'Z') && !typing) {
      e.preventDefault();
      if (e.shiftKey) this.redo(); else this.undo();
      return;
    }
    if (mod && (e.key === 'y' || e.key === 'Y') && !typing) { e.preventDefault(); this.redo(); return; }
    if (typing || mod || e.altKey) return;
    const modes: Record<string, Mode> = { h: 'hover', c: 'click', b: 'box', m: 'candidates', e: 'everything' };
    const key = e.key.toLowerCase();
    if (modes[key]) { this.setMode(modes[key]); return; }
    switch (e.key) {
      case 'Enter': e.preventDefault(); void this.accept(); break;
      case 'Escape': if (!$('help').hidden) this.toggleHelp(false); else this.clearPrompt(); break;
      case 'Backspace': case 'Delete': e.preventDefault(); this.removeLastPoint(); break;
      case '1': case '2': case '3': this.chooseCandidate(Number(e.key)); break;
      case 'o': case 'O': $<HTMLInputElement>('file-input').click(); break;
      case '?': this.toggleHelp(); break;
      case 'l': case 'L': e.preventDefault(); this.labelInput.focus(); this.labelInput.select(); break;
    }
  }

  private toggleHelp(show?: boolean): void {
    const el = $('help');
    el.hidden = show === undefined ? !el.hidden : !show;
  }

  // ---------------------------------------------------------------- status and messages

  private setChip(id: string, text: string, kind?: 'ok' | 'warn' | 'bad'): void {
    const el = $(id);
    el.hidden = false;
    el.textContent = text;
    el.className = `chip${kind ? ` ${kind}` : ''}`;
  }

  private setSaveStatus(state: 'saving' | 'saved' | 'offline' | 'error', message?: string): void {
    if (state === 'saving') this.setChip('chip-save', 'Saving…');
    else if (state === 'saved') {
      this.setChip('chip-save', 'All changes saved', 'ok');
      if ($('banner').dataset.kind === 'offline') $('banner').hidden = true;
    } else if (state === 'offline') {
      this.setChip('chip-save', 'Not saved · offline', 'bad');
      this.showError(new UnreachableError(), 'offline');
    } else {
      this.setChip('chip-save', 'Not saved', 'bad');
      this.showError(`Annotations could not be saved: ${message ?? ''}`);
    }
  }

  private status(text: string): void {
    $('status-text').textContent = text;
  }

  private showError(err: unknown, kind = 'error'): void {
    const message = typeof err === 'string' ? err : err instanceof Error ? err.message : String(err);
    const banner = $('banner');
    banner.className = 'banner';
    banner.dataset.kind = err instanceof UnreachableError ? 'offline' : kind;
    $('banner-text').textContent = message.charAt(0).toUpperCase() + message.slice(1);
    banner.hidden = false;
    if (err instanceof UnreachableError) this.watchHealth();
  }

  private showInfo(message: string): void {
    const banner = $('banner');
    banner.className = 'banner info';
    banner.dataset.kind = 'info';
    $('banner-text').textContent = message;
    banner.hidden = false;
  }

  /** While the server is unreachable, poll it and clear the message once it answers. */
  private watchHealth(): void {
    if (this.healthTimer !== null) return;
    this.healthTimer = window.setInterval(() => {
      api.health().then(() => {
        if (this.healthTimer !== null) clearInterval(this.healthTimer);
        this.healthTimer = null;
        if ($('banner').dataset.kind === 'offline') $('banner').hidden = true;
      }, () => undefined);
    }, 2000);
  }

  private setOverlay(text: string | null, sub = '', progress?: { to: number; ms: number }): void {
    const overlay = $('overlay');
    if (text === null) { overlay.hidden = true; return; }
    overlay.hidden = false;
    $('overlay-text').textContent = text;
    $('overlay-sub').textContent = sub;
    const bar = $('overlay-bar');
    if (progress) {
      // A CSS transition animates the estimate; nothing redraws from script.
      bar.style.transition = 'none';
      bar.style.width = bar.dataset.from ?? '0%';
      void bar.offsetWidth;
      bar.style.transition = `width ${progress.ms}ms cubic-bezier(.2,.6,.4,1)`;
      bar.style.width = `${Math.round(progress.to * 100)}%`;
      bar.dataset.from = bar.style.width;
    }
  }

  private setState(state: 'empty' | 'loading' | 'ready' | 'error'): void {
    document.body.dataset.state = state;
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
    // A file chosen while the page is still starting waits for the server's model info.
    if (!this.model) {
      this.setOverlay('Loading the model…');
      await this.modelReady;
      this.setOverlay(null);
    }
    if (!this.model) { this.showError('The server has no model loaded, so images cannot be opened; see the message above or the server log.'); return; }
    const limit = this.model.limits.maxUploadBytes;
    if (file.size > limit) {
      this.showError(`${file.name} is ${(file.size / (1024 * 1024)).toFixed(1)} MB; the upload limit is ${Math.round(limit / (1024 * 1024))} MB.`);
      return;
    }
    const seq = ++this.loadSeq;
    this.setState('loading');
    $('banner').hidden = true;
    this.setOverlay(`Uploading ${file.name}…`, '', { to: 0.05, ms: 200 });
    try {
      const up = await api.upload(file, file.name || 'pasted-image', (f) => {
        if (seq === this.loadSeq) this.setOverlay(`Uploading ${file.name}…`, `${Math.round(f * 100)}%`);
      });
      if (seq !== this.loadSeq) return;
      if (this.model && up.encodeMsEstimate > 0) this.model.encodeMsEstimate = up.encodeMsEstimate;
      await this.showImage(seq, up.image, file, up.embedded);
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.setOverlay(null);
      this.setState(this.loaded ? 'ready' : 'empty');
      this.showError(err);
    }
  }

  private async openById(id: string): Promise<void> {
    const seq = ++this.loadSeq;
    this.setState('loading');
    try {
      const info = await api.image(id);
      const blob = await api.imageBlob(id);
      if (seq !== this.loadSeq) return;
      await this.showImage(seq, info, blob, false);
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.setOverlay(null);
      this.setState(this.loaded ? 'ready' : 'empty');
      this.showError(err instanceof ApiError && err.status === 404 ? 'That image is no longer on this server; open the file again.' : err);
      if (!this.loaded) history.replaceState(null, '', location.pathname);
    }
  }

  private async showImage(seq: number, info: ImageInfo, blob: Blob, embedded: boolean): Promise<void> {
    await this.saver.flush();
    // A newer open started while the last image's edits were saved: it wins (and owns the URL hash).
    if (seq !== this.loadSeq) return;
    this.autoRun?.abort();
    this.resetImageState();
    const loaded: Loaded = { seq, info, blob, bitmap: null, ready: false };
    this.loaded = loaded;
    history.replaceState(null, '', `#${info.id}`);
    document.title = `${info.name} · samkit`;
    this.status(`Opening ${info.name}…`);
    $('image-title').innerHTML = '';
    const b = document.createElement('b');
    b.textContent = info.name;
    $('image-title').append(b, ` · ${info.width} × ${info.height}`);
    $('empty').hidden = true;
    this.setChip('chip-embedding', 'Embedding · …');

    const est = this.model?.encodeMsEstimate ?? 1500;
    this.setOverlay(embedded ? 'Loading the image embedding…' : 'Computing the image embedding…',
      embedded ? 'precomputed by samkit embed' : `on the server, usually about ${Math.max(1, Math.round(est / 1000))} s`, { to: 0.92, ms: embedded ? 400 : est });
    const t0 = performance.now();
    const embeddingPromise = api.embedding(info.id);
    embeddingPromise.catch(() => undefined);

    this.computeLayout();
    loaded.bitmap = await this.makeBitmap(blob);
    if (seq !== this.loadSeq) return;
    await this.decoder.setImage({ width: info.width, height: info.height }, this.display, this.model?.inputSize ?? 1024, this.model?.maskInputSize ?? 256,
      new URL(`/api/images/${info.id}/decode`, location.href).href);
    this.drawImageLayer();
    this.wrap.hidden = false;

    const [annotations] = await Promise.all([api.annotations(info.id).catch(() => null)]);
    if (seq !== this.loadSeq) return;
    if (annotations) {
      this.objects = annotations.objects;
      this.history.reset(this.objects);
      await this.refreshObjects(false);
    }

    let emb: { data: Float32Array; dims: number[]; source: string };
    try {
      emb = await embeddingPromise;
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.setOverlay(null);
      this.setState('error');
      this.setChip('chip-embedding', 'Embedding · failed', 'bad');
      this.showError(err instanceof ApiError && err.status === 503 ? `The model failed: ${err.message.replace(/^model error: /, '')}` : err);
      return;
    }
    if (seq !== this.loadSeq) return;
    const ms = performance.now() - t0;
    await this.decoder.setEmbedding(emb.data, emb.dims);
    const decoderOk = await this.decoderReady;
    if (seq !== this.loadSeq) return;
    // onnxruntime's first run on a new input allocates and plans: do it before the first hover, and on
    // the first image time the page's and the server's decoders to hover with the faster one (before
    // the image is ready: hovers meanwhile would skew the timings; later images only warm up the
    // chosen side).
    if (decoderOk) await this.chooseHoverDecoder([info.width / 2, info.height / 2], seq);
    if (seq !== this.loadSeq) return;
    this.setOverlay(null);
    this.setChip('chip-embedding', emb.source === 'computed' ? `Embedding · computed in ${(ms / 1000).toFixed(1)} s` : 'Embedding · cached', 'ok');
    if (!decoderOk) { this.setState('error'); return; }
    loaded.ready = true;
    this.setState('ready');
    this.updatePanels();
    this.status(MODE_HINTS[this.mode]);
    if (this.mode === 'everything') this.drawAuto();
  }

  private resetImageState(): void {
    this.resetPromptState();
    this.auto = null;
    this.objects = [];
    this.history.reset([]);
    this.crops.clear();
    this.colors.clear();
    this.colorCounter = 0;
    this.decoder.cancelHover();
    this.loaded?.bitmap?.close();
    $('auto-result').hidden = true;
    $('auto-progress').hidden = true;
    this.renderObjectList();
    this.updatePanels();
  }

  private async makeBitmap(blob: Blob): Promise<ImageBitmap> {
    try {
      return await createImageBitmap(blob, { resizeWidth: this.display.width, resizeHeight: this.display.height, resizeQuality: 'high' });
    } catch {
      throw new ApiError(422, 'this browser cannot display the image', 'DISPLAY');
    }
  }

  // ---------------------------------------------------------------- layout and layers

  /** Fit the image in the stage; returns whether the canvas size changed. */
  private computeLayout(): boolean {
    if (!this.loaded) return false;
    const { width: W, height: H } = this.loaded.info;
    const pad = 20;
    const sw = this.stage.clientWidth;
    const sh = this.stage.clientHeight;
    const scale = Math.min((sw - 2 * pad) / W, (sh - 2 * pad) / H);
    const cssW = Math.max(1, Math.floor(W * scale));
    const cssH = Math.max(1, Math.floor(H * scale));
    Object.assign(this.wrap.style, {
      left: `${Math.floor((sw - cssW) / 2)}px`, top: `${Math.floor((sh - cssH) / 2)}px`, width: `${cssW}px`, height: `${cssH}px`,
    });
    let dpr = window.devicePixelRatio || 1;
    // Keep the overlays cheap to paint on very dense screens.
    if (cssW * cssH * dpr * dpr > 4e6) dpr = Math.sqrt(4e6 / (cssW * cssH));
    const dw = Math.max(1, Math.round(cssW * dpr));
    const dh = Math.max(1, Math.round(cssH * dpr));
    if (dw === this.display.width && dh === this.display.height) return false;
    this.display = { width: dw, height: dh };
    for (const c of Object.values(this.layers)) { c.width = dw; c.height = dh; }
    return true;
  }

  private async relayout(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded || !this.computeLayout()) return;
    loaded.bitmap?.close();
    loaded.bitmap = await this.makeBitmap(loaded.blob);
    await this.decoder.setDisplay(this.display);
    this.drawImageLayer();
    this.crops.clear();
    await this.refreshObjects(false);
    if (this.auto) {
      const r = await this.decoder.rasterize(this.auto.records.map((x) => x.segmentation), true);
      this.auto.crops = r.crops;
      this.auto.labelMap = r.labelMap;
    }
    this.drawAuto();
    this.preview = null;
    const shown = this.current;
    if (shown) {
      shown.result.painted = await Promise.all(shown.result.painted.map((x, t) => (x ? this.decoder.render(plane(shown.result.logits, t), LIVE_COLOR) : null)));
    }
    this.drawLive();
  }

  private drawImageLayer(): void {
    const bitmap = this.loaded?.bitmap;
    if (!bitmap) return;
    this.ctx.image.drawImage(bitmap, 0, 0, this.display.width, this.display.height);
  }

  private colorOf(id: string): Rgb {
    let c = this.colors.get(id);
    if (!c) {
      c = COLORS[this.colorCounter++ % COLORS.length];
      this.colors.set(id, c);
    }
    return c;
  }

  private drawObjects(): void {
    const { width: dw, height: dh } = this.display;
    const items = this.objects
      .filter((o) => o.visible && this.crops.has(o.id))
      .map((o) => ({ crop: this.crops.get(o.id)!, color: this.colorOf(o.id), alpha: o.id === this.hotObject ? 0.7 : 0.4, outline: true }));
    if (!items.length) { this.ctx.objects.clearRect(0, 0, dw, dh); return; }
    const buf = new Uint8ClampedArray(dw * dh * 4);
    compositeCrops(buf, dw, dh, items);
    this.ctx.objects.putImageData(new ImageData(buf, dw, dh), 0, 0);
  }

  private drawAuto(): void {
    const { width: dw, height: dh } = this.display;
    const a = this.auto;
    if (this.mode !== 'everything' || !a || !a.crops.length) { this.ctx.auto.clearRect(0, 0, dw, dh); return; }
    const order = a.crops.map((_, i) => i).sort((x, y) => a.crops[y].w * a.crops[y].h - a.crops[x].w * a.crops[x].h);
    const buf = new Uint8ClampedArray(dw * dh * 4);
    compositeCrops(buf, dw, dh, order.map((i) => ({ crop: a.crops[i], color: COLORS[i % COLORS.length], alpha: a.accepted.has(i) ? 0.15 : 0.38, outline: true })));
    this.ctx.auto.putImageData(new ImageData(buf, dw, dh), 0, 0);
  }

  /** The live layer: the current mask and its prompt, or the highlighted automatic mask. */
  private drawLive(): void {
    const { width: dw, height: dh } = this.display;
    const ctx = this.ctx.live;
    if (this.mode === 'everything') {
      const a = this.auto;
      const picks = a ? [a.selected, a.hover].filter((i, k, arr) => i >= 0 && arr.indexOf(i) === k) : [];
      if (!a || !picks.length) { ctx.clearRect(0, 0, dw, dh); return; }
      const buf = new Uint8ClampedArray(dw * dh * 4);
      compositeCrops(buf, dw, dh, picks.map((i) => ({ crop: a.crops[i], color: i === a.selected ? LIVE_COLOR : [255, 255, 255] as Rgb, alpha: i === a.selected ? 0.55 : 0.35, outline: true })));
      ctx.putImageData(new ImageData(buf, dw, dh), 0, 0);
      return;
    }
    const shown = this.current ?? (this.steps.length ? null : this.preview);
    const painted = shown?.result.painted[shown.token];
    ctx.clearRect(0, 0, dw, dh);
    if (painted && painted.area > 0 && painted.displayWidth === dw && painted.displayHeight === dh) {
      ctx.putImageData(new ImageData(painted.rgba, painted.w, painted.h), painted.x, painted.y);
    }
    const sx = dw / (this.loaded?.info.width ?? 1);
    const sy = dh / (this.loaded?.info.height ?? 1);
    const unit = dw / this.layers.live.clientWidth || 1;
    const drawBox = (x0: number, y0: number, x1: number, y1: number, dashed: boolean): void => {
      ctx.save();
      ctx.lineWidth = 2 * unit;
      ctx.strokeStyle = '#ffffff';
      ctx.shadowColor = 'rgba(0,0,0,.8)';
      ctx.shadowBlur = 3 * unit;
      if (dashed) ctx.setLineDash([6 * unit, 4 * unit]);
      ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      ctx.restore();
    };
    for (const s of this.steps) if (s.kind === 'box') drawBox(s.box[0] * sx, s.box[1] * sy, s.box[2] * sx, s.box[3] * sy, false);
    if (this.drag?.moved && this.mode === 'box') drawBox(this.drag.x0 * sx, this.drag.y0 * sy, this.drag.x1 * sx, this.drag.y1 * sy, true);
    for (const s of this.steps) {
      if (s.kind !== 'point') continue;
      ctx.beginPath();
      ctx.arc(s.x * sx, s.y * sy, 6 * unit, 0, Math.PI * 2);
      ctx.fillStyle = s.label ? '#3ccf7a' : '#ff5a5a';
      ctx.fill();
      ctx.lineWidth = 2 * unit;
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
    }
  }

  // ---------------------------------------------------------------- modes and prompts

  private setMode(mode: Mode): void {
    const prev = this.mode;
    this.mode = mode;
    document.body.dataset.mode = mode;
    document.querySelectorAll<HTMLButtonElement>('.tool').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === mode)));
    $('panel-auto').hidden = mode !== 'everything';
    this.preview = null;
    this.decoder.cancelHover();
    // The candidates view decodes with a different token rule: redo the last step.
    if ((prev === 'candidates') !== (mode === 'candidates') && this.steps.length) this.invalidate(this.steps.length - 1);
    this.status(this.loaded ? MODE_HINTS[mode] : 'Open an image to start.');
    $('shortcut-line').innerHTML = '<kbd>↵</kbd> accept <kbd>Esc</kbd> clear <kbd>Ctrl</kbd>+<kbd>Z</kbd> undo <kbd>?</kbd> all shortcuts';
    if (this.loaded) {
      this.drawAuto();
      this.drawLive();
    }
    this.updatePanels();
  }

  private imagePoint(e: PointerEvent): { x: number; y: number; dx: number; dy: number } | null {
    const info = this.loaded?.info;
    if (!info) return null;
    const rect = this.layers.live.getBoundingClientRect();
    const fx = Math.min(Math.max((e.clientX - rect.left) / rect.width, 0), 1);
    const fy = Math.min(Math.max((e.clientY - rect.top) / rect.height, 0), 1);
    return {
      x: fx * info.width, y: fy * info.height,
      dx: Math.min(this.display.width - 1, Math.floor(fx * this.display.width)), dy: Math.min(this.display.height - 1, Math.floor(fy * this.display.height)),
    };
  }

  private onPointerMove(e: PointerEvent): void {
    const p = this.imagePoint(e);
    if (!p || !this.loaded?.ready) return;
    this.lastPointer = { x: e.clientX, y: e.clientY };
    if (this.drag) {
      this.drag.x1 = p.x; this.drag.y1 = p.y;
      const rect = this.layers.live.getBoundingClientRect();
      const sx = rect.width / this.loaded.info.width;
      if (Math.hypot((this.drag.x1 - this.drag.x0) * sx, (this.drag.y1 - this.drag.y0) * sx) > 4) this.drag.moved = true;
      if (this.mode === 'box' && this.drag.moved) this.drawLive();
      return;
    }
    if (this.mode === 'everything') {
      const a = this.auto;
      if (!a?.labelMap) return;
      const idx = a.labelMap[p.dy * this.display.width + p.dx];
      if (idx !== a.hover) { a.hover = idx; this.drawLive(); }
      return;
    }
    if (this.mode !== 'hover' || this.steps.length) return;
    const loaded = this.loaded;
    const prompt: PromptInput = { points: [p.x, p.y], labels: [1], box: null, maskInput: null };
    void this.decoder.hover(prompt).then((r) => {
      if (!r || loaded !== this.loaded || this.mode !== 'hover' || this.steps.length) return;
      this.preview = { result: r, token: r.token, points: prompt.points, labels: prompt.labels, box: null };
      this.drawLive();
      this.updateCurrentPanel();
    });
  }

  private onPointerLeave(): void {
    if (this.drag) return;
    this.decoder.cancelHover();
    if (this.auto && this.auto.hover >= 0) { this.auto.hover = -1; this.drawLive(); }
    if (this.preview && !this.steps.length) { this.preview = null; this.drawLive(); this.updateCurrentPanel(); }
  }

  private onPointerDown(e: PointerEvent): void {
    if (!this.loaded?.ready || (e.button !== 0 && e.button !== 2)) return;
    const p = this.imagePoint(e);
    if (!p) return;
    e.preventDefault();
    this.layers.live.setPointerCapture(e.pointerId);
    this.drag = { x0: p.x, y0: p.y, x1: p.x, y1: p.y, moved: false, button: e.button };
  }

  private onPointerUp(e: PointerEvent): void {
    const drag = this.drag;
    this.drag = null;
    if (!drag || !this.loaded?.ready) return;
    const p = this.imagePoint(e);
    if (!p) return;
    if (this.mode === 'box' && drag.moved && drag.button === 0) {
      const { width: W, height: H } = this.loaded.info;
      const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
      const box: [number, number, number, number] = [
        clamp(Math.min(drag.x0, p.x), W), clamp(Math.min(drag.y0, p.y), H), clamp(Math.max(drag.x0, p.x), W), clamp(Math.max(drag.y0, p.y), H),
      ];
      const at = this.steps.findIndex((s) => s.kind === 'box');
      if (at >= 0) { this.steps[at] = { kind: 'box', box }; this.invalidate(at); } else { this.steps.push({ kind: 'box', box }); this.invalidate(this.steps.length - 1); }
      this.drawLive();
      return;
    }
    if (drag.moved && this.mode !== 'box') return;
    if (this.mode === 'everything') {
      const a = this.auto;
      if (!a?.labelMap) return;
      a.selected = a.labelMap[p.dy * this.display.width + p.dx];
      this.drawLive();
      this.updatePanels();
      return;
    }
    const hit = this.pointNear(e.clientX, e.clientY);
    if (hit >= 0) {
      this.steps.splice(hit, 1);
      this.invalidate(hit);
    } else {
      const label: 0 | 1 = drag.button === 2 || e.altKey || e.shiftKey ? 0 : 1;
      this.steps.push({ kind: 'point', x: p.x, y: p.y, label });
      this.invalidate(this.steps.length - 1);
    }
    this.preview = null;
    this.decoder.cancelHover();
    this.drawLive();
  }

  /** Index of the point step drawn under the pointer, or -1. */
  private pointNear(clientX: number, clientY: number): number {
    if (!this.loaded) return -1;
    const rect = this.layers.live.getBoundingClientRect();
    const sx = rect.width / this.loaded.info.width;
    const sy = rect.height / this.loaded.info.height;
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const s = this.steps[i];
      if (s.kind === 'point' && Math.hypot(rect.left + s.x * sx - clientX, rect.top + s.y * sy - clientY) <= 8) return i;
    }
    return -1;
  }

  private removeLastPoint(): void {
    for (let i = this.steps.length - 1; i >= 0; i--) {
      if (this.steps[i].kind === 'point') { this.steps.splice(i, 1); this.invalidate(i); this.drawLive(); return; }
    }
  }

  /** Forget the prompt being built (steps, decoded chain, current mask and preview). */
  private resetPromptState(): void {
    this.steps = [];
    this.chain = [];
    this.dirtyFrom = Infinity;
    this.current = null;
    this.preview = null;
  }

  private clearPrompt(): void {
    this.resetPromptState();
    if (this.auto) this.auto.selected = -1;
    if (this.loaded) this.drawLive();
    this.updatePanels();
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
  private invalidate(from: number): void {
    this.dirtyFrom = Math.min(this.dirtyFrom, from);
    this.promptQueue = this.promptQueue.then(() => this.flushPrompt()).catch((err: unknown) => this.showError(`Decoding failed: ${(err as Error).message}`));
    this.updatePanels();
  }

  private async flushPrompt(): Promise<void> {
    if (this.dirtyFrom === Infinity || !this.loaded?.ready) return;
    const loaded = this.loaded;
    const from = this.dirtyFrom;
    this.dirtyFrom = Infinity;
    if (!this.steps.length) { this.chain = []; this.current = null; this.drawLive(); this.updatePanels(); return; }
    // At least the last step runs again: after removing the last point its result is needed anew.
    let k = Math.min(from, this.chain.length, this.steps.length - 1);
    this.chain.length = k;
    const candidates = this.mode === 'candidates';
    for (; k < this.steps.length; k++) {
      const last = k === this.steps.length - 1;
      const prompt = this.promptOf(this.steps.slice(0, k + 1), k > 0 ? this.chain[k - 1] : null);
      const r = await this.decoder.decode(prompt, candidates ? 'best-multi' : 'auto', last ? (candidates ? [1, 2, 3] : 'chosen') : [], LIVE_COLOR);
      if (loaded !== this.loaded || this.dirtyFrom <= k) return;
      this.chain[k] = plane(r.logits, r.token).slice();
      if (last) {
        this.current = { result: r, token: r.token, points: prompt.points, labels: prompt.labels, box: prompt.box };
        if (this.dirtyFrom === Infinity) { this.drawLive(); this.updatePanels(); }
      }
    }
  }

  private chooseCandidate(n: number): void {
    const c = this.current;
    if (this.mode !== 'candidates' || !c || !c.result.painted[n]) return;
    c.token = n;
    this.chain[this.steps.length - 1] = plane(c.result.logits, n).slice();
    this.drawLive();
    this.updatePanels();
  }

  // ---------------------------------------------------------------- accepting objects

  private sourceOf(): ObjectSource {
    if (this.mode === 'candidates') return 'candidate';
    if (this.steps.some((s) => s.kind === 'box')) return 'box';
    return this.steps.length ? 'click' : 'hover';
  }

  private async accept(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded?.ready) return;
    const label = this.labelInput.value.trim();
    const { width: W, height: H } = loaded.info;
    if (this.mode === 'everything') {
      const a = this.auto;
      if (!a || a.selected < 0) { this.status('Click a mask to select it first.'); return; }
      const obj = this.objectFromRecord(a.records[a.selected], label);
      a.accepted.add(a.selected);
      a.selected = -1;
      this.commit([...this.objects, obj]);
      this.drawAuto();
      this.drawLive();
      return;
    }
    await this.promptQueue;
    const shown = this.current ?? (this.steps.length ? null : this.preview);
    if (!shown) { this.status('Nothing to accept: hover over or click an object first.'); return; }
    const source = this.sourceOf();
    const f = await this.decoder.finalize(plane(shown.result.logits, shown.token));
    if (loaded !== this.loaded) return;
    if (f.area === 0) { this.status('The mask is empty at full resolution; nothing accepted.'); return; }
    const pointCoords: Array<[number, number]> = [];
    for (let i = 0; i + 1 < shown.points.length; i += 2) pointCoords.push([shown.points[i], shown.points[i + 1]]);
    const obj: AnnotationObject = {
      id: newId(), label, segmentation: f.rle, area: f.area, bbox: f.bbox,
      predictedIou: shown.result.scores[shown.token], stabilityScore: f.stability,
      pointCoords, pointLabels: [...shown.labels], box: shown.box, cropBox: [0, 0, W, H],
      source, visible: true, createdAt: new Date().toISOString(),
    };
    this.clearPrompt();
    this.commit([...this.objects, obj]);
    this.status(`Accepted “${label || 'object'}” (${fmtInt(f.area)} px).`);
  }

  private objectFromRecord(r: AutoRecord, label: string): AnnotationObject {
    return {
      id: newId(), label, segmentation: { size: r.segmentation.size, counts: r.segmentation.counts }, area: r.area, bbox: r.bbox,
      predictedIou: r.predicted_iou, stabilityScore: r.stability_score,
      pointCoords: r.point_coords, pointLabels: r.point_coords.map(() => 1), box: null, cropBox: r.crop_box,
      source: 'auto', visible: true, createdAt: new Date().toISOString(),
    };
  }

  private acceptAllAuto(): void {
    const a = this.auto;
    if (!a) return;
    const label = this.labelInput.value.trim();
    const add: AnnotationObject[] = [];
    a.records.forEach((r, i) => { if (!a.accepted.has(i)) { add.push(this.objectFromRecord(r, label)); a.accepted.add(i); } });
    if (!add.length) return;
    a.selected = -1;
    this.commit([...this.objects, ...add]);
    this.drawAuto();
    this.drawLive();
    this.status(`Accepted ${add.length} automatic masks.`);
  }

  private commit(next: AnnotationObject[]): void {
    this.history.push(next);
    this.objects = next;
    void this.refreshObjects(true);
  }

  private undo(): void {
    const prev = this.history.undo();
    if (!prev) return;
    this.objects = prev;
    void this.refreshObjects(true);
    this.status('Undone.');
  }

  private redo(): void {
    const next = this.history.redo();
    if (!next) return;
    this.objects = next;
    void this.refreshObjects(true);
    this.status('Redone.');
  }

  /** Rasterise new objects for display, repaint, update the list, and save. */
  private async refreshObjects(save: boolean): Promise<void> {
    const loaded = this.loaded;
    if (!loaded) return;
    const missing = this.objects.filter((o) => !this.crops.has(o.id));
    if (save) this.saver.schedule(loaded.info.id, this.objects);
    this.renderObjectList();
    if (missing.length) {
      const r = await this.decoder.rasterize(missing.map((o) => o.segmentation));
      if (loaded !== this.loaded) return;
      missing.forEach((o, i) => this.crops.set(o.id, r.crops[i]));
    }
    this.drawObjects();
  }

  private updateObject(id: string, change: Partial<AnnotationObject>): void {
    this.commit(this.objects.map((o) => (o.id === id ? { ...o, ...change } : o)));
  }

  private renderObjectList(): void {
    const list = $('object-list');
    list.replaceChildren();
    for (const o of this.objects) {
      const li = document.createElement('li');
      li.className = `object${o.visible ? '' : ' hidden-object'}`;
      li.dataset.id = o.id;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      const [r, g, b] = this.colorOf(o.id);
      swatch.style.background = `rgb(${r},${g},${b})`;
      const label = document.createElement('input');
      label.className = 'object-label';
      label.value = o.label;
      label.placeholder = 'unlabeled';
      label.setAttribute('list', 'label-suggestions');
      label.title = 'Click to rename';
      const commitLabel = (): void => { if (label.value.trim() !== o.label) this.updateObject(o.id, { label: label.value.trim() }); };
      label.addEventListener('change', commitLabel);
      label.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === 'Escape') label.blur(); });
      const area = document.createElement('span');
      area.className = 'object-area';
      area.textContent = `${fmtInt(o.area)} px`;
      const eye = document.createElement('button');
      eye.className = 'btn ghost icon small toggle';
      eye.textContent = o.visible ? '◉' : '○';
      eye.title = o.visible ? 'Hide' : 'Show';
      eye.addEventListener('click', () => this.updateObject(o.id, { visible: !o.visible }));
      const del = document.createElement('button');
      del.className = 'btn ghost icon small delete';
      del.textContent = '✕';
      del.title = 'Delete';
      del.addEventListener('click', () => { this.commit(this.objects.filter((x) => x.id !== o.id)); this.status('Deleted. Ctrl+Z to undo.'); });
      li.addEventListener('mouseenter', () => { this.hotObject = o.id; this.drawObjects(); });
      li.addEventListener('mouseleave', () => { this.hotObject = null; this.drawObjects(); });
      li.append(swatch, label, area, eye, del);
      list.append(li);
    }
    $('object-count').textContent = String(this.objects.length);
    $('objects-empty').hidden = this.objects.length > 0;
    $<HTMLButtonElement>('undo-button').disabled = !this.history.canUndo;
    $<HTMLButtonElement>('redo-button').disabled = !this.history.canRedo;
    $<HTMLButtonElement>('export-button').disabled = !this.loaded;
    const labels = [...new Set(this.objects.map((o) => o.label).filter(Boolean))];
    const dl = $('label-suggestions');
    dl.replaceChildren(...labels.map((l) => Object.assign(document.createElement('option'), { value: l })));
  }

  // ---------------------------------------------------------------- side panels

  private updatePanels(): void {
    this.updateCurrentPanel();
    const hasPrompt = this.steps.length > 0 || (this.auto?.selected ?? -1) >= 0;
    $<HTMLButtonElement>('clear-button').disabled = !hasPrompt;
    $<HTMLButtonElement>('auto-run').disabled = !this.loaded?.ready || this.autoRun !== null;
    $<HTMLButtonElement>('export-button').disabled = !this.loaded;
  }

  private updateCurrentPanel(): void {
    const stats = $('current-stats');
    const hint = $('current-hint');
    const accept = $<HTMLButtonElement>('accept-button');
    const cands = $('candidates');
    if (this.mode === 'everything') {
      const a = this.auto;
      const r = a && a.selected >= 0 ? a.records[a.selected] : null;
      cands.hidden = true;
      accept.disabled = !r;
      if (r) {
        stats.hidden = false;
        hint.hidden = true;
        stats.innerHTML = `<span title="predicted IoU (model output ${r.predicted_iou.toFixed(3)}; an IoU is at most 1)">IoU <b>${Math.min(1, r.predicted_iou).toFixed(3)}</b></span><span>stability <b>${r.stability_score.toFixed(3)}</b></span><span><b>${fmtInt(r.area)}</b> px</span>`;
      } else {
        stats.hidden = true;
        hint.hidden = false;
        hint.textContent = a ? 'Click a mask to select it.' : 'Generate masks, then click one to select it.';
      }
      return;
    }
    const shown = this.current ?? (this.steps.length ? null : this.preview);
    accept.disabled = !shown || !this.loaded?.ready;
    if (!shown) {
      stats.hidden = true;
      cands.hidden = true;
      hint.hidden = false;
      hint.textContent = !this.loaded ? 'Open an image first.' : this.steps.length ? 'Decoding…' : this.mode === 'hover' ? 'Hover over the image to see the object under the pointer.' : this.mode === 'box' ? 'Drag a box around an object.' : 'Click on an object.';
      return;
    }
    hint.hidden = true;
    stats.hidden = false;
    // Describe the prompt the shown mask came from (a newer one may still be decoding).
    const pts = shown.labels.length;
    const what = shown === this.preview ? 'hover' : `${pts ? `${pts} point${pts === 1 ? '' : 's'}` : ''}${shown.box ? `${pts ? ' + ' : ''}box` : ''}`;
    stats.innerHTML = `<span>score <b>${shown.result.scores[shown.token].toFixed(3)}</b></span><span>${what}</span><span class="muted" title="decoder ${shown.result.decodeMs.toFixed(0)} ms (${shown.result.graph} graph)">${shown.result.totalMs.toFixed(0)} ms</span>`;
    if (this.mode === 'candidates' && this.current) this.renderCandidates(this.current);
    else cands.hidden = true;
  }

  private renderCandidates(shown: Shown): void {
    const cands = $('candidates');
    cands.hidden = false;
    cands.replaceChildren();
    const info = this.loaded!.info;
    const bitmap = this.loaded!.bitmap;
    const tw = 96;
    const th = Math.max(1, Math.round((tw * info.height) / info.width));
    const resized = preprocessShape({ width: info.width, height: info.height }, this.model?.inputSize ?? 1024);
    const low = this.model?.maskInputSize ?? 256;
    const inputSize = this.model?.inputSize ?? 1024;
    for (let t = 1; t <= 3; t++) {
      const btn = document.createElement('button');
      btn.className = 'candidate';
      btn.setAttribute('aria-pressed', String(shown.token === t));
      btn.title = `Candidate ${t} (${t})`;
      const c = document.createElement('canvas');
      c.width = tw;
      c.height = th;
      const g = c.getContext('2d')!;
      if (bitmap) g.drawImage(bitmap, 0, 0, tw, th);
      const img = g.getImageData(0, 0, tw, th);
      const logits = plane(shown.result.logits, t);
      // Sample the low-res logits over the part that covers the image (the rest is padding).
      const lw = (low * resized.width) / inputSize;
      const lh = (low * resized.height) / inputSize;
      for (let y = 0; y < th; y++) {
        const ly = Math.min(low - 1, Math.floor(((y + 0.5) * lh) / th));
        for (let x = 0; x < tw; x++) {
          const lx = Math.min(low - 1, Math.floor(((x + 0.5) * lw) / tw));
          const p = (y * tw + x) * 4;
          if (logits[ly * low + lx] > 0) {
            img.data[p] = img.data[p] * 0.4 + 30 * 0.6;
            img.data[p + 1] = img.data[p + 1] * 0.4 + 144 * 0.6;
            img.data[p + 2] = img.data[p + 2] * 0.4 + 255 * 0.6;
          } else {
            img.data[p] *= 0.55; img.data[p + 1] *= 0.55; img.data[p + 2] *= 0.55;
          }
        }
      }
      g.putImageData(img, 0, 0);
      const label = document.createElement('span');
      label.textContent = `${t} · ${shown.result.scores[t].toFixed(3)}`;
      btn.append(c, label);
      btn.addEventListener('click', () => this.chooseCandidate(t));
      cands.append(btn);
    }
  }

  // ---------------------------------------------------------------- everything

  private autoOptions(): AutoOptions {
    const num = (id: string, fallback: number): number => {
      const v = Number($<HTMLInputElement>(id).value);
      return Number.isFinite(v) ? v : fallback;
    };
    return {
      ...AUTO_DEFAULTS,
      pointsPerSide: Math.round(num('opt-pps', AUTO_DEFAULTS.pointsPerSide)),
      predIouThresh: num('opt-iou', AUTO_DEFAULTS.predIouThresh),
      stabilityScoreThresh: num('opt-stab', AUTO_DEFAULTS.stabilityScoreThresh),
      minMaskRegionArea: Math.round(num('opt-minarea', AUTO_DEFAULTS.minMaskRegionArea)),
      cropNLayers: Math.round(num('opt-crops', AUTO_DEFAULTS.cropNLayers)),
    };
  }

  private async runAuto(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded?.ready || this.autoRun) return;
    const controller = new AbortController();
    this.autoRun = controller;
    const t0 = performance.now();
    $('auto-progress').hidden = false;
    $('auto-result').hidden = true;
    $('auto-cancel').hidden = false;
    $('auto-bar').style.width = '0%';
    $('auto-status').textContent = 'Encoding the image on the server…';
    this.status('Computing automatic masks…'); // replaces a previous run's "cancelled"
    this.updatePanels();
    let records: AutoRecord[] | null = null;
    try {
      await api.auto(loaded.info.id, this.autoOptions(), (e) => {
        if (e.type === 'progress') {
          const frac = (e.cropsDone + (e.batchesTotal ? e.batchesDone / e.batchesTotal : 0)) / Math.max(1, e.cropsTotal);
          $('auto-bar').style.width = `${Math.min(100, Math.round(frac * 100))}%`;
          $('auto-status').textContent = `Crop ${Math.min(e.cropsDone + 1, e.cropsTotal)} of ${e.cropsTotal} · batch ${e.batchesDone} of ${e.batchesTotal} · ${((performance.now() - t0) / 1000).toFixed(0)} s`;
        } else if (e.type === 'result') {
          records = e.records;
        } else if (e.type === 'error') {
          throw new ApiError(500, e.error === 'cancelled' ? 'cancelled' : `The automatic mask generator failed: ${e.error}`, 'AUTO');
        }
      }, controller.signal);
      if (!records) throw new ApiError(500, 'The automatic mask generator stopped without a result.', 'AUTO');
      if (loaded !== this.loaded) return;
      const recs: AutoRecord[] = records;
      const r = await this.decoder.rasterize(recs.map((x) => x.segmentation), true);
      if (loaded !== this.loaded) return;
      this.auto = { records: recs, crops: r.crops, labelMap: r.labelMap, hover: -1, selected: -1, accepted: new Set() };
      $('auto-summary').textContent = `${recs.length} mask${recs.length === 1 ? '' : 's'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
      $('auto-result').hidden = false;
      this.drawAuto();
      this.drawLive();
    } catch (err) {
      const cancelled = controller.signal.aborted || (err as Error).message === 'cancelled';
      if (cancelled) this.status('Automatic masks cancelled.');
      else if (loaded === this.loaded) this.showError(err);
    } finally {
      if (this.autoRun === controller) this.autoRun = null;
      $('auto-progress').hidden = true;
      $('auto-cancel').hidden = true;
      this.updatePanels();
    }
  }

  // ---------------------------------------------------------------- export

  private async exportAnnotations(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded) return;
    const format = $<HTMLSelectElement>('export-format').value;
    if (FORMATS_NEEDING_POLYGONS.has(format) && this.model && !this.model.polygons) {
      this.showError('Polygon exports (COCO polygons, YOLO) are not available in this build; export COCO RLE or PNG masks instead.');
      return;
    }
    const btn = $<HTMLButtonElement>('export-button');
    btn.disabled = true;
    try {
      await this.saver.flush();
      const res = await fetch(api.exportUrl(loaded.info.id, format)).catch(() => { throw new UnreachableError(); });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: string };
        throw new ApiError(res.status, body.error ?? `export failed (${res.status})`, 'EXPORT');
      }
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export';
      const url = URL.createObjectURL(await res.blob());
      const a = Object.assign(document.createElement('a'), { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      this.showInfo(`Exported ${this.objects.length} object${this.objects.length === 1 ? '' : 's'} to ${name}.`);
    } catch (err) {
      this.showError(err);
    } finally {
      btn.disabled = false;
    }
  }
}

void new App().start().catch((err: unknown) => {
  console.error(err);
});
// A project folder (`samkit app <dir>`): the image list drives the page through the URL hash.
void new ProjectPanel(document.querySelector<HTMLElement>('.sidebar')!).start();
