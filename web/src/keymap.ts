/**
 * Every keyboard binding of the page in one table. Keys are dispatched only through it and the
 * shortcut sheet (`?`) is generated from it, listing the bindings that have a handler, so the sheet
 * cannot drift from what the keys do. Pointer gestures are rows too (documentation only: the
 * canvas code handles them). No DOM here beyond the event's fields, so Node tests can drive it.
 */

export type KeyGroup = 'Modes' | 'Prompt' | 'View' | 'Objects' | 'Images' | 'Classes' | 'Help';

export interface KeySpec {
  id: string;
  group: KeyGroup;
  /** Keys as shown and matched: a letter or key name, `Mod+` for Ctrl or ⌘, `Shift+` when it must be held. */
  keys: readonly string[];
  description: string;
  /** Also while typing in a field (only keys that never type). */
  inFields?: boolean;
  /** A pointer gesture or a held key: listed, not dispatched. */
  pointer?: boolean;
}

export const KEY_SPECS: readonly KeySpec[] = [
  { id: 'mode-hover', group: 'Modes', keys: ['H'], description: 'Hover mode' },
  { id: 'mode-click', group: 'Modes', keys: ['C'], description: 'Click mode' },
  { id: 'mode-box', group: 'Modes', keys: ['B'], description: 'Box mode' },
  { id: 'mode-candidates', group: 'Modes', keys: ['M'], description: 'Candidates mode' },
  { id: 'mode-everything', group: 'Modes', keys: ['E'], description: 'Everything (automatic masks)' },
  { id: 'point-include', group: 'Prompt', keys: ['Left click'], description: 'Add an include point (click a point to remove it)', pointer: true },
  { id: 'point-exclude', group: 'Prompt', keys: ['Right click', 'Alt+click', 'Shift+click'], description: 'Add an exclude point', pointer: true },
  { id: 'box-drag', group: 'Prompt', keys: ['Drag'], description: 'Draw a box prompt (Box mode)', pointer: true },
  { id: 'candidate', group: 'Prompt', keys: ['1', '2', '3'], description: 'Choose a candidate (Candidates mode)' },
  { id: 'accept', group: 'Prompt', keys: ['Enter'], description: 'Accept the current mask with the chosen label; focus returns to the image', inFields: true },
  { id: 'clear', group: 'Prompt', keys: ['Escape'], description: 'Clear the prompt (or close this sheet)' },
  { id: 'remove-point', group: 'Prompt', keys: ['Backspace'], description: 'Remove the last point' },
  { id: 'label', group: 'Prompt', keys: ['L'], description: 'Type a label (Enter accepts, Esc goes back to the image)' },
  { id: 'zoom-wheel', group: 'View', keys: ['Wheel', 'Pinch', 'Ctrl+wheel'], description: 'Zoom at the pointer', pointer: true },
  { id: 'pan-drag', group: 'View', keys: ['Space+drag', 'Middle drag'], description: 'Pan', pointer: true },
  { id: 'zoom-in', group: 'View', keys: ['+', '='], description: 'Zoom in' },
  { id: 'zoom-out', group: 'View', keys: ['-'], description: 'Zoom out' },
  { id: 'zoom-fit', group: 'View', keys: ['F'], description: 'Fit the image' },
  { id: 'zoom-1', group: 'View', keys: ['0'], description: 'Zoom 1:1 (one image pixel per screen pixel)' },
  { id: 'mask-style', group: 'View', keys: ['V'], description: 'Masks as fills or outlines' },
  { id: 'undo', group: 'Objects', keys: ['Mod+Z'], description: 'Undo' },
  { id: 'redo', group: 'Objects', keys: ['Mod+Shift+Z', 'Mod+Y'], description: 'Redo' },
  { id: 'image-next', group: 'Images', keys: [']', 'PageDown'], description: 'Next image (project)' },
  { id: 'image-previous', group: 'Images', keys: ['[', 'PageUp'], description: 'Previous image (project)' },
  { id: 'image-unfinished', group: 'Images', keys: ['U'], description: 'Next unfinished image (project)' },
  { id: 'image-done', group: 'Images', keys: ['D'], description: 'Mark the image done or not (project)' },
  { id: 'open', group: 'Images', keys: ['O'], description: 'Open an image file (also Ctrl+V, drop)' },
  { id: 'class', group: 'Classes', keys: ['1-9'], description: 'Label the next object with the class of that hotkey' },
  { id: 'help', group: 'Help', keys: ['?'], description: 'This sheet' },
];

export interface KeyEventLike { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }

/** A handler returns false when the key does not apply now (the next binding of the key may take it). */
export type KeyHandler = (e: KeyEventLike) => boolean | void;

/** Whether one shown key (e.g. `Mod+Shift+Z`, `?`, `1-9`) matches the event. */
export function keyMatches(combo: string, e: KeyEventLike): boolean {
  const parts = combo.split('+');
  // A lone '+' (or a combo ending in it) splits into empty parts.
  const key = combo.endsWith('+') ? '+' : parts[parts.length - 1];
  const mods = new Set(combo.endsWith('+') ? parts.slice(0, -2) : parts.slice(0, -1));
  const mod = e.ctrlKey || e.metaKey;
  if (mods.has('Mod') !== mod || e.altKey) return false;
  const letter = /^[A-Z]$/.test(key);
  // Shift matters for letters and named keys; for symbols it is how they are typed (? + etc).
  if ((letter || key.length > 1) && mods.has('Shift') !== e.shiftKey) return false;
  if (/^\d-\d$/.test(key)) return e.key.length === 1 && e.key >= key[0] && e.key <= key[2];
  return letter ? e.key.toUpperCase() === key : e.key === key;
}

export class Keymap {
  private readonly handlers = new Map<string, KeyHandler>();

  constructor(readonly specs: readonly KeySpec[] = KEY_SPECS) {}

  /** Attach what a key does; the id must be in the table (a key outside it would not be on the sheet). */
  bind(id: string, handler: KeyHandler): void {
    const spec = this.specs.find((s) => s.id === id);
    if (!spec || spec.pointer) throw new Error(`no key binding "${id}" in the keymap table`);
    this.handlers.set(id, handler);
  }

  /** Run the first bound handler whose keys match; true when one took the key. */
  dispatch(e: KeyEventLike, typing: boolean): boolean {
    for (const spec of this.specs) {
      if (spec.pointer || (typing && !spec.inFields)) continue;
      const handler = this.handlers.get(spec.id);
      if (!handler || !spec.keys.some((k) => keyMatches(k, e))) continue;
      if (handler(e) !== false) return true;
    }
    return false;
  }

  /** The sheet's rows: gestures, and the keys that have a handler, in table order. */
  sheet(): Array<{ group: KeyGroup; keys: readonly string[]; description: string }> {
    return this.specs.filter((s) => s.pointer || this.handlers.has(s.id)).map((s) => ({ group: s.group, keys: s.keys, description: s.description }));
  }
}

/** The page's one keymap. */
export const keymap = new Keymap();
