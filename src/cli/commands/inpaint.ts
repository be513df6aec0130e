/** `samkit inpaint`: fill a mask (remove the object, or replace it through Stable Diffusion); writes a PNG. */
import type { Command } from 'commander';
import { encodePng } from '../../image/encode-png.js';
import type { InpaintMethod } from '../../inpaint/inpaint.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { CliUsageError, parseIntArg } from '../args.js';

interface InpaintFlags {
  mask?: string;
  maskIndex?: number | 'all';
  out?: string;
  method: string;
  dilate?: number;
  radius?: number;
  sdUrl?: string;
  prompt?: string;
  negativePrompt?: string;
  denoise?: number;
  timeout?: number;
}

/** The --method value as a library method (usage errors for bad combinations). */
export function methodFromFlags(f: { method: string; sdUrl?: string; prompt?: string; negativePrompt?: string; denoise?: number; timeout?: number }): InpaintMethod {
  const m = f.method;
  if (m === 'telea' || m === 'ns') return m;
  if (m.startsWith('lama:')) {
    if (m.length === 5) throw new CliUsageError('--method lama:<model.onnx> needs the model file');
    return { lama: m.slice(5) };
  }
  if (m === 'sd') {
    if (!f.sdUrl) throw new CliUsageError('--method sd needs --sd-url (an AUTOMATIC1111-compatible server)');
    if (!f.prompt?.trim()) throw new CliUsageError('--method sd needs --prompt (what to paint into the mask)');
    return { sd: { url: f.sdUrl, prompt: f.prompt, negativePrompt: f.negativePrompt, denoisingStrength: f.denoise, timeoutMs: f.timeout !== undefined ? f.timeout * 1000 : undefined } };
  }
  throw new CliUsageError(`--method must be telea, ns, lama:<model.onnx> or sd, got '${m}'`);
}

function parsePick(v: string): number | 'all' {
  if (v === 'all') return v;
  return parseIntArg('--mask-index', 0)(v);
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new CliUsageError(`--timeout expects seconds > 0, got '${v}'`);
  return n;
}

function parseDenoise(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new CliUsageError(`--denoise expects a number in [0, 1], got '${v}'`);
  return n;
}

async function run(image: string, flags: InpaintFlags): Promise<void> {
  if (!flags.mask) throw new CliUsageError('--mask <rle.json|mask.png> is required');
  if (!flags.out) throw new CliUsageError('--out <file.png> is required');
  const method = methodFromFlags(flags);
  const [{ inpaint }, { readMaskFile }] = await Promise.all([import('../../inpaint/inpaint.js'), import('../../inpaint/mask-file.js')]);
  const mask = await readMaskFile(flags.mask, flags.maskIndex);
  const result = await inpaint(image, mask, { method, dilate: flags.dilate, radius: flags.radius });
  await writeFileAtomic(flags.out, await encodePng(result.data, result.width, result.height, 3));
}

export function register(program: Command): void {
  program
    .command('inpaint')
    .description('fill a mask: remove the object (telea, ns, a LaMa ONNX model) or replace it (Stable Diffusion server); writes a PNG')
    .argument('<image>', 'image file (JPEG, PNG, WebP, ...)')
    .option('--mask <file>', 'the mask: RLE JSON (an RLE, a record, or predict/ground/auto output) or a PNG (>= 128 = fill)')
    .option('--mask-index <n|all>', 'which mask of a JSON list (default: the only one); all = their union', parsePick)
    .option('--out <file.png>', 'where to write the result')
    .option('--method <m>', 'telea | ns | lama:<model.onnx> | sd', 'telea')
    .option('--dilate <px>', 'grow the mask first (default 3)', parseIntArg('--dilate', 0, 256))
    .option('--radius <px>', 'telea/ns neighbourhood radius (default 5)', parseIntArg('--radius', 1, 64))
    .option('--sd-url <url>', 'AUTOMATIC1111-compatible server for --method sd, e.g. http://127.0.0.1:7860')
    .option('--prompt <text>', 'what to paint into the mask (--method sd)')
    .option('--negative-prompt <text>', 'what to avoid (--method sd)')
    .option('--denoise <f>', 'denoising strength 0..1 (--method sd, default 0.75)', parseDenoise)
    .option('--timeout <s>', 'seconds to wait for the SD server (default 120)', parseSeconds)
    .action(run);
}
