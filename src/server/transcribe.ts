/**
 * Speech for the page's microphone button. GET /api/transcribe tells the page which recogniser the
 * server has; POST /api/transcribe takes a WAV (the raw body, or a multipart `audio` file with an
 * optional `phrases` field) and answers {transcript, phrase, prompt, backend, ms}. The phrases the
 * recogniser may hear are the request's (`?phrases=red car. dog` or the form field) plus the
 * project's classes: pocketsphinx gets them as a JSGF grammar; Whisper maps its transcript onto them.
 * No phrases at all: the open transcript is the prompt.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AudioError, SamkitError, SpeechError } from '../core/errors.js';
import { speechSamples } from '../speech/audio.js';
import { splitPhrases } from '../speech/phrases.js';
import { PocketsphinxTranscriber } from '../speech/pocketsphinx.js';
import { loadTranscriber } from '../speech/prompt.js';
import type { Transcriber, Transcript } from '../speech/transcriber.js';
import { isWav } from '../speech/wav.js';
import { formatBytes, HttpError } from './http-error.js';

/** 16 MB: about 8 minutes of the page's 16 kHz mono 16-bit, or a minute and a half of 48 kHz stereo. */
export const MAX_AUDIO_BYTES = 16 * 1024 * 1024;

export interface TranscribeDeps {
  /** 'pocketsphinx' (default) or a Whisper model folder / hub id (the server's --asr). */
  asr?: string;
  /** The open project's class names (none without a project). */
  classes: () => Promise<string[]>;
}

const AUDIO_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];

/** The audio bytes and the phrases text of a request. */
async function readRequest(req: FastifyRequest): Promise<{ bytes: Buffer; phrases: string }> {
  let phrases = typeof (req.query as { phrases?: unknown }).phrases === 'string' ? (req.query as { phrases: string }).phrases : '';
  if (req.isMultipart()) {
    let bytes: Buffer | null = null;
    for await (const part of req.parts({ limits: { fileSize: MAX_AUDIO_BYTES, files: 1 } })) {
      if (part.type === 'file') bytes = await part.toBuffer();
      else if (part.fieldname === 'phrases' && typeof part.value === 'string') phrases = [phrases, part.value].filter(Boolean).join('. ');
    }
    if (!bytes) throw new HttpError(400, 'the form has no audio file field', 'NO_AUDIO');
    return { bytes, phrases };
  }
  if (!Buffer.isBuffer(req.body)) {
    throw new HttpError(415, 'send a WAV file as the request body (Content-Type: audio/wav or application/octet-stream) or as multipart/form-data', 'UNSUPPORTED_MEDIA_TYPE');
  }
  return { bytes: req.body, phrases };
}

/** The request's phrases and the project's classes, without repeats. */
export function mergePhrases(requested: string, classes: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of [...splitPhrases(requested), ...classes.flatMap((c) => splitPhrases(c))]) {
    const key = p.toLowerCase();
    if (!seen.has(key)) { seen.add(key); out.push(p); }
  }
  return out;
}

/** Audio errors as the status a client can act on: 415 for a format we do not read, 400 otherwise. */
function audioHttpError(err: AudioError): HttpError {
  const unsupported = /not a WAV file|unsupported WAV sample format/.test(err.message);
  return new HttpError(unsupported ? 415 : 400, err.message, unsupported ? 'UNSUPPORTED_AUDIO' : 'BAD_AUDIO');
}

export function registerTranscribe(app: FastifyInstance, deps: TranscribeDeps): void {
  const asr = deps.asr ?? 'pocketsphinx';
  let transcriber: Promise<Transcriber> | null = null;
  const load = (): Promise<Transcriber> => {
    transcriber ??= loadTranscriber(asr);
    transcriber.catch(() => { transcriber = null; });
    return transcriber;
  };
  // One recognition at a time: pocketsphinx is a whole process, Whisper a whole model run.
  let queue: Promise<unknown> = Promise.resolve();

  app.get('/api/transcribe', async () => ({
    asr,
    available: asr === 'pocketsphinx' ? PocketsphinxTranscriber.available() : true,
    maxBytes: MAX_AUDIO_BYTES,
  }));

  // Scoped so the audio/* parser only exists for this route.
  void app.register(async (scope) => {
    for (const type of AUDIO_TYPES) {
      scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: MAX_AUDIO_BYTES }, (_req, body, done) => done(null, body));
    }
    scope.post('/api/transcribe', { bodyLimit: MAX_AUDIO_BYTES }, async (req) => {
      const { bytes, phrases: requested } = await readRequest(req);
      if (bytes.length === 0) throw new HttpError(400, 'the audio is empty', 'EMPTY_AUDIO');
      if (bytes.length > MAX_AUDIO_BYTES) throw new HttpError(413, `the audio is too large: the limit is ${formatBytes(MAX_AUDIO_BYTES)}`, 'FILE_TOO_LARGE');
      if (!isWav(bytes)) throw new HttpError(415, 'the audio is not a WAV file (RIFF/WAVE): send 16 kHz mono 16-bit PCM WAV', 'UNSUPPORTED_AUDIO');
      let samples: Float32Array;
      try {
        samples = speechSamples(bytes, 'the audio');
      } catch (err) {
        if (err instanceof AudioError) throw audioHttpError(err);
        throw err;
      }
      const phrases = mergePhrases(requested, await deps.classes());
      const run = queue.then(async () => {
        const t0 = performance.now();
        let r: Transcript;
        try {
          r = await (await load()).transcribe(samples, phrases.length ? phrases : undefined);
        } catch (err) {
          if (err instanceof SpeechError && /does not know the word/.test(err.message)) throw new HttpError(400, err.message, 'UNKNOWN_WORDS');
          if (err instanceof SamkitError) throw new HttpError(503, `speech recognition is unavailable: ${err.message}`, 'ASR_UNAVAILABLE');
          throw err;
        }
        // The audio was fine but says nothing usable: 422 with what was heard.
        if (!r.text) throw new HttpError(422, 'no speech recognised in the audio', 'NOTHING_HEARD');
        const prompt = phrases.length ? r.phrase : r.text;
        if (!prompt) throw new HttpError(422, `heard '${r.text}', which is none of the phrases`, 'NOTHING_HEARD');
        return { transcript: r.text, phrase: r.phrase ?? null, prompt, backend: r.backend, phrases, ms: Math.round(performance.now() - t0) };
      });
      queue = run.catch(() => undefined);
      return run;
    });
  });
}
