/**
 * The annotation app's HTTP server: a JSON/binary API over the library (images, embeddings, the
 * automatic mask generator, annotations, exports) plus the static frontend and onnxruntime-web's
 * wasm files, all served from this machine.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SamkitError } from '../core/errors.js';
import { MAX_IMAGE_PIXELS } from '../image/load-image.js';
import { SamModel, type LoadModelOptions, type ModelSource } from '../model/sam-model.js';
import { SamPredictor } from '../predictor.js';
import { EmbeddingStore } from '../store/embedding-store.js';
import { AnnotationStore, MAX_DOC_BYTES } from './annotations.js';
import { AutoService, parseAutoOptions } from './auto.js';
import { DecodeService } from './decode.js';
import { EmbeddingService } from './embeddings.js';
import { embeddingBody, IMAGE_INPUTS_HEADER, imageInputsHeader } from './embedding-body.js';
import { registerGuards } from './guards/index.js';
import { jsonObjectBody } from './guards/content-type.js';
import { HeavyPool } from './work/heavy-pool.js';
import { registerFind } from './find.js';
import { registerInpaint } from './inpaint.js';
import { registerTranscribe } from './transcribe.js';
import { formatBytes, HttpError } from './http-error.js';
import { checkImageId, ImageLibrary } from './image-library.js';
import { webDistDir } from './paths.js';
import { registerStaticDir } from './static-files.js';
import type { ProjectClass } from '../project/classes.js';
import { ProjectStore } from '../project/project-store.js';
import { registerProjectRoutes } from './project-routes.js';
import { registerImportRoutes } from './import-routes.js';
import { registerPrepareRoute } from './prepare-route.js';
import { ProposalStore } from '../project/proposal-store.js';
import { EXPORT_FORMATS, type AnnotationDoc, type AutoEvent, type ExportFormat, type ImageListEntry, type ModelInfo } from './protocol.js';

export interface AppOptions {
  /** Uploaded images and annotations. */
  dataDir: string;
  /** Embedding store shared with `samkit embed`. */
  embeddingsDir: string;
  /** A folder of images opened as a project (`samkit app <dir>`). */
  projectDir?: string;
  /** Classes to store with the project (`--classes`). */
  projectClasses?: ProjectClass[];
  maxUploadBytes?: number;
  maxPixels?: number;
  model?: ModelSource;
  modelOptions?: LoadModelOptions;
  /** The built frontend (default: web/dist of this package). */
  webRoot?: string;
  /** Uploads received and checked at once (more get 429). */
  uploadConcurrency?: number;
  /** Host the server is bound to; when it is a loopback address only loopback Host headers are served. */
  host?: string;
  logger?: boolean;
  /** Open-vocabulary detector for the Find box (folder or hub id). */
  detector?: string;
  /** Speech recogniser for the microphone button: 'pocketsphinx' (default) or a Whisper folder / hub id. */
  asr?: string;
  /** LaMa-contract ONNX file for the inpainting panel's "lama" method. */
  lama?: string;
  /** AUTOMATIC1111-compatible server for the inpainting panel's "replace". */
  sdUrl?: string;
  sdTimeoutMs?: number;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

interface HoverGraphs { image: Buffer; prompt: Buffer; carried: string[]; blockedMasks: boolean; version: string }

function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('onnxruntime-web'));
}

