/** Which of the decoder's mask tokens (0 = single-mask token, 1..3 = multimask candidates) to show. */

/** 'auto' (see chooseMaskToken), the best multimask candidate, or a token index. */
export type MaskTokenRule = 'auto' | 'best-multi' | number;

/**
 * A lone point is ambiguous, so as in the official notebooks the best-scoring multimask candidate is
 * used; any other prompt (several points, a box) takes the single-mask token, as
 * SamPredictor.predict(multimask_output=False) does.
 */
export function chooseMaskToken(scores: ArrayLike<number>, lonePoint: boolean, rule: MaskTokenRule): number {
  const resolved = resolveMaskTokenRule(lonePoint, rule);
  if (typeof resolved === 'number') return resolved;
  let best = 1;
  for (let t = 2; t < scores.length; t++) if (scores[t] > scores[best]) best = t;
  return best;
}

/**
 * What a rule comes to before the scores are known: a fixed token, or the best multimask candidate
 * (the decoder kernel then decodes that token alone).
 */
export function resolveMaskTokenRule(lonePoint: boolean, rule: MaskTokenRule): number | 'best-multi' {
  if (typeof rule === 'number') return rule;
  return rule === 'best-multi' || lonePoint ? 'best-multi' : 0;
}

/** A prompt that is one point and nothing else. */
export function isLonePoint(points: number, box: unknown): boolean {
  return points === 1 && !box;
}
