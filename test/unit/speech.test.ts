/** Speech: WAV reading and resampling, pocketsphinx on espeak-ng speech for real, Whisper's loading wiring, the CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AudioError, SpeechError } from '../../src/core/errors.js';
import { speechSamples } from '../../src/speech/audio.js';
import { matchPhrase, splitPhrases } from '../../src/speech/phrases.js';
import { PocketsphinxTranscriber, jsgfGrammar } from '../../src/speech/pocketsphinx.js';
import { transcribeForPrompt } from '../../src/speech/prompt.js';
import { decodeWav } from '../../src/speech/wav.js';
import { WhisperTranscriber } from '../../src/speech/whisper.js';
import { PROJECT_ROOT } from '../helpers/reference.js';

/** A WAV of a 440 Hz tone in the given sample format. */
function toneWav(rate: number, channels: number, format: 1 | 3, bits: number, seconds = 0.5): Uint8Array {
  const frames = Math.round(rate * seconds), bps = bits / 8;
  const buf = Buffer.alloc(44 + frames * channels * bps);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + frames * channels * bps, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(format, 20); buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * channels * bps, 28); buf.writeUInt16LE(channels * bps, 32); buf.writeUInt16LE(bits, 34);
  buf.write('data', 36); buf.writeUInt32LE(frames * channels * bps, 40);
  for (let i = 0; i < frames; i++) {
    const v = 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate);
    for (let c = 0; c < channels; c++) {
      const o = 44 + (i * channels + c) * bps;
      if (format === 3) buf.writeFloatLE(v, o);
      else if (bits === 16) buf.writeInt16LE(Math.round(v * 32767), o);
      else if (bits === 24) buf.writeIntLE(Math.round(v * 8388607), o, 3);
    }
  }
  return buf;
}

test('WAV: 16-bit stereo 44.1 kHz, 24-bit and float become 16 kHz mono with the tone kept', () => {
  for (const [rate, ch, fmt, bits] of [[44100, 2, 1, 16], [48000, 1, 1, 24], [22050, 1, 3, 32], [16000, 1, 1, 16]] as const) {
    const s = speechSamples(toneWav(rate, ch, fmt, bits), 'tone');
    assert.ok(Math.abs(s.length - 8000) <= 1, `${rate} Hz: ${s.length} samples`);
    let crossings = 0, peak = 0;
    for (let i = 100; i < s.length - 100; i++) { if ((s[i - 1] < 0) !== (s[i] < 0)) crossings++; peak = Math.max(peak, Math.abs(s[i])); }
    // 440 Hz over the 0.4875 s inspected: about 429 sign changes; amplitude 0.5.
    assert.ok(Math.abs(crossings - 429) <= 3, `${rate} Hz ${bits} bit: ${crossings} crossings`);
    assert.ok(Math.abs(peak - 0.5) < 0.02, `peak ${peak}`);
  }
});

test('bad audio: empty, not WAV, unsupported sample format, no samples are AudioErrors', () => {
  assert.throws(() => speechSamples(new Uint8Array(0), 'a.wav'), (e: Error) => e instanceof AudioError && /empty/.test(e.message));
  assert.throws(() => speechSamples(Buffer.from('OggS not a wav at all'), 'a.ogg'), (e: Error) => e instanceof AudioError && /not a WAV/.test(e.message));
  const alaw = Buffer.from(toneWav(8000, 1, 1, 16)); alaw.writeUInt16LE(6, 20); alaw.writeUInt16LE(8, 34);
  assert.throws(() => decodeWav(alaw, 'a.wav'), (e: Error) => e instanceof AudioError && /unsupported WAV sample format \(format 6/.test(e.message));
  assert.throws(() => decodeWav(toneWav(16000, 1, 1, 16, 0), 'a.wav'), (e: Error) => e instanceof AudioError && /no audio samples/.test(e.message));
});

test('phrases: split, grammar, matching an open transcript back to a phrase', () => {
  assert.deepEqual(splitPhrases('green thing. Yellow box, red square.'), ['green thing', 'Yellow box', 'red square']);
  assert.equal(jsgfGrammar(['Yellow box', 'red-square']), '#JSGF V1.0;\ngrammar samkit;\npublic <phrase> = yellow box | red square;\n');
  assert.equal(matchPhrase('The yellow box.', ['green thing', 'yellow box']), 'yellow box');
  assert.equal(matchPhrase('purple', ['green thing', 'yellow box']), undefined);
});

const has = (bin: string, arg: string) => spawnSync(bin, [arg], { stdio: 'ignore' }).error === undefined;
const noSpeechTools = !(has('espeak-ng', '--version') && has('pocketsphinx_continuous', '-h') && PocketsphinxTranscriber.available())
  && 'espeak-ng or pocketsphinx (+ pocketsphinx-en-us) not installed (.ci/run installs them)';

function say(text: string, dir: string): string {
  const file = path.join(dir, `${text.replace(/\W+/g, '_')}.wav`);
  execFileSync('espeak-ng', ['-v', 'en', '-w', file, text], { stdio: 'ignore' });
  return file;
}

test('pocketsphinx hears which of the phrases espeak-ng said (22 kHz espeak WAV, resampled here)', { skip: noSpeechTools }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-speech-'));
  const phrases = 'green thing. yellow box. red square. dog';
  const asr = new PocketsphinxTranscriber();
  for (const said of ['yellow box', 'red square', 'green thing']) {
    const r = await transcribeForPrompt(asr, speechSamples(readFileSync(say(said, dir)), said), phrases);
    assert.equal(r.text, said);
    assert.equal(r.prompt, said);
  }
  await assert.rejects(asr.transcribe(new Float32Array(16000), ['a zqxwv']), (e: Error) => e instanceof SpeechError && /does not know the word 'zqxwv'/.test(e.message));
  const cli = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'samkit.js'), 'transcribe', say('red square', dir), '--text', phrases], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout), { transcript: 'red square', prompt: 'red square', asr: 'pocketsphinx' });
  writeFileSync(path.join(dir, 'empty.wav'), '');
  const bad = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'samkit.js'), 'transcribe', path.join(dir, 'empty.wav')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim(), `samkit: ${path.join(dir, 'empty.wav')} is empty`);
});

test('Whisper: a missing folder, a folder without config.json, and a hub that does not have the model are SpeechErrors', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-whisper-'));
  await assert.rejects(WhisperTranscriber.load(path.join(dir, 'nope')), (e: Error) => e instanceof SpeechError && /no such folder/.test(e.message));
  await assert.rejects(WhisperTranscriber.load(dir), (e: Error) => e instanceof SpeechError && /no config.json/.test(e.message));
  // A local hub: the loader must ask it for the model's files under /<id>/resolve/<revision>/.
  const asked: string[] = [];
  const hub = createServer((req, res) => { asked.push(req.url ?? ''); res.writeHead(404); res.end('not found'); });
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
  const host = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
  try {
    await assert.rejects(WhisperTranscriber.load('Xenova/whisper-tiny.en', { SAMKIT_HF_ENDPOINT: host, SAMKIT_CACHE_DIR: dir }),
      (e: Error) => e instanceof SpeechError && e.message.includes(host) && !e.message.includes('\n'));
    assert.ok(asked.some((u) => u.startsWith('/Xenova/whisper-tiny.en/resolve/main/')), asked.join(', '));
  } finally { hub.close(); }
});
