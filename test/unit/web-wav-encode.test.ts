/** The page's microphone WAV: mono mix, 48 kHz -> 16 kHz without aliasing, 16-bit WAV read back by the server's decoder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWav } from '../../src/speech/wav.js';
import { encodeWav16, mixToMono, resampleTo, speechWav, SPEECH_RATE } from '../../web/src/wav-encode.js';

function tone(hz: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amp * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** RMS of the middle (the ends have the filter's edge). */
function rms(x: Float32Array): number {
  let s = 0, n = 0;
  for (let i = Math.floor(x.length * 0.1); i < Math.floor(x.length * 0.9); i++) { s += x[i] * x[i]; n++; }
  return Math.sqrt(s / n);
}

/** Amplitude of frequency `hz` in x (a single DFT bin over the middle). */
function amplitudeAt(x: Float32Array, hz: number, rate: number): number {
  let re = 0, im = 0, n = 0;
  for (let i = Math.floor(x.length * 0.1); i < Math.floor(x.length * 0.9); i++, n++) {
    re += x[i] * Math.cos((2 * Math.PI * hz * i) / rate);
    im += x[i] * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / n;
}

test('resampleTo: 48 kHz -> 16 kHz keeps speech-band tones and the length, removes what would alias', () => {
  const rate = 48000;
  const speech = resampleTo(tone(1000, rate, 1), rate);
  assert.equal(speech.length, SPEECH_RATE);
  assert.ok(Math.abs(rms(speech) - 0.5 / Math.SQRT2) < 0.01, `1 kHz rms ${rms(speech)}`);
  assert.ok(Math.abs(amplitudeAt(speech, 1000, SPEECH_RATE) - 0.5) < 0.01);
  // 12 kHz is above the new Nyquist (8 kHz): dropped samples alone would fold it to 4 kHz at full strength.
  const high = resampleTo(tone(12000, rate, 1), rate);
  assert.ok(amplitudeAt(high, 4000, SPEECH_RATE) < 0.01, `12 kHz folded to 4 kHz: ${amplitudeAt(high, 4000, SPEECH_RATE)}`);
  // 44.1 kHz (not an integer ratio) and the identity.
  const odd = resampleTo(tone(440, 44100, 0.5), 44100);
  assert.equal(odd.length, 8000);
  assert.ok(Math.abs(amplitudeAt(odd, 440, SPEECH_RATE) - 0.5) < 0.01);
  const same = tone(300, 16000, 0.1);
  assert.deepEqual(resampleTo(same, 16000), same);
  assert.throws(() => resampleTo(same, 0), RangeError);
});

test('mixToMono averages channels', () => {
  assert.deepEqual([...mixToMono([Float32Array.of(1, 0.5), Float32Array.of(0, -0.5)])], [0.5, 0]);
  const one = Float32Array.of(0.25);
  assert.equal(mixToMono([one]), one);
  assert.equal(mixToMono([]).length, 0);
});

test('encodeWav16 / speechWav: a 16 kHz mono 16-bit WAV the server decodes back to the samples', () => {
  const x = Float32Array.of(0, 0.5, -0.5, 1, -1, 2, -2, 1e-5);
  const wav = encodeWav16(x, 16000);
  assert.equal(wav.length, 44 + 2 * x.length);
  const back = decodeWav(wav);
  assert.equal(back.sampleRate, 16000);
  const want = [0, 0.5, -0.5, 1, -1, 1, -1, 0];
  back.samples.forEach((s, i) => assert.ok(Math.abs(s - want[i]) <= 1 / 32767 + 1e-9, `sample ${i}: ${s} vs ${want[i]}`));
  const view = new DataView(wav.buffer);
  assert.deepEqual([view.getUint16(20, true), view.getUint16(22, true), view.getUint16(34, true)], [1, 1, 16], 'PCM, mono, 16-bit');
  // Stereo 48 kHz in, 16 kHz mono out.
  const stereo = speechWav([tone(500, 48000, 0.5), tone(500, 48000, 0.5)], 48000);
  const d = decodeWav(stereo);
  assert.equal(d.sampleRate, 16000);
  assert.equal(d.samples.length, 8000);
  assert.ok(Math.abs(amplitudeAt(d.samples, 500, 16000) - 0.5) < 0.01);
});
