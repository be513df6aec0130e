/**
 * The page's keyboard bindings in one table: the key handler and the shortcut sheet (`?`) are both
 * made from it, so the sheet cannot drift from what the keys do. Modules add their own bindings.
 */
import { isTyping } from './dom.js';

export interface Binding {
  /** How the keys are shown on the sheet, e.g. ['Ctrl', 'Z'] is one chord; several chords are joined with " / ". */
  keys: string[][];
  text: string;
  /** Which events it takes; absent for sheet-only rows (mouse gestures). */
  match?: (e: KeyboardEvent) => boolean;
  run?: (e: KeyboardEvent) => void;
  /** Also when a text field has the focus (only chords with Ctrl/Cmd should). */
  inFields?: boolean;
}

const mod = (e: KeyboardEvent): boolean => e.ctrlKey || e.metaKey;

/** A plain key (no Ctrl/Cmd/Alt), case-insensitive for letters. */
export const plainKey = (...keys: string[]) => (e: KeyboardEvent): boolean =>
  !mod(e) && !e.altKey && keys.some((k) => k.length === 1 ? e.key.toLowerCase() === k.toLowerCase() : e.key === k);

/** Ctrl/Cmd + a letter, with or without Shift as asked. */
export const modKey = (key: string, shift: boolean) => (e: KeyboardEvent): boolean =>
  mod(e) && e.shiftKey === shift && e.key.toLowerCase() === key.toLowerCase();

export class Keymap {
  private readonly groups = new Map<string, Binding[]>();

  add(group: string, ...bindings: Binding[]): void {
    const list = this.groups.get(group) ?? [];
    list.push(...bindings);
    this.groups.set(group, list);
  }

  /** Run the first binding that takes the event; returns whether one did. */
  handle(e: KeyboardEvent): boolean {
    const typing = isTyping(e.target);
    for (const list of this.groups.values()) {
      for (const b of list) {
        if (!b.match || !b.run || (typing && !b.inFields) || !b.match(e)) continue;
        b.run(e);
        return true;
      }
    }
    return false;
  }

  /** Fill a table with the bindings, by group. */
  renderSheet(table: HTMLTableElement): void {
    table.replaceChildren();
    for (const [group, list] of this.groups) {
      const head = table.insertRow();
      const th = document.createElement('th');
      th.colSpan = 2;
      th.textContent = group;
      head.append(th);
      for (const b of list) {
        const row = table.insertRow();
        const keys = row.insertCell();
        b.keys.forEach((chord, i) => {
          if (i) keys.append(' / ');
          chord.forEach((k, j) => {
            if (j) keys.append('+');
            if (k.startsWith('(')) keys.append(k.slice(1, -1));
            else keys.append(Object.assign(document.createElement('kbd'), { textContent: k }));
          });
        });
        row.insertCell().textContent = b.text;
      }
    }
  }
}
