/**
 * Offline recognition with CMU pocketsphinx (Debian `pocketsphinx` + `pocketsphinx-en-us`), run as a
 * child process. With phrases, the vocabulary is a JSGF grammar of exactly those phrases (reliable
 * for a label list); without, the en-us language model (open vocabulary, less accurate).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SpeechError } from '../core/errors.js';
import { matchPhrase, phraseWords } from './phrases.js';
import { SPEECH_RATE } from './resample.js';
import type { Transcriber, Transcript } from './transcriber.js';
import { encodeWav16 } from './wav.js';

export interface PocketsphinxOptions {
  /** The pocketsphinx_continuous binary (default: $SAMKIT_POCKETSPHINX or on PATH). */
  binary?: string;
  /** Acoustic model folder holding en-us/, cmudict-en-us.dict, en-us.lm.bin (default: Debian's). */
  modelDir?: string;
  timeoutMs?: number;
}

export const DEBIAN_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/** A JSGF grammar whose only sentences are the phrases (words already checked against the dictionary). */
export function jsgfGrammar(phrases: string[]): string {
  const alts = [...new Set(phrases.map((p) => phraseWords(p).join(' ')))].filter(Boolean);
  return `#JSGF V1.0;\ngrammar samkit;\npublic <phrase> = ${alts.join(' | ')};\n`;
}

async function dictionaryWords(file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8');
  const words = new Set<string>();
  for (const line of text.split('\n')) {
    const w = line.slice(0, line.indexOf(' ')).replace(/\(\d+\)$/, '');
    if (w) words.add(w);
  }
  return words;
}

export class PocketsphinxTranscriber implements Transcriber {
  readonly name = 'pocketsphinx';
  private words?: Promise<Set<string>>;
  private readonly binary: string;
  private readonly modelDir: string;

  constructor(private readonly options: PocketsphinxOptions = {}) {
    this.binary = options.binary ?? process.env.SAMKIT_POCKETSPHINX ?? 'pocketsphinx_continuous';
    this.modelDir = options.modelDir ?? DEBIAN_MODEL_DIR;
  }

  /** Whether the default install is there (the CLI's default backend). */
  static available(): boolean {
    return existsSync(path.join(DEBIAN_MODEL_DIR, 'cmudict-en-us.dict'));
  }

  private async checkVocabulary(phrases: string[]): Promise<void> {
    this.words ??= dictionaryWords(path.join(this.modelDir, 'cmudict-en-us.dict')).catch((err: unknown) => {
      this.words = undefined;
      throw new SpeechError(`pocketsphinx model not found in ${this.modelDir} (Debian: apt-get install pocketsphinx-en-us)`, { cause: err });
    });
    const dict = await this.words;
    const unknown = [...new Set(phrases.flatMap(phraseWords))].filter((w) => !dict.has(w));
    if (unknown.length) throw new SpeechError(`pocketsphinx does not know the word${unknown.length > 1 ? 's' : ''} ${unknown.map((w) => `'${w}'`).join(', ')}: rephrase, or use Whisper (--asr)`);
  }

  async transcribe(samples16k: Float32Array, phrases?: string[]): Promise<Transcript> {
    const list = phrases?.filter((p) => phraseWords(p).length > 0);
    if (list?.length) await this.checkVocabulary(list);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-sphinx-'));
    try {
      const wav = path.join(dir, 'speech.wav');
      await writeFile(wav, encodeWav16(samples16k, SPEECH_RATE));
      const args = ['-infile', wav, '-hmm', path.join(this.modelDir, 'en-us'), '-dict', path.join(this.modelDir, 'cmudict-en-us.dict'), '-logfn', '/dev/null'];
      if (list?.length) {
        const gram = path.join(dir, 'phrases.gram');
        await writeFile(gram, jsgfGrammar(list));
        args.push('-jsgf', gram);
      } else {
        args.push('-lm', path.join(this.modelDir, 'en-us.lm.bin'));
      }
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(this.binary, args, { timeout: this.options.timeoutMs ?? 60_000, maxBuffer: 1 << 20 }, (err, out, errOut) => {
          if (!err) { resolve(out); return; }
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') reject(new SpeechError(`pocketsphinx is not installed (${this.binary} not found; Debian: apt-get install pocketsphinx pocketsphinx-en-us)`));
          else reject(new SpeechError(`pocketsphinx failed: ${(String(errOut).trim().split('\n').pop() || err.message).slice(0, 200)}`));
        });
      });
      // One line per utterance; a pause splits speech into several.
      const text = stdout.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').toLowerCase();
      return { text, phrase: list?.length ? matchPhrase(text, list) : undefined, backend: this.name };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
