/**
 * Which accepted object is selected (by its annotation id), for every page module that acts on "the
 * selected object" (editing, Remove/Replace, the object list). One module-level value so modules
 * need no reference to each other; listeners hear each change once.
 *
 *   import { selected, select, onSelectionChange } from './selection.js';
 *   onSelectionChange((id) => button.disabled = id === null);
 */
type Listener = (id: string | null, previous: string | null) => void;

let current: string | null = null;
const listeners = new Set<Listener>();

/** The selected object's id, or null. */
export function selected(): string | null {
  return current;
}

/** Select an object by id (null clears). Listeners run only when the selection changes. */
export function select(id: string | null): void {
  if (id === current) return;
  const previous = current;
  current = id;
  for (const l of [...listeners]) l(id, previous);
}

/** Call `listener` on every change; returns a function that removes it. */
export function onSelectionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => { listeners.delete(listener); };
}
