/** `samkit transcribe`: speech to text, offline with pocketsphinx (phrases) or Whisper; prints JSON. */
import type { Command } from 'commander';
import { writeFileAtomic } from '../../io/atomic-write.js';

interface TranscribeFlags { text?: string; asr?: string; out?: string }

export function register(program: Command): void {
  program
    .command('transcribe')
    .description('recognise speech in a WAV file; with --text only those phrases can be heard; prints {"transcript", "prompt"}')
    .argument('<audio>', 'WAV file (PCM 8-32 bit or float, any rate and channels)')
    .option('--text <phrases>', 'the allowed phrases, separated by "." (e.g. "dog. red car.")')
    .option('--asr <pocketsphinx|model>', 'pocketsphinx (default, offline) or a Whisper model folder / hub id (e.g. Xenova/whisper-tiny.en)')
    .option('--out <file.json>', 'write the JSON here instead of stdout')
    .action(async (audio: string, flags: TranscribeFlags) => {
      const { readSpeechFile, loadTranscriber, transcribeForPrompt } = await import('../../speech/index.js');
      const samples = await readSpeechFile(audio);
      const r = await transcribeForPrompt(await loadTranscriber(flags.asr), samples, flags.text);
      const json = `${JSON.stringify({ transcript: r.text, prompt: r.prompt, asr: r.backend })}\n`;
      if (flags.out) await writeFileAtomic(flags.out, json);
      else process.stdout.write(json);
    });
}
