/**
 * `npm start`: the interactive annotation app on this machine.
 *
 *   node dist/src/server/main.js [project folder] [--host 127.0.0.1] [--port 8777] [--embeddings DIR] [--data DIR] ...
 *
 * PORT in the environment sets the port (0 = any free port); the URL is printed once listening.
 */
import { Command, CommanderError } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SamkitError } from '../core/errors.js';
import { MAX_IMAGE_PIXELS } from '../image/load-image.js';
import { createApp, DEFAULT_MAX_UPLOAD_BYTES } from './app.js';
import { defaultEmbeddingsDir } from '../store/embedding-store.js';
import { defaultDataDir } from './paths.js';
import { parseClasses, type ProjectClass } from '../project/classes.js';
import { PROJECT_DATA_DIR } from '../project/project-store.js';
import { importIntoProject } from '../project/import-run.js';
import { ProposalStore } from '../project/proposal-store.js';
import { CliUsageError } from '../cli/args.js';
import { MODEL_FLAG, MODEL_FLAG_HELP, resolveModelFlags } from '../cli/model-flags.js';

/** `--classes`: a file when one exists at that path, else the list itself. */
async function readClasses(arg: string): Promise<ProjectClass[]> {
  const st = await stat(arg).catch(() => null);
  const text = st?.isFile() ? await readFile(arg, 'utf8') : arg;
  try {
    return parseClasses(text);
  } catch (err) {
    throw new CommanderError(2, 'samkit.usage', `--classes: ${(err as Error).message}`);
  }
}

async function checkProjectDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new CommanderError(2, 'samkit.usage', `the project folder ${dir} does not exist or is not a folder`);
}

export const DEFAULT_PORT = 8777;

/** `--import`: the proposals are stored before the page can ask for them; a bad file stops the start. */
async function importBeforeListening(app: Awaited<ReturnType<typeof createApp>>, dataDir: string, source: string, image: string | undefined): Promise<void> {
  try {
    const s = await importIntoProject(app.samkit.project!, new ProposalStore(dataDir), source, { image });
    process.stdout.write(`imported ${s.proposals} proposal(s) for ${s.images} image(s) from ${source} (${s.format}${s.duplicates ? `, ${s.duplicates} already proposed` : ''}${s.empty ? `, ${s.empty} empty skipped` : ''})\n`);
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** --asr, --lama, --sd-url, --sd-timeout checked up front (a typo fails at start, not on first use). */
async function editFlags(flags: Flags): Promise<{ asr?: string; lama?: string; sdUrl?: string; sdTimeoutMs?: number }> {
  if (flags.lama !== undefined && !(await stat(flags.lama).catch(() => null))?.isFile()) throw new CommanderError(2, 'samkit.usage', `--lama: no model file ${flags.lama}`);
  if (flags.sdUrl !== undefined && !/^https?:\/\/[^/]/.test(flags.sdUrl)) throw new CommanderError(2, 'samkit.usage', `--sd-url expects an http(s) URL, got '${flags.sdUrl}'`);
  const seconds = flags.sdTimeout === undefined ? undefined : Number(flags.sdTimeout);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) throw new CommanderError(2, 'samkit.usage', `--sd-timeout expects seconds > 0, got '${flags.sdTimeout}'`);
  return { asr: flags.asr, lama: flags.lama, sdUrl: flags.sdUrl, sdTimeoutMs: seconds === undefined ? undefined : seconds * 1000 };
}

interface Flags {
  host: string;
  port?: string;
  embeddings: string;
  data?: string;
  classes?: string;
  model?: string;
  dtype?: string;
  revision?: string;
  detector?: string;
  asr?: string;
  lama?: string;
  sdUrl?: string;
  sdTimeout?: string;
  threads?: string;
  maxUploadMb: string;
  maxPixels: string;
  log?: boolean;
  import?: string;
  importImage?: string;
}

function intFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CommanderError(2, 'samkit.usage', `${name} expects an integer in [${min}, ${max}], got '${value}'`);
  return n;
}

