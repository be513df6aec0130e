/**
 * The automatic mask generator's flags, shared by `samkit auto` and `samkit annotate` so both take
 * exactly the official `scripts/amg.py` settings with the same names, defaults and checks.
 */
import type { Command } from 'commander';
import { AMG_DEFAULTS, resolveAmgOptions, type AmgOptions, type ResolvedAmgOptions } from '../amg/options.js';
import { InvalidOptionError } from '../core/errors.js';
import { CliUsageError, parseFloatArg, parseIntArg } from './args.js';

/** The flag values as commander hands them over (undefined when not given): the numeric generator options. */
export type AmgFlags = { [K in 'pointsPerSide' | 'pointsPerBatch' | 'predIouThresh' | 'stabilityScoreThresh' | 'stabilityScoreOffset'
  | 'boxNmsThresh' | 'cropNLayers' | 'cropNmsThresh' | 'cropOverlapRatio' | 'cropNPointsDownscaleFactor' | 'minMaskRegionArea']?: number };

type Key = keyof AmgFlags;

function nonNegative(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new CliUsageError(`${flag} expects a number >= 0, got '${v}'`);
    return n;
  };
}

const FLAGS: ReadonlyArray<{ key: Key; flag: string; arg: 'N' | 'F'; help: string; parse: (v: string) => number }> = [
  { key: 'pointsPerSide', flag: '--points-per-side', arg: 'N', help: 'grid points per image side', parse: parseIntArg('--points-per-side', 1) },
  { key: 'pointsPerBatch', flag: '--points-per-batch', arg: 'N', help: 'points decoded per batch', parse: parseIntArg('--points-per-batch', 1) },
  { key: 'predIouThresh', flag: '--pred-iou-thresh', arg: 'F', help: 'keep masks with predicted IoU above this, in [0, 1]', parse: parseFloatArg('--pred-iou-thresh', 0, 1) },
  { key: 'stabilityScoreThresh', flag: '--stability-score-thresh', arg: 'F', help: 'keep masks with stability score at least this, in [0, 1]', parse: parseFloatArg('--stability-score-thresh', 0, 1) },
  { key: 'stabilityScoreOffset', flag: '--stability-score-offset', arg: 'F', help: 'logit offset for the stability score', parse: nonNegative('--stability-score-offset') },
  { key: 'boxNmsThresh', flag: '--box-nms-thresh', arg: 'F', help: 'box IoU for removing duplicates within a crop, in [0, 1]', parse: parseFloatArg('--box-nms-thresh', 0, 1) },
  { key: 'cropNLayers', flag: '--crop-n-layers', arg: 'N', help: 'crop layers run on top of the whole image', parse: parseIntArg('--crop-n-layers', 0) },
  { key: 'cropNmsThresh', flag: '--crop-nms-thresh', arg: 'F', help: 'box IoU for removing duplicates between crops, in [0, 1]', parse: parseFloatArg('--crop-nms-thresh', 0, 1) },
  { key: 'cropOverlapRatio', flag: '--crop-overlap-ratio', arg: 'F', help: 'crop overlap as a fraction of the short side, in [0, 1)', parse: parseFloatArg('--crop-overlap-ratio', 0, 1) },
  { key: 'cropNPointsDownscaleFactor', flag: '--crop-n-points-downscale-factor', arg: 'N', help: 'points per side divided by this per crop layer', parse: parseIntArg('--crop-n-points-downscale-factor', 1) },
  { key: 'minMaskRegionArea', flag: '--min-mask-region-area', arg: 'N', help: 'remove islands and fill holes smaller than this many pixels (0: off)', parse: parseIntArg('--min-mask-region-area', 0) },
];

/** Add the AMG settings to a command; defaults are the official ones and show in --help. */
export function addAmgFlags(cmd: Command): Command {
  for (const f of FLAGS) {
    const def = AMG_DEFAULTS[f.key];
    const shown = f.key === 'cropOverlapRatio' ? '512/1500' : f.arg === 'F' && Number.isInteger(def) ? Number(def).toFixed(1) : String(def);
    cmd.option(`${f.flag} <${f.arg}>`, `${f.help} (default ${shown})`, f.parse);
  }
  return cmd;
}

/**
 * The generator options for the flags given (flags not given are left to the generator's defaults),
 * checked as a whole; a bad combination is a usage error naming the flags.
 */
export function amgOptionsFromFlags(flags: AmgFlags): AmgOptions {
  const options: AmgOptions = {};
  for (const f of FLAGS) {
    const v = flags[f.key];
    if (v !== undefined) options[f.key] = v;
  }
  resolveAmgFlags(options);
  return options;
}

/** resolveAmgOptions with its option names turned into flag names for the message. */
export function resolveAmgFlags(options: AmgOptions): ResolvedAmgOptions {
  try {
    return resolveAmgOptions(options);
  } catch (err) {
    if (!(err instanceof InvalidOptionError)) throw err;
    let msg = err.message;
    for (const f of FLAGS) msg = msg.replace(new RegExp(`\\b${f.key}\\b`, 'g'), f.flag);
    throw new CliUsageError(msg);
  }
}
