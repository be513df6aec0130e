/**
 * Where the time goes when an image opens: named phases of the last open, in ms since it started,
 * kept on `window.__samkitOpen` for the benchmark (`npm run bench -- --only project`) and the console.
 */
interface OpenTiming { id: string; t0: number; phases: Array<[string, number]> }

let current: OpenTiming | null = null;

export const openTiming = {
  start(id: string): void {
    current = { id, t0: performance.now(), phases: [] };
    (window as unknown as { __samkitOpen: OpenTiming | null }).__samkitOpen = current;
  },
  mark(phase: string): void {
    if (current) current.phases.push([phase, Math.round(performance.now() - current.t0)]);
  },
};
