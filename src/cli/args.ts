/** Parsing of command-line values; bad values raise CliUsageError naming the flag and the value. */

export class CliUsageError extends Error {}

function numbers(flag: string, value: string, count: number[] , what: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (!count.includes(parts.length) || parts.some((s) => s === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new CliUsageError(`${flag} expects ${what}, got '${value}'`);
  }
  return nums;
}

/** `x,y[,label]` with label 1 (foreground) or 0 (background), default 1. */
export function parsePoint(value: string, previous: Array<{ x: number; y: number; label: number }> = []): Array<{ x: number; y: number; label: number }> {
  const [x, y, label = 1] = numbers('--point', value, [2, 3], 'x,y or x,y,label');
  if (label !== 0 && label !== 1) throw new CliUsageError(`--point label must be 1 (foreground) or 0 (background), got ${label} in '${value}'`);
  return [...previous, { x, y, label }];
}

/** `x0,y0,x1,y1` with x1 >= x0 and y1 >= y0. */
export function parseBox(value: string): [number, number, number, number] {
  const [x0, y0, x1, y1] = numbers('--box', value, [4], 'x0,y0,x1,y1 (4 numbers)');
  if (x1 < x0 || y1 < y0) throw new CliUsageError(`--box '${value}' has x1 < x0 or y1 < y0`);
  return [x0, y0, x1, y1];
}

export function parseIntArg(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new CliUsageError(`${flag} expects an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? 'inf' : max}], got '${v}'`);
    return n;
  };
}

export function parseFloatArg(flag: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new CliUsageError(`${flag} expects a number in [${min}, ${max}], got '${v}'`);
    return n;
  };
}
