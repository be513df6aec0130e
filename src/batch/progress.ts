/**
 * Progress of a batch run on stderr: a cli-progress bar on a terminal, one plain line per image
 * otherwise (logs, pipes), JSON lines with --json, nothing but errors with --quiet.
 */
import cliProgress from 'cli-progress';

export type ProgressMode = 'bar' | 'lines' | 'json' | 'quiet';

export function progressMode(flags: { quiet?: boolean; json?: boolean }, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (flags.json) return 'json';
  if (flags.quiet) return 'quiet';
  return stream.isTTY ? 'bar' : 'lines';
}

/** "45s", "3m05s", "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface ProgressSnapshot {
  done: number;
  failed: number;
  total: number;
  /** Images whose result came from the journal (or store) of an earlier run. */
  resumed: number;
  masks: number;
  elapsedS: number;
  /** Images computed per minute in this run (resumed ones excluded). */
  ratePerMin: number;
  etaS: number;
}

export class BatchProgress {
  private readonly started = performance.now();
  private done = 0;
  private failed = 0;
  private resumed = 0;
  private masks = 0;
  private total = 0;
  private bar: cliProgress.MultiBar | null = null;
  private barItem: cliProgress.SingleBar | null = null;
  private readonly inflight = new Map<string, number>();
  private lastDraw = 0;

