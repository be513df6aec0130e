/**
 * The project's class list in the page: what the class editor shows, the colours objects are drawn
 * in, and the label a class hotkey picks. Saved whole to the project (PUT /api/project/classes).
 */
import type { ProjectClass } from '../../src/project/classes.js';
import { api } from './api.js';
import type { Rgb } from './worker-protocol.js';

export type { ProjectClass };

export function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export class ClassList {
  list: ProjectClass[] = [];
  private readonly listeners: Array<() => void> = [];
  private readonly renameListeners: Array<(renamed: ReadonlyMap<string, string>) => void> = [];

  onChange(fn: () => void): void { this.listeners.push(fn); }

  /** Classes renamed (the server moved the stored objects; the open image's objects follow here). */
  onRenamed(fn: (renamed: ReadonlyMap<string, string>) => void): void { this.renameListeners.push(fn); }

  load(list: ProjectClass[]): void {
    this.list = list.map((c) => ({ ...c }));
    for (const fn of this.listeners) fn();
  }

  byName(name: string): ProjectClass | undefined {
    return this.list.find((c) => c.name === name);
  }

  /** The class colour of a label, or null for a label that is not a class (or no label). */
  colorOf(label: string): Rgb | null {
    const c = label ? this.byName(label) : undefined;
    return c ? hexToRgb(c.color) : null;
  }

  /** Store a new list; `renamed` moves objects (in every image) from old names to new ones. */
  async save(next: ProjectClass[], renamed: Record<string, string> = {}): Promise<{ relabelled: number }> {
    const res = await api.saveClasses(next, renamed);
    const moved = new Map(Object.entries(renamed));
    if (moved.size) for (const fn of this.renameListeners) fn(moved);
    this.load(res.classes);
    return res;
  }
}

export const classList = new ClassList();
