/**
 * How accepted objects and automatic masks are drawn: filled or as outlines only, and the fill's
 * opacity. One shared setting (kept in localStorage); layers ask it for each item's fill alpha.
 */
const KEY = 'samkit.maskStyle';

export interface MaskStyleState { outline: boolean; opacity: number }

function load(): MaskStyleState {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<MaskStyleState> | null;
    const opacity = typeof raw?.opacity === 'number' && raw.opacity >= 0 && raw.opacity <= 1 ? raw.opacity : 0.4;
    return { outline: raw?.outline === true, opacity };
  } catch {
    return { outline: false, opacity: 0.4 };
  }
}

/** The default fill opacity the layers' own alphas were chosen for. */
const BASE = 0.4;

export class MaskStyle {
  state: MaskStyleState = load();
  private readonly listeners: Array<() => void> = [];

  onChange(fn: () => void): void { this.listeners.push(fn); }

  set(change: Partial<MaskStyleState>): void {
    this.state = { ...this.state, ...change };
    try { localStorage.setItem(KEY, JSON.stringify(this.state)); } catch { /* private mode */ }
    for (const fn of this.listeners) fn();
  }

  toggleOutline(): void { this.set({ outline: !this.state.outline }); }

  /** A layer's fill alpha under this style: 0 for outlines, else scaled by the opacity setting. */
  fill(alpha: number): number {
    return this.state.outline ? 0 : Math.min(1, (alpha * this.state.opacity) / BASE);
  }
}

export const maskStyle = new MaskStyle();
