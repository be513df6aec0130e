/**
 * A project's class list from `--classes "dog,cat"` or a file (one name per line, or commas):
 * names in order, without duplicates; the first nine get hotkeys 1-9; colours from a fixed palette.
 * Pure: the caller reads the file.
 */
import { InvalidArgumentError } from '../core/errors.js';

export interface ProjectClass { name: string; color: string; hotkey: number | null }

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4', '#469990', '#dcbeff', '#9a6324'];

export function parseClasses(text: string): ProjectClass[] {
  const names: string[] = [];
  for (const raw of text.split(/[,\n\r]/)) {
    const name = raw.trim();
    if (name && !names.includes(name)) names.push(name);
  }
  if (names.length === 0) throw new InvalidArgumentError('the class list is empty: give names such as "dog,cat" or a file with one name per line');
  if (names.some((n) => n.length > 200)) throw new InvalidArgumentError('a class name is longer than 200 characters');
  return names.map((name, i) => ({ name, color: PALETTE[i % PALETTE.length], hotkey: i < 9 ? i + 1 : null }));
}

export const MAX_CLASSES = 500;
export const MAX_CLASS_NAME = 200;

/** A colour for a new class: the first palette colour no class uses yet (cycling when all are used). */
export function nextClassColor(classes: readonly ProjectClass[]): string {
  const used = new Set(classes.map((c) => c.color.toLowerCase()));
  return PALETTE.find((c) => !used.has(c)) ?? PALETTE[classes.length % PALETTE.length];
}

/**
 * A class list edited in the page (`PUT /api/project/classes`), checked whole: names trimmed, not empty,
 * unique; colours `#rrggbb`; hotkeys 1-9 or none, each used once. Nothing is fixed up silently.
 */
export function validateClasses(value: unknown): ProjectClass[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError('classes must be an array of {name, color, hotkey}');
  if (value.length > MAX_CLASSES) throw new InvalidArgumentError(`at most ${MAX_CLASSES} classes, got ${value.length}`);
  const names = new Set<string>();
  const hotkeys = new Set<number>();
  return value.map((raw: unknown, i) => {
    const c = raw as { name?: unknown; color?: unknown; hotkey?: unknown } | null;
    if (!c || typeof c !== 'object') throw new InvalidArgumentError(`class ${i + 1} is not an object`);
    if (typeof c.name !== 'string' || !c.name.trim()) throw new InvalidArgumentError(`class ${i + 1} has no name`);
    const name = c.name.trim();
    if (name.length > MAX_CLASS_NAME) throw new InvalidArgumentError(`class ${i + 1}: the name is longer than ${MAX_CLASS_NAME} characters`);
    if (names.has(name)) throw new InvalidArgumentError(`the class name "${name}" is used twice`);
    names.add(name);
    if (typeof c.color !== 'string' || !/^#[0-9a-f]{6}$/i.test(c.color)) throw new InvalidArgumentError(`class "${name}": the colour must be #rrggbb, got ${JSON.stringify(c.color)}`);
    const hotkey = c.hotkey ?? null;
    if (hotkey !== null && (typeof hotkey !== 'number' || !Number.isInteger(hotkey) || hotkey < 1 || hotkey > 9)) {
      throw new InvalidArgumentError(`class "${name}": the hotkey must be 1-9 or null, got ${JSON.stringify(c.hotkey)}`);
    }
    if (hotkey !== null && hotkeys.has(hotkey)) throw new InvalidArgumentError(`the hotkey ${hotkey} is given to two classes`);
    if (hotkey !== null) hotkeys.add(hotkey);
    return { name, color: c.color.toLowerCase(), hotkey };
  });
}

/**
 * Renames given with an edited list (`{old: new}`), checked against it: each new name is in the list
 * and each old name is not (the objects labelled with it move to the new name).
 */
export function validateRenames(value: unknown, classes: readonly ProjectClass[]): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('renamed must be an object {"old name": "new name"}');
  const names = new Set(classes.map((c) => c.name));
  for (const [from, to] of Object.entries(value as Record<string, unknown>)) {
    if (typeof to !== 'string' || !names.has(to.trim())) throw new InvalidArgumentError(`renamed: "${from}" must map to a class in the list, got ${JSON.stringify(to)}`);
    if (names.has(from)) throw new InvalidArgumentError(`renamed: "${from}" is still a class`);
    if (from !== to.trim()) out.set(from, to.trim());
  }
  return out;
}
