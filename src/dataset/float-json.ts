/**
 * JSON with score fields kept floats: `JSON.stringify(1)` and `JSON.stringify(1.0)` are both `1`,
 * which Python's json reads as an int. Readers of COCO results and SA-1B files expect floats in
 * `score`, `predicted_iou` and `stability_score`, so integral values there are written as `1.0`.
 */
export const FLOAT_FIELDS: ReadonlySet<string> = new Set(['score', 'predicted_iou', 'stability_score']);

// A marker no other string in these documents holds (file names and RLE counts have no NUL).
const MARK = '\u0000float:';
const MARKED = /"\\u0000float:(-?\d+)"/g;

export function floatJson(value: unknown, fields: ReadonlySet<string> = FLOAT_FIELDS): string {
  const text = JSON.stringify(value, (key, v: unknown) => (fields.has(key) && typeof v === 'number' && Number.isSafeInteger(v) ? `${MARK}${v}` : v));
  return text.replace(MARKED, '$1.0');
}
