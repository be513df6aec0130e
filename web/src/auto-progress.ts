/**
 * What the Everything panel says while the automatic mask generator runs. Each crop is first
 * encoded (seconds on a CPU, no batch done yet) and then decoded in batches; the generator reports
 * the start of a crop and each batch. Saying "batch 0 of 16 · 0 s" during the encoding looked stuck,
 * so the encoding is named as such and the clock ticks between events.
 */
export interface AutoProgressEvent { cropsDone: number; cropsTotal: number; batchesDone: number; batchesTotal: number }

export interface AutoProgressView { text: string; fraction: number; phase: 'encoding' | 'decoding' | 'finishing' }

/** `prev`: the event before this one in the same run (null for the first). */
export function autoProgressView(e: AutoProgressEvent, prev: AutoProgressEvent | null, elapsedMs: number): AutoProgressView {
  const crops = Math.max(1, e.cropsTotal);
  const crop = Math.min(e.cropsDone + 1, crops);
  // A crop that started and has no batch yet is being encoded: the first event, or one that moved to the next crop.
  const encoding = prev === null || e.cropsDone !== prev.cropsDone;
  const secs = `${Math.floor(elapsedMs / 1000)} s`;
  const cropText = crops > 1 ? `crop ${crop} of ${crops}` : '';
  const fraction = Math.min(1, e.batchesTotal ? e.batchesDone / e.batchesTotal : e.cropsDone / crops);
  if (e.cropsDone >= crops) return { text: `Removing duplicate masks… · ${secs}`, fraction: 1, phase: 'finishing' };
  if (encoding) return { text: `Encoding the image${cropText ? ` (${cropText})` : ''}… · ${secs}`, fraction, phase: 'encoding' };
  const text = `${cropText ? `${cropText.charAt(0).toUpperCase()}${cropText.slice(1)} · batch` : 'Batch'} ${e.batchesDone} of ${e.batchesTotal} · ${secs}`;
  return { text, fraction, phase: 'decoding' };
}

/** Keeps the status line's clock moving between the generator's events. */
export class AutoProgressTicker {
  private last: AutoProgressEvent | null = null;
  private prev: AutoProgressEvent | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private t0 = 0;

  constructor(private readonly show: (v: AutoProgressView | null, elapsedMs: number) => void) {}

  start(): void {
    this.stop();
    this.last = null;
    this.prev = null;
    this.t0 = performance.now();
    this.timer = setInterval(() => this.render(), 500);
    this.render();
  }

  update(e: AutoProgressEvent): void {
    this.prev = this.last;
    this.last = e;
    this.render();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private render(): void {
    const ms = performance.now() - this.t0;
    this.show(this.last ? autoProgressView(this.last, this.prev, ms) : null, ms);
  }
}