function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const maxPixels = Math.min(options.maxPixels ?? MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS);
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 64 * 1024 * 1024 });

  let modelPromise: Promise<SamModel> | null = null;
  const model = (): Promise<SamModel> => {
    modelPromise ??= SamModel.load(options.model, options.modelOptions);
    return modelPromise;
  };
  let predictorPromise: Promise<SamPredictor> | null = null;
  const predictor = (): Promise<SamPredictor> => {
    predictorPromise ??= model().then((m) => new SamPredictor(m));
    return predictorPromise;
  };
  // The model layer's per-image / per-prompt decoder graphs (the low-rank decoder for the default
  // model): the page runs the image part once per image and the prompt part per pointer move.
  let split: Promise<HoverGraphs | null> | null = null;
  const hoverSplit = (): Promise<HoverGraphs | null> => {
    split ??= model().then(async (m) => {
      const g = await m.promptGraphs();
      const version = createHash('sha256').update(g.image).update(g.prompt).digest('hex').slice(0, 12);
      return { image: Buffer.from(g.image), prompt: Buffer.from(g.prompt), carried: g.carried, blockedMasks: g.blockedMasks, version };
    }).catch((err: unknown) => {
      app.log.warn(`hover decoder split unavailable: ${errorMessage(err)}`);
      return null;
    });
    return split;
  };
  let decoder: Promise<{ bytes: Buffer; etag: string }> | null = null;
  const decoderFile = (): Promise<{ bytes: Buffer; etag: string }> => {
    decoder ??= model().then(async (m) => {
      const bytes = Buffer.from(await m.decoderBytes());
      return { bytes, etag: `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"` };
    });
    return decoder;
  };

  const library = new ImageLibrary(options.dataDir, maxPixels);
  const annotations = new AnnotationStore(options.dataDir);
  const store = new EmbeddingStore(options.embeddingsDir);
  const embeddings = new EmbeddingService(store, predictor, library);
  const auto = new AutoService(model, library);
  const serverDecode = new DecodeService(model, embeddings);
  // Exports and big documents are decoded in a worker thread, so the event loop keeps answering.
  const heavy = new HeavyPool();
  app.addHook('onClose', () => heavy.close());

  // Model, decoder bytes and the hover split, so the first page load does not wait for them.
  const warm = (): Promise<unknown> => model().then(() => hoverSplit());
  app.decorate('samkit', { model, warm, library, annotations, embeddings, heavy, project: null as ProjectStore | null });
  // Decoder lanes finish their current run before exiting (a process exit inside one aborts).
  app.addHook('onClose', async () => {
    const loaded = await modelPromise?.catch(() => null);
    await loaded?.close();
  });

  // Host (DNS rebinding), Origin (cross-site writes), content types, upload concurrency.
  registerGuards(app, { host: options.host, uploadConcurrency: options.uploadConcurrency });

  app.addHook('onSend', async (_req, reply, payload) => {
    // Cross-origin isolation lets onnxruntime-web use threads (SharedArrayBuffer).
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    return payload;
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    const e = err as { code?: string; statusCode?: number; message?: string; validation?: unknown };
    let status = 500;
    let message = errorMessage(err);
    let code = 'INTERNAL';
    if (err instanceof HttpError) {
      status = err.status; code = err.code;
    } else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.code === 'FST_REQ_FILE_TOO_LARGE') {
      status = 413; code = 'FILE_TOO_LARGE';
      message = req.url.startsWith('/api/images') && req.method === 'POST'
        ? `the file is too large: the upload limit is ${formatBytes(maxUploadBytes)}`
        : 'the request body is too large';
    } else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415; code = 'UNSUPPORTED_MEDIA_TYPE';
      message = `unsupported content type '${req.headers['content-type'] ?? ''}'`;
    } else if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && e.statusCode === 400)) {
      status = 400; code = 'BAD_JSON'; message = `the request body is not valid JSON: ${message}`;
    } else if (err instanceof SamkitError) {
      status = err.code === 'MODEL' ? 503 : err.code === 'IMAGE_TOO_LARGE' ? 413 : err.code === 'IMAGE_DECODE' ? 422 : 400;
      code = err.code;
      if (err.code === 'MODEL') message = `model error: ${message}`;
    } else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      status = e.statusCode; code = e.code ?? 'BAD_REQUEST';
    }
    if (status >= 500 && status !== 501 && status !== 503) req.log.error(err);
    void reply.status(status).header('cache-control', 'no-store').send({ error: message, code });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: `not found: ${req.method} ${req.url.split('?')[0]}`, code: 'NOT_FOUND' });
  });

  // Uploads: the raw file as the body (what the page sends) or multipart/form-data (curl -F).
  for (const type of ['application/octet-stream', /^image\/[a-z0-9.+-]+$/i]) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxUploadBytes }, (_req, body, done) => done(null, body));
  }
  await app.register(fastifyMultipart, { limits: { fileSize: maxUploadBytes, files: 1, fields: 4 }, throwFileSizeLimit: true });

  const webRoot = options.webRoot ?? webDistDir();
  if (existsSync(path.join(webRoot, 'index.html'))) {
    registerStaticDir(app, { root: webRoot, prefix: '/', cacheControl: 'no-cache' });
  } else {
    app.get('/', async (_req, reply) => reply.status(500).type('text/plain').send('The frontend is not built: run `npm run build` in the samkit folder.\n'));
  }
  registerStaticDir(app, {
    root: ortDistDir(),
    prefix: '/ort/',
    cacheControl: 'public, max-age=86400',
    allow: /^ort-wasm-simd-threaded(\.jsep|\.jspi|\.asyncify)?\.(wasm|mjs)$/,
  });

  registerFind(app, { detector: options.detector, model, library });

  const imageId = (req: FastifyRequest): string => checkImageId((req.params as { id?: string }).id);

  app.get('/api/health', async () => ({ ok: true }));

  app.get('/api/model', async (): Promise<ModelInfo> => {
    const [m, dec, hover] = await Promise.all([model(), decoderFile(), hoverSplit()]);
    return {
      id: m.manifest.id,
      inputSize: m.preprocess.inputSize,
      resize: m.preprocess.resize ?? 'longest-side',
      maskInputSize: m.maskInputSize,
      embeddingShape: [...m.embeddingShape],
      decoderFamily: m.decoderFamily,
      supports: { ...m.supports },
      decoderUrl: `/api/model/decoder.onnx?v=${dec.etag.slice(1, 13)}`,
      decoderBytes: dec.bytes.length,
      hoverDecoder: hover ? {
        imageUrl: `/api/model/decoder-image.onnx?v=${hover.version}`,
        promptUrl: `/api/model/decoder-prompt.onnx?v=${hover.version}`,
        carried: hover.carried,
        blockedMasks: hover.blockedMasks,
      } : null,
      automatic: true,
      polygons: true,
      encodeMsEstimate: embeddings.encodeMs,
      limits: { maxUploadBytes, maxPixels },
    };
  });

  app.get('/api/model/decoder.onnx', async (req, reply) => {
    const dec = await decoderFile();
    reply.header('etag', dec.etag).header('cache-control', 'public, max-age=86400');
    if (req.headers['if-none-match'] === dec.etag) return reply.status(304).send();
    return reply.type('application/octet-stream').send(dec.bytes);
  });

  for (const part of ['image', 'prompt'] as const) {
    app.get(`/api/model/decoder-${part}.onnx`, async (_req, reply) => {
      const hover = await hoverSplit();
      if (!hover) throw new HttpError(404, 'the hover decoder is not available for this model', 'NO_HOVER_DECODER');
      reply.header('cache-control', 'public, max-age=86400');
      return reply.type('application/octet-stream').send(hover[part]);
    });
  }

  app.get('/api/images', async (): Promise<{ images: ImageListEntry[] }> => {
    const infos = await library.list();
    const entries = await Promise.all(infos.map(async (info) => {
      const doc = await annotations.get(info.id);
      return { ...info, objects: doc?.objects.length ?? 0, updatedAt: doc?.updatedAt ?? null };
    }));
    entries.sort((a, b) => (b.updatedAt ?? b.uploadedAt).localeCompare(a.updatedAt ?? a.uploadedAt));
    return { images: entries.slice(0, 100) };
  });

  app.post('/api/images', async (req, reply) => {
    let bytes: Buffer;
    let name = typeof (req.query as { name?: unknown }).name === 'string' ? (req.query as { name: string }).name : 'image';
    if (req.isMultipart()) {
      const file = await req.file();
      if (!file) throw new HttpError(400, 'the form has no file field', 'NO_FILE');
      bytes = await file.toBuffer();
      name = file.filename || name;
    } else if (Buffer.isBuffer(req.body)) {
      bytes = req.body;
    } else {
      throw new HttpError(415, 'send the image file as the request body (Content-Type: application/octet-stream or image/*) or as multipart/form-data', 'NO_FILE');
    }
    const { info, created } = await library.add(bytes, name);
    const m = await model().catch(() => null);
    const embedded = m ? await store.has(m.manifest.id, info.id) : false;
    return reply.status(created ? 201 : 200).send({ image: info, created, embedded, encodeMsEstimate: embeddings.encodeMs });
  });

  const project = options.projectDir ? new ProjectStore(options.projectDir, library, annotations, [options.dataDir, options.embeddingsDir]) : null;
  if (project && options.projectClasses) await project.setClasses(options.projectClasses);
  app.samkit.project = project;
  registerProjectRoutes(app, project, embeddings, heavy);
  registerImportRoutes(app, project, new ProposalStore(options.dataDir), maxUploadBytes);
  registerPrepareRoute(app, serverDecode, library);
  registerTranscribe(app, { asr: options.asr, classes: async () => project ? (await project.readFile()).classes.map((c) => c.name) : [] });
  registerInpaint(app, { library, annotations, heavy, lama: options.lama, sdUrl: options.sdUrl, sdTimeoutMs: options.sdTimeoutMs });

  app.get('/api/images/:id', async (req) => library.require(imageId(req)));

  app.get('/api/images/:id/file', async (req, reply) => {
    const id = imageId(req);
    const info = await library.require(id);
    reply.header('cache-control', 'private, max-age=31536000, immutable');
    return reply.type(`image/${info.format}`).send(await library.bytes(id));
  });

  app.get('/api/images/:id/embedding', async (req, reply) => {
    const id = imageId(req);
    await library.require(id);
    const e = await embeddings.get(id);
    reply.header('x-embedding-shape', e.dims.join(','));
    reply.header('x-image-size', `${e.originalSize.width},${e.originalSize.height}`);
    reply.header('x-embedding-source', e.source);
    reply.header('cache-control', 'no-store');
    // Families whose decoder takes more image-side inputs: those follow the embedding (embedding-body.ts).
    const inputs = Object.entries(e.imageInputs);
    if (!inputs.length) return reply.type('application/octet-stream').send(Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength));
    reply.header(IMAGE_INPUTS_HEADER, imageInputsHeader(inputs));
    return reply.type('application/octet-stream').send(embeddingBody(e.data, inputs));
  });

  // Body: float32 scores [tokens], then logits [planes, rows, maskSize] (the rows over the image).
  app.post('/api/images/:id/decode', async (req, reply) => {
    const id = imageId(req);
    const info = await library.require(id);
    const d = await serverDecode.decode(id, info, jsonObjectBody(req, 'the decode prompt'));
    const body = new Float32Array(d.scores.length + d.logits.length);
    body.set(d.scores);
    body.set(d.logits, d.scores.length);
    reply.header('x-decode-tokens', String(d.scores.length)).header('x-decode-planes', d.planes.join(','));
    if (d.multimaskOnly) reply.header('x-decode-multimask-only', '1');
    reply.header('x-mask-size', String(d.maskSize)).header('x-mask-rows', String(d.rows));
    reply.header('cache-control', 'no-store');
    return reply.type('application/octet-stream').send(Buffer.from(body.buffer));
  });

  app.post('/api/images/:id/auto', async (req: FastifyRequest, reply: FastifyReply) => {
    const id = imageId(req);
    await library.require(id);
    const opts = parseAutoOptions(jsonObjectBody(req, 'the automatic mask generator options'));
    const stream = new PassThrough();
    const abort = new AbortController();
    let finished = false;
    reply.raw.on('close', () => { if (!finished) abort.abort(new Error('the page cancelled the run')); });
    const write = (e: AutoEvent): void => { if (!stream.writableEnded) stream.write(`${JSON.stringify(e)}\n`); };
    const t0 = performance.now();
    void auto.run(id, opts, (p) => write({ type: 'progress', ...p }), abort.signal).then(
      (records) => write({ type: 'result', records, elapsedMs: Math.round(performance.now() - t0) }),
      (err) => write({ type: 'error', error: abort.signal.aborted ? 'cancelled' : errorMessage(err) }),
    ).finally(() => { finished = true; stream.end(); });
    return reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(stream);
  });

  app.get('/api/images/:id/annotations', async (req): Promise<AnnotationDoc> => {
    const id = imageId(req);
    await library.require(id);
    return (await annotations.get(id)) ?? { version: 1, imageId: id, objects: [], updatedAt: new Date(0).toISOString() };
  });

  app.put('/api/images/:id/annotations', { bodyLimit: MAX_DOC_BYTES }, async (req) => {
    const id = imageId(req);
    const info = await library.require(id);
    const doc = await heavy.validateDoc(jsonObjectBody(req, 'the annotations'), info);
    await annotations.put(doc);
    return { ok: true, objects: doc.objects.length, updatedAt: doc.updatedAt };
  });

  app.get('/api/images/:id/export', async (req, reply) => {
    const id = imageId(req);
    const info = await library.require(id);
    const format = (req.query as { format?: string }).format ?? 'coco-rle';
    if (!EXPORT_FORMATS.includes(format as ExportFormat)) throw new HttpError(400, `unknown export format '${format}'; use one of ${EXPORT_FORMATS.join(', ')}`, 'BAD_FORMAT');
    const doc = (await annotations.get(id)) ?? { version: 1 as const, imageId: id, objects: [], updatedAt: new Date().toISOString() };
    const file = await heavy.runExport(format as ExportFormat, doc, info);
    reply.header('content-disposition', `attachment; filename="${file.fileName}"`).header('cache-control', 'no-store');
    return reply.type(file.contentType).send(file.body);
  });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    samkit: {
      model: () => Promise<SamModel>;
      warm: () => Promise<unknown>;
      library: ImageLibrary;
      /** Exports and document checks off the event loop (reuse for other heavy work). */
      heavy: HeavyPool;
      annotations: AnnotationStore;
      embeddings: EmbeddingService;
      /** The open project folder, or null. */
      project: ProjectStore | null;
    };
  }
}
