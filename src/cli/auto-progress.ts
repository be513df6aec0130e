/**
 * Progress of one `samkit auto` run on stderr, in the modes batch commands use: a bar on a terminal,
 * plain lines in logs and pipes (at most one every 2 s, and the last batch), JSON lines with --json,
 * nothing with --quiet.
 */
import type { AmgProgress } from '../amg/generator.js';
import { formatDuration, type ProgressMode } from '../batch/progress.js';

export interface AutoProgress {
  update(p: AmgProgress): void;
  stop(): void;
}

const LINE_INTERVAL_MS = 2000;

export async function autoProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): Promise<AutoProgress> {
  if (mode === 'quiet') return { update: () => undefined, stop: () => undefined };
  if (mode === 'bar') return barProgress(stream);
  const started = performance.now();
  let lastLine = -Infinity;
  let lastDone = -1;
  return {
    update(p) {
      const now = performance.now();
      const last = p.batchesDone === p.batchesTotal;
      // The generator reports the last batch more than once (end of crop, end of run): one line is enough.
      if (p.batchesDone === lastDone || (!last && now - lastLine < LINE_INTERVAL_MS)) return;
      lastLine = now;
      lastDone = p.batchesDone;
      const elapsedS = (now - started) / 1000;
      const etaS = p.batchesDone > 0 ? (elapsedS * (p.batchesTotal - p.batchesDone)) / p.batchesDone : NaN;
      const crop = Math.min(p.cropsDone + 1, p.cropsTotal);
      if (mode === 'json') {
        stream.write(`${JSON.stringify({ event: 'progress', batchesDone: p.batchesDone, batchesTotal: p.batchesTotal, crop, crops: p.cropsTotal, elapsedS: Number(elapsedS.toFixed(1)) })}\n`);
      } else {
        stream.write(`samkit auto: batch ${p.batchesDone}/${p.batchesTotal}, crop ${crop}/${p.cropsTotal}, ${formatDuration(elapsedS)} (eta ${formatDuration(etaS)})\n`);
      }
    },
    stop: () => undefined,
  };
}

async function barProgress(stream: NodeJS.WriteStream): Promise<AutoProgress> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    format: 'samkit auto |{bar}| {value}/{total} batches | crop {crop}/{crops} | {duration_formatted} (eta {eta_formatted})',
    stream,
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(1, 0, { crop: 1, crops: 1 });
  return {
    update(p) {
      if (bar.getTotal() !== p.batchesTotal) bar.setTotal(p.batchesTotal);
      bar.update(p.batchesDone, { crop: Math.min(p.cropsDone + 1, p.cropsTotal), crops: p.cropsTotal });
    },
    stop: () => bar.stop(),
  };
}
