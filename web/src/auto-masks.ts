/**
 * "Everything" mode: the automatic mask generator run on the server, its masks drawn on their own
 * layer, hover highlighting and selection through a label map, and accepting them as objects.
 */
import { AUTO_DEFAULTS, type AnnotationObject, type AutoOptions, type AutoRecord, type CocoRle } from '../../src/server/protocol.js';
import { duplicatesAny } from '../../src/core/rle-iou.js';
import { api, ApiError } from './api.js';
import type { DecoderClient } from './decoder-client.js';
import { $, newId } from './dom.js';
import type { Notices } from './notices.js';
import { AutoProgressTicker } from './auto-progress.js';
import { maskStyle } from './mask-style.js';
import { COLORS, LIVE_COLOR } from './paint.js';
import type { Loaded } from './page-types.js';
import type { Viewer } from './viewer.js';
import type { DisplayCrop, Rgb } from './worker-protocol.js';

export interface AutoState {
  records: AutoRecord[];
  crops: DisplayCrop[];
  labelMap: Int32Array | null;
  hover: number;
  selected: number;
  accepted: Set<number>;
}

export interface AutoDeps {
  viewer: Viewer;
  decoder: DecoderClient;
  notices: Notices;
  loaded: () => Loaded | null;
  /** Whether the page is in "everything" mode (the layer is drawn only then). */
  active: () => boolean;
  panels: () => void;
}

export function objectFromRecord(r: AutoRecord, label: string): AnnotationObject {
  return {
    id: newId(), label, segmentation: { size: r.segmentation.size, counts: r.segmentation.counts }, area: r.area, bbox: r.bbox,
    predictedIou: r.predicted_iou, stabilityScore: r.stability_score,
    pointCoords: r.point_coords, pointLabels: r.point_coords.map(() => 1), box: null, cropBox: r.crop_box,
    source: 'auto', visible: true, createdAt: new Date().toISOString(),
  };
}

export class AutoMasks {
  state: AutoState | null = null;
  private run: AbortController | null = null;

  constructor(private readonly deps: AutoDeps) {}

  get running(): boolean { return this.run !== null; }

  /** A new image: drop the last image's masks and stop its run. */
  reset(): void {
    this.run?.abort();
    this.state = null;
    $('auto-result').hidden = true;
    $('auto-progress').hidden = true;
  }

  cancel(): void {
    this.run?.abort();
  }

