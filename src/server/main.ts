/**
 * `npm start`: the interactive annotation app on this machine.
 *
 *   node dist/src/server/main.js [--host 127.0.0.1] [--port 8777] [--embeddings DIR] [--data DIR] ...
 *
 * PORT in the environment sets the port (0 = any free port); the URL is printed once listening.
 */
import { Command, CommanderError } from 'commander';
import { pathToFileURL } from 'node:url';
import { SamkitError } from '../core/errors.js';
import { CliUsageError } from '../cli/args.js';
import { MAX_IMAGE_PIXELS } from '../image/load-image.js';
import { createApp, DEFAULT_MAX_UPLOAD_BYTES } from './app.js';
import { defaultEmbeddingsDir } from '../store/embedding-store.js';
import { defaultDataDir } from './paths.js';
import { addServerOptions, DEFAULT_PORT, type ServerFlags } from './flags.js';

export { DEFAULT_PORT };

function intFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliUsageError(`${name} expects an integer in [${min}, ${max}], got '${value}'`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const program = addServerOptions(new Command('samkit-app')
    .description('samkit annotation app: a local web server for interactive Segment Anything annotation'))
    .exitOverride();
  program.parse(argv, { from: 'user' });
  await serve(program.opts<ServerFlags>());
}

/** Start the app with parsed flags, print its URL and keep serving until SIGINT/SIGTERM. */
export async function serve(given: ServerFlags): Promise<void> {
  const flags = {
    ...given,
    data: given.data ?? defaultDataDir(),
    embeddings: given.embeddings ?? defaultEmbeddingsDir(),
    maxUploadMb: given.maxUploadMb ?? String(DEFAULT_MAX_UPLOAD_BYTES / (1024 * 1024)),
    maxPixels: given.maxPixels ?? String(MAX_IMAGE_PIXELS),
  };
  const port = intFlag('--port', flags.port ?? process.env.PORT ?? String(DEFAULT_PORT), 0, 65535);
  const app = await createApp({
    host: flags.host,
    dataDir: flags.data,
    embeddingsDir: flags.embeddings,
    model: flags.model,
    modelOptions: flags.threads ? { threads: intFlag('--threads', flags.threads, 1, 256) } : {},
    maxUploadBytes: intFlag('--max-upload-mb', flags.maxUploadMb, 1, 4096) * 1024 * 1024,
    maxPixels: intFlag('--max-pixels', flags.maxPixels, 1, MAX_IMAGE_PIXELS),
    logger: flags.log ?? false,
  });
  try {
    await app.listen({ host: flags.host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} is in use: set PORT (or --port) to another port, or 0 for any free port`, { cause: err });
    throw err;
  }
  const addr = app.server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  const shown = flags.host === '0.0.0.0' || flags.host === '::' ? '127.0.0.1' : flags.host.includes(':') ? `[${flags.host}]` : flags.host;
  process.stdout.write(`samkit annotation app: http://${shown}:${actual}/\n`);
  process.stdout.write(`  images and annotations: ${flags.data}\n  embedding store: ${flags.embeddings}\n`);
  // Load the model now so the first page load does not wait for it; errors reach the page via /api/model.
  app.samkit.model().then(
    (m) => app.samkit.warm().then(() => process.stdout.write(`  model ${m.manifest.id} ready\n`)),
    (err: unknown) => process.stderr.write(`samkit: the model failed to load: ${err instanceof Error ? err.message : String(err)}\n`),
  );
  const stop = (): void => {
    app.close().then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof CommanderError) {
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    if (err instanceof CliUsageError) {
      process.stderr.write(`samkit-app: ${err.message}\n`);
      process.exit(2);
    }
    const msg = err instanceof SamkitError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`samkit-app: ${msg.split('\n')[0]}\n`);
    process.exit(1);
  });
}
