/** `samkit worker`: run the jobs that `annotate|boxes2masks|embed --queue` put on a Redis queue. */
import type { Command } from 'commander';
import { defaultJobs, modelSource } from '../../batch/cli.js';
import { parseRedisUrl } from '../../batch/queue/redis-url.js';
import { CliUsageError, parseIntArg } from '../args.js';
import { importOptional } from '../../runtime/optional-import.js';
import { addModelFlags, type ModelFlags } from '../model-flags.js';

interface WorkerFlags extends ModelFlags {
  queue?: string;
  concurrency?: number;
  stalledAfter: number;
  threads?: number;
  quiet?: boolean;
}

const HELP_AFTER = `
Workers read each job's image from the path the coordinator gave (shared storage: the same path on
every machine) and refuse a file whose SHA-256 differs from the job's, and a job made for another
model id or samkit version (the coordinator reports the image as failed after its tries).

Stopping: SIGTERM or Ctrl+C finishes the running job(s) and exits; a second signal hands them back
to the queue at once. A worker killed outright (SIGKILL, machine lost) stops renewing its job's lock;
after --stalled-after seconds another worker's sweep puts the job back in the queue (a job that
stalls 6 times fails). A lost Redis pauses the worker; it goes on when Redis is back.`;

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .description('take batch jobs from a Redis queue (see annotate --queue) and run them until stopped')
    .option('--queue <redis-url>', 'the queue: redis://host:port[/db]')
    .option('--concurrency <n>', `jobs at once, each on its own model in a worker thread (default ${defaultJobs()} here, as annotate --jobs)`, parseIntArg('--concurrency', 1, 64))
    .option('--threads <n>', 'onnxruntime threads per job (default: the cores divided by --concurrency; use 1 with several workers on one machine)', parseIntArg('--threads', 1, 256))
    .option('--stalled-after <s>', 'seconds after which the job of a worker that stopped answering is retried', parseIntArg('--stalled-after', 2, 3600), 30)
    .option('--quiet', 'print nothing but errors')
    .addHelpText('after', HELP_AFTER);
  addModelFlags(cmd).action(run);
}

async function run(flags: WorkerFlags): Promise<void> {
  if (!flags.queue) throw new CliUsageError('--queue is required (redis://host:port[/db])');
  const target = parseRedisUrl(flags.queue);
  const model = await modelSource(flags);
  const { runWorker } = await importOptional('bullmq', 'samkit worker', () => import('../../batch/queue/worker.js'));
  await runWorker({ target, model, concurrency: flags.concurrency ?? defaultJobs(), stalledAfterS: flags.stalledAfter, threads: flags.threads, quiet: flags.quiet ?? false });
}
