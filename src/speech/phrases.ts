/** The phrases a recogniser may hear ("dog. red car."), normalised to words, and matching a transcript back to one. */

/** Lower-case words (letters, digits, apostrophes) of one phrase. */
export function phraseWords(phrase: string): string[] {
  return phrase.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').split(' ').filter(Boolean);
}

/** Split "a. b, c" into phrases (as the text prompts do: "." separates; "," and newlines too). */
export function splitPhrases(text: string): string[] {
  return text.split(/[.,;\n]+/).map((p) => p.trim()).filter((p) => phraseWords(p).length > 0);
}

/** The phrase a transcript says: an exact word match first, else the most words in common (none: undefined). */
export function matchPhrase(transcript: string, phrases: string[]): string | undefined {
  const said = phraseWords(transcript).join(' ');
  if (!said) return undefined;
  const exact = phrases.find((p) => phraseWords(p).join(' ') === said);
  if (exact) return exact;
  const words = new Set(said.split(' '));
  let best: string | undefined, bestScore = 0;
  for (const p of phrases) {
    const w = phraseWords(p);
    const common = w.filter((x) => words.has(x)).length;
    const score = common / (w.length + words.size - common);
    if (score > bestScore) { best = p; bestScore = score; }
  }
  return best;
}
