/** Grounded-SAM's text prompt: phrases separated by '.', case-insensitive, trailing '.' optional. */
import { InvalidPromptError } from '../core/errors.js';

/** The distinct phrases of a prompt, lower-cased and trimmed, in the order given. */
export function parsePhrases(text: string): string[] {
  if (typeof text !== 'string') throw new InvalidPromptError('the text prompt must be a string of phrases separated by "."');
  const seen = new Set<string>();
  for (const part of text.split('.')) {
    const phrase = part.trim().replace(/\s+/g, ' ').toLowerCase();
    if (phrase) seen.add(phrase);
  }
  if (seen.size === 0) throw new InvalidPromptError(`the text prompt '${text}' names nothing: give phrases separated by "." (e.g. "dog. red car.")`);
  return [...seen];
}