  private options(): AutoOptions {
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

  async start(): Promise<void> {
    const { notices, decoder } = this.deps;
    const loaded = this.deps.loaded();
    if (!loaded?.ready || this.run) return;
    const controller = new AbortController();
    this.run = controller;
    const t0 = performance.now();
    $('auto-progress').hidden = false;
    $('auto-result').hidden = true;
    $('auto-cancel').hidden = false;
    $('auto-bar').style.width = '0%';
    notices.status('Computing automatic masks…'); // replaces a previous run's "cancelled"
    this.deps.panels();
    // The line says what runs (encoding, then batches) and its clock ticks between the server's events.
    const ticker = new AutoProgressTicker((v, ms) => {
      $('auto-status').textContent = v ? v.text : `Starting on the server… · ${Math.floor(ms / 1000)} s`;
      if (v) $('auto-bar').style.width = `${Math.min(100, Math.round(v.fraction * 100))}%`;
    });
    ticker.start();
    let records: AutoRecord[] | null = null;
    try {
      await api.auto(loaded.info.id, this.options(), (e) => {
        if (e.type === 'progress') {
          ticker.update(e);
        } else if (e.type === 'result') {
          records = e.records;
        } else if (e.type === 'error') {
          throw new ApiError(500, e.error === 'cancelled' ? 'cancelled' : `The automatic mask generator failed: ${e.error}`, 'AUTO');
        }
      }, controller.signal);
      if (!records) throw new ApiError(500, 'The automatic mask generator stopped without a result.', 'AUTO');
      if (loaded !== this.deps.loaded()) return;
      const recs: AutoRecord[] = records;
      const r = await decoder.rasterize(recs.map((x) => x.segmentation), true);
      if (loaded !== this.deps.loaded()) return;
      this.state = { records: recs, crops: r.crops, labelMap: r.labelMap, hover: -1, selected: -1, accepted: new Set() };
      $('auto-summary').textContent = `${recs.length} mask${recs.length === 1 ? '' : 's'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
      $('auto-result').hidden = false;
      // Replaces "Computing automatic masks…" (and any earlier run's message).
      notices.status(`${recs.length} automatic mask${recs.length === 1 ? '' : 's'}: hover to highlight, click to select, Enter to accept.`);
      this.draw();
      this.drawLive();
    } catch (err) {
      const cancelled = controller.signal.aborted || (err as Error).message === 'cancelled';
      if (cancelled) notices.status('Automatic masks cancelled.');
      else if (loaded === this.deps.loaded()) notices.showError(err);
    } finally {
      ticker.stop();
      if (this.run === controller) this.run = null;
      $('auto-progress').hidden = true;
      $('auto-cancel').hidden = true;
      this.deps.panels();
    }
  }

  /** Re-rasterise the masks at a new display size. */
  async repaint(): Promise<void> {
    if (this.state) {
      const r = await this.deps.decoder.rasterize(this.state.records.map((x) => x.segmentation), true);
      this.state.crops = r.crops;
      this.state.labelMap = r.labelMap;
    }
    this.draw();
  }

  /** The automatic masks' layer (largest first, so small ones stay visible). */
  draw(): void {
    const a = this.state;
    if (!this.deps.active() || !a || !a.crops.length) { this.deps.viewer.clear('auto'); return; }
    const order = a.crops.map((_, i) => i).sort((x, y) => a.crops[y].w * a.crops[y].h - a.crops[x].w * a.crops[x].h);
    this.deps.viewer.paint('auto', order.map((i) => ({ crop: a.crops[i], color: COLORS[i % COLORS.length], alpha: maskStyle.fill(a.accepted.has(i) ? 0.15 : 0.38), outline: true })));
  }

  /** The live layer in this mode: the selected and the hovered mask. */
  drawLive(): void {
    const a = this.state;
    const picks = a ? [a.selected, a.hover].filter((i, k, arr) => i >= 0 && arr.indexOf(i) === k) : [];
    if (!a || !picks.length) { this.deps.viewer.clear('live'); return; }
    this.deps.viewer.paint('live', picks.map((i) => ({ crop: a.crops[i], color: i === a.selected ? LIVE_COLOR : [255, 255, 255] as Rgb, alpha: i === a.selected ? 0.55 : 0.35, outline: true })));
  }

  /** The mask index at a display pixel (-1 for none). */
  maskAt(dx: number, dy: number): number {
    const a = this.state;
    if (!a?.labelMap) return -1;
    return a.labelMap[dy * this.deps.viewer.display.width + dx];
  }

  hover(idx: number): void {
    if (this.state && idx !== this.state.hover) { this.state.hover = idx; this.drawLive(); }
  }

  select(idx: number): void {
    if (!this.state) return;
    this.state.selected = idx;
    this.drawLive();
  }

  /** Accept the selected mask; null when none is selected. */
  takeSelected(label: string): AnnotationObject | null {
    const a = this.state;
    if (!a || a.selected < 0) return null;
    const obj = objectFromRecord(a.records[a.selected], label);
    a.accepted.add(a.selected);
    a.selected = -1;
    this.draw();
    this.drawLive();
    return obj;
  }

  /**
   * Accept every mask not accepted yet, except those that duplicate an object already there
   * (IoU > 0.9 with one of `existing`, such as a hand-made object): they are not added twice.
   */
  takeAll(label: string, existing: readonly CocoRle[] = []): AnnotationObject[] {
    const a = this.state;
    if (!a) return [];
    const add: AnnotationObject[] = [];
    a.records.forEach((r, i) => {
      if (a.accepted.has(i)) return;
      a.accepted.add(i);
      if (duplicatesAny(r.segmentation, existing)) return;
      add.push(objectFromRecord(r, label));
    });
    if (!add.length) return add;
    a.selected = -1;
    this.draw();
    this.drawLive();
    return add;
  }
}
