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
