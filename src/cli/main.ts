/**
 * The `samkit` command line. Each subcommand lives in its own module and is imported only when it
 * runs, so `samkit predict` does not pay for the server or batch code at start-up.
 */
import { Command, CommanderError } from 'commander';
import { SamkitError } from '../core/errors.js';
import { CliUsageError } from './args.js';

type Register = (program: Command) => void;

const COMMANDS: Array<() => Promise<{ register: Register }>> = [
  () => import('./commands/predict.js'),
  () => import('./commands/auto.js'),
  () => import('./commands/embed.js'),
  () => import('./commands/annotate.js'),
  () => import('./commands/boxes2masks.js'),
  () => import('./commands/models.js'),
  () => import('./commands/ground.js'),
  () => import('./commands/app.js'),
  () => import('./commands/import.js'),
  () => import('./commands/inpaint.js'),
  () => import('./commands/transcribe.js'),
  () => import('./commands/worker.js'),
];

export async function main(argv: string[]): Promise<number> {
  const program = new Command('samkit')
    .description('Segment Anything for TypeScript: promptable and automatic segmentation')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? `samkit: ${s.slice(7)}` : s) });
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

/** Print one line for an error and return the exit code: 2 for usage, 1 for everything else. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (help and version exit 0).
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof CliUsageError) {
    process.stderr.write(`samkit: ${err.message}\n`);
    return 2;
  }
  const msg = err instanceof SamkitError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`samkit: ${msg.split('\n')[0]}\n`);
  if (process.env.SAMKIT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}
