/**
 * Speech as a text prompt: pick the recogniser and turn what was said into the prompt text. With
 * phrases, only a phrase from the list can come out (the label-list use case); without, the
 * transcript is the prompt. This is the piece `ground --speech` and the server plug in.
 */
import { SpeechError } from '../core/errors.js';
import { splitPhrases } from './phrases.js';
import { PocketsphinxTranscriber } from './pocketsphinx.js';
import type { Transcriber, Transcript } from './transcriber.js';

/** 'pocketsphinx' (default), or a Whisper model folder / hub id. */
export async function loadTranscriber(asr = 'pocketsphinx'): Promise<Transcriber> {
  if (asr === 'pocketsphinx') return new PocketsphinxTranscriber();
  const { WhisperTranscriber } = await import('./whisper.js');
  return WhisperTranscriber.load(asr.replace(/^whisper:/, ''));
}

/** The transcript and the prompt it gives (`prompt` is the matched phrase, or the transcript when no phrases). */
export async function transcribeForPrompt(t: Transcriber, samples16k: Float32Array, phrasesText?: string): Promise<Transcript & { prompt: string }> {
  const phrases = phrasesText !== undefined ? splitPhrases(phrasesText) : undefined;
  if (phrases && phrases.length === 0) throw new SpeechError('--text gives no phrases to listen for');
  const r = await t.transcribe(samples16k, phrases);
  if (!r.text) throw new SpeechError('no speech recognised in the audio');
  const prompt = phrases ? r.phrase : r.text;
  if (!prompt) throw new SpeechError(`heard '${r.text}', which is none of the phrases`);
  return { ...r, prompt };
}