  /** `unit` names what is counted besides images ("masks"), or null when nothing is. */
  constructor(
    private readonly command: string,
    private readonly mode: ProgressMode,
    private readonly unit: string | null = 'masks',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  start(total: number, resumed: number, resumedMasks = 0): void {
    this.total = total;
    this.resumed = resumed;
    this.done = resumed;
    this.masks = resumedMasks;
    if (this.mode === 'json') this.json({ event: 'start', total, resumed });
    else if (this.mode === 'lines' || this.mode === 'bar') {
      if (resumed > 0) this.line(`${this.command}: ${resumed} of ${total} images already done by an earlier run, resuming`);
      else this.line(`${this.command}: ${total} image${total === 1 ? '' : 's'}`);
    }
    if (this.mode === 'bar' && total > 0) {
      this.bar = new cliProgress.MultiBar({
        stream: this.stream, hideCursor: false, gracefulExit: false, clearOnComplete: false, barsize: 24, etaBuffer: 1000,
        format: `${this.command} [{bar}] {value}/{total} images${this.unit ? ` | {masks} ${this.unit}` : ''} | {rate}/min | ETA {etaText}`,
      }, cliProgress.Presets.shades_classic);
      this.barItem = this.bar.create(total, this.done, this.payload());
    }
  }

  /**
   * How far an image in progress is (0..1), so the rate and ETA move during long images; the bar
   * redraws at most a few times a second.
   */
  partial(file: string, fraction: number): void {
    this.inflight.set(file, Math.min(Math.max(fraction, 0), 1));
    if (!this.barItem) return;
    const now = performance.now();
    if (now - this.lastDraw < 500) return;
    this.lastDraw = now;
    this.barItem.update(this.done + this.failed, this.payload());
  }

  snapshot(): ProgressSnapshot {
    const elapsedS = (performance.now() - this.started) / 1000;
    // Failures are quick and would make the rate look better than the real work goes.
    let inProgress = 0;
    for (const f of this.inflight.values()) inProgress += f;
    const computed = this.done - this.resumed + inProgress;
    const ratePerMin = computed > 0 && elapsedS > 0 ? (computed / elapsedS) * 60 : 0;
    const left = Math.max(0, this.total - this.done - this.failed - inProgress);
    const etaS = left === 0 ? 0 : ratePerMin > 0 ? (left / ratePerMin) * 60 : NaN;
    return { done: this.done, failed: this.failed, total: this.total, resumed: this.resumed, masks: this.masks, elapsedS, ratePerMin, etaS };
  }

  imageDone(file: string, masks: number, seconds: number): void {
    this.inflight.delete(file);
    this.done++;
    this.masks += masks;
    this.update({ event: 'image', file, status: 'done', ...(this.unit ? { [this.unit]: masks } : {}), seconds: round(seconds, 2) },
      `${file}${this.unit ? `: ${masks} ${this.unit}` : ''} (${seconds.toFixed(1)} s)`);
  }

  /** Errors are printed in every mode, --quiet included: a skipped image must never go unnoticed. */
  imageFailed(file: string, message: string): void {
    this.inflight.delete(file);
    this.failed++;
    if (this.mode === 'json') this.update({ event: 'error', file, message }, '');
    else {
      this.line(`${this.command}: skipped ${file}: ${message}`, true);
      this.update(null, null);
    }
  }

  note(message: string): void {
    if (this.mode === 'json') this.json({ event: 'note', message });
    else if (this.mode !== 'quiet') this.line(`${this.command}: ${message}`);
  }

  /** A note printed in every mode, --quiet included (e.g. the run is paused). */
  warn(message: string): void {
    if (this.mode === 'json') this.json({ event: 'note', message });
    else this.line(`${this.command}: ${message}`, true);
  }

  /** After Ctrl+C: first while in-flight work is stopped, then once everything has stopped. */
  interrupted(stage: 'stopping' | 'stopped'): void {
    this.stopBar();
    const s = this.snapshot();
    if (this.mode === 'json') this.json({ event: 'interrupted', stage, ...this.fields(s) });
    else if (stage === 'stopping') this.line('\nstopping: finished images are kept (Ctrl+C again to quit at once)', true);
    else this.line(`interrupted: ${s.done} of ${s.total} images done and kept; run the same command again to continue`, true);
  }

  /** The final summary line (or event); `wrote` names the output. */
  finish(wrote: string | null, extra: Record<string, unknown> = {}): void {
    this.stopBar();
    const s = this.snapshot();
    if (this.mode === 'json') {
      this.json({ event: 'summary', ...this.fields(s), wrote, ...extra });
      return;
    }
    if (this.mode === 'quiet') {
      // Scripts still learn where the output went (stdout, so stderr stays errors only).
      if (wrote) process.stdout.write(`${wrote}\n`);
      return;
    }
    const parts = [`${s.done} of ${s.total} images`];
    if (s.resumed) parts.push(`${s.resumed} resumed`);
    if (s.failed) parts.push(`${s.failed} failed`);
    if (this.unit) parts.push(`${s.masks} ${this.unit}`);
    const rate = s.ratePerMin > 0 ? ` (${s.ratePerMin.toFixed(1)} images/min)` : '';
    this.line(`${this.command}: ${parts.join(', ')} in ${formatDuration(s.elapsedS)}${rate}${wrote ? `; wrote ${wrote}` : ''}`);
  }

  /** Stop drawing (e.g. before the process exits on Ctrl+C). */
  stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
      this.barItem = null;
    }
  }

  private fields(s: ProgressSnapshot): Record<string, unknown> {
    return {
      done: s.done, failed: s.failed, total: s.total, resumed: s.resumed, ...(this.unit ? { [this.unit]: s.masks } : {}),
      elapsed_s: round(s.elapsedS, 1), rate_per_min: round(s.ratePerMin, 2), eta_s: Number.isFinite(s.etaS) ? round(s.etaS, 0) : null,
    };
  }

  private payload(): Record<string, string | number> {
    const s = this.snapshot();
    return { masks: s.masks, rate: s.ratePerMin > 0 ? s.ratePerMin.toFixed(1) : '-', etaText: formatDuration(s.etaS) };
  }

  private update(event: Record<string, unknown> | null, text: string | null): void {
    const s = this.snapshot();
    if (this.mode === 'json' && event) this.json({ ...event, ...this.fields(s) });
    else if (this.mode === 'lines' && text) {
      const eta = s.done + s.failed < s.total ? ` | ETA ${formatDuration(s.etaS)}` : '';
      const rate = s.ratePerMin > 0 ? ` | ${s.ratePerMin.toFixed(1)} images/min` : '';
      this.line(`[${s.done + s.failed}/${s.total}] ${text}${rate}${eta}`);
    } else if (this.barItem) this.barItem.update(s.done + s.failed, this.payload());
  }

  private line(text: string, always = false): void {
    if (this.mode === 'quiet' && !always) return;
    if (this.bar) this.bar.log(`${text}\n`);
    else this.stream.write(`${text}\n`);
  }

  private json(obj: Record<string, unknown>): void {
    this.stream.write(`${JSON.stringify({ command: this.command, ...obj })}\n`);
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