export async function main(argv: string[], name = 'samkit-app'): Promise<void> {
  const program = new Command(name)
    .description('samkit annotation app: a local web server for interactive Segment Anything annotation')
    .argument('[dir]', 'a folder of images to open as a project (annotations are kept in <dir>/.samkit)')
    .option('--host <host>', 'address to bind (use 0.0.0.0 to allow other machines)', '127.0.0.1')
    .option('--port <port>', `port (default: $PORT or ${DEFAULT_PORT}; 0 = any free port)`)
    .option('--embeddings <dir>', 'embedding store to read and fill (shared with `samkit embed`)', defaultEmbeddingsDir())
    .option('--data <dir>', `where uploaded images and annotations are kept (default: <project>/${PROJECT_DATA_DIR}, or ${defaultDataDir()})`)
    .option('--classes <list|file>', 'the project\'s classes: "dog,cat" or a file with one name per line (stored in <dir>/.samkit/project.json)')
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option('--dtype <dtype>', 'for a hub id: fp32, fp16 or q8 / quantized weights (default: the most precise the repo has)')
    .option('--revision <rev>', 'for a hub id: branch, tag or commit (default main)')
    .option('--threads <n>', 'onnxruntime threads for the server-side encoder (default: all cores)')
    .option('--max-upload-mb <mb>', 'largest upload accepted, in MB', String(DEFAULT_MAX_UPLOAD_BYTES / (1024 * 1024)))
    .option('--max-pixels <n>', 'largest image accepted, in pixels', String(MAX_IMAGE_PIXELS))
    .option('--log', 'log every request')
    .option('--import <file|folder>', 'import COCO, YOLO, SA-1B, PNG mask folders or samkit auto/ground output into the project as proposals to review')
    .option('--import-image <path>', 'with --import of samkit auto/ground/predict output (which names no image): the project image it belongs to')
    .option('--detector <folder|hub id>', 'open-vocabulary detector for the page\'s Find box (owlvit, owlv2, grounding-dino)')
    .option('--asr <pocketsphinx|whisper folder|hub id>', 'speech recogniser for the microphone button (default pocketsphinx)')
    .option('--lama <model.onnx>', 'LaMa-style ONNX model for the inpainting panel\'s LaMa removal')
    .option('--sd-url <url>', 'AUTOMATIC1111-compatible server for the inpainting panel\'s Replace, e.g. http://127.0.0.1:7860')
    .option('--sd-timeout <s>', 'seconds to wait for the Stable Diffusion server (default 120)')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const flags = program.opts<Flags>();
  const projectDir = program.args[0];
  if (projectDir !== undefined) await checkProjectDir(projectDir);
  if (flags.classes !== undefined && projectDir === undefined) throw new CommanderError(2, 'samkit.usage', '--classes needs a project folder: samkit app <dir> --classes "dog,cat"');
  if (flags.import !== undefined && projectDir === undefined) throw new CommanderError(2, 'samkit.usage', '--import needs a project folder: samkit app <dir> --import <file|folder>');
  const projectClasses = flags.classes === undefined ? undefined : await readClasses(flags.classes);
  flags.data ??= projectDir !== undefined ? path.join(projectDir, PROJECT_DATA_DIR) : defaultDataDir();
  const port = intFlag('--port', flags.port ?? process.env.PORT ?? String(DEFAULT_PORT), 0, 65535);
  const app = await createApp({
    host: flags.host,
    dataDir: flags.data,
    projectDir,
    projectClasses,
    embeddingsDir: flags.embeddings,
    // A hub id downloads here, with progress, before the server listens.
    model: await resolveModelFlags(flags).catch((err: unknown) => {
      throw err instanceof CliUsageError ? new CommanderError(2, 'samkit.usage', err.message) : err;
    }),
    detector: flags.detector,
    ...await editFlags(flags),
    modelOptions: flags.threads ? { threads: intFlag('--threads', flags.threads, 1, 256) } : {},
    maxUploadBytes: intFlag('--max-upload-mb', flags.maxUploadMb, 1, 4096) * 1024 * 1024,
    maxPixels: intFlag('--max-pixels', flags.maxPixels, 1, MAX_IMAGE_PIXELS),
    logger: flags.log ?? false,
  });
  if (flags.import !== undefined) await importBeforeListening(app, flags.data, flags.import, flags.importImage);
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
  if (projectDir !== undefined) process.stdout.write(`  project: ${path.resolve(projectDir)}\n`);
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
      if (err.exitCode !== 0 && err.code === 'samkit.usage') process.stderr.write(`samkit-app: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    const msg = err instanceof SamkitError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`samkit-app: ${msg.split('\n')[0]}\n`);
    process.exit(1);
  });
}
