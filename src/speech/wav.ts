/**
 * WAV (RIFF/WAVE) decoding and encoding. Reads PCM 8/16/24/32-bit and IEEE float 32/64 (also in
 * WAVE_FORMAT_EXTENSIBLE), mixes channels to mono; writes 16-bit PCM mono. Pure (Uint8Array in/out).
 */
import { AudioError } from '../core/errors.js';

export interface MonoAudio {
  samples: Float32Array;
  sampleRate: number;
}

const PCM = 1, FLOAT = 3, EXTENSIBLE = 0xfffe;

export function isWav(bytes: Uint8Array): boolean {
  const s = (o: number): string => String.fromCharCode(...bytes.subarray(o, o + 4));
  return bytes.length >= 12 && s(0) === 'RIFF' && s(8) === 'WAVE';
}

export function decodeWav(bytes: Uint8Array, name = 'audio'): MonoAudio {
  if (!isWav(bytes)) throw new AudioError(`${name} is not a WAV file (RIFF/WAVE); convert it first, e.g. sox in.mp3 -r 16000 -c 1 out.wav`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let data: [number, number] | undefined;
  for (let o = 12; o + 8 <= bytes.length;) {
    const id = String.fromCharCode(...bytes.subarray(o, o + 4));
    let size = view.getUint32(o + 4, true);
    const body = o + 8;
    // Streaming writers leave the data size at 0 or 0xFFFFFFFF: take what is there.
    if (id === 'data' && (size === 0 || size === 0xffffffff || body + size > bytes.length)) size = bytes.length - body;
    if (id === 'fmt ') {
      if (size < 16) throw new AudioError(`${name}: WAV fmt chunk is too short`);
      let format = view.getUint16(body, true);
      const bits = view.getUint16(body + 14, true);
      if (format === EXTENSIBLE && size >= 26) format = view.getUint16(body + 24, true);
      fmt = { format, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits };
    } else if (id === 'data') {
      data = [body, size];
    }
    o = body + size + (size & 1);
  }
  if (!fmt) throw new AudioError(`${name}: WAV file without a fmt chunk`);
  if (!data) throw new AudioError(`${name}: WAV file without a data chunk`);
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || rate < 1000 || rate > 768000) throw new AudioError(`${name}: WAV with ${channels} channels at ${rate} Hz is not usable`);
  const supported = (format === PCM && [8, 16, 24, 32].includes(bits)) || (format === FLOAT && (bits === 32 || bits === 64));
  if (!supported) throw new AudioError(`${name}: unsupported WAV sample format (format ${format}, ${bits} bits); use 8/16/24/32-bit PCM or 32/64-bit float`);
  const bytesPer = bits / 8, frame = bytesPer * channels;
  const frames = Math.floor(data[1] / frame);
  if (frames === 0) throw new AudioError(`${name} holds no audio samples`);
  const read = (o: number): number => {
    if (format === FLOAT) return bits === 32 ? view.getFloat32(o, true) : view.getFloat64(o, true);
    if (bits === 8) return (view.getUint8(o) - 128) / 128;
    if (bits === 16) return view.getInt16(o, true) / 32768;
    if (bits === 24) return (((view.getUint8(o + 2) << 24) | (view.getUint8(o + 1) << 16) | (view.getUint8(o) << 8)) >> 8) / 8388608;
    return view.getInt32(o, true) / 2147483648;
  };
  const samples = new Float32Array(frames);
  for (let i = 0, o = data[0]; i < frames; i++, o += frame) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += read(o + c * bytesPer);
    samples[i] = s / channels;
  }
  return { samples, sampleRate: rate };
}

/** 16-bit PCM mono WAV (what pocketsphinx reads). */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const str = (o: number, s: string): void => { for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i); };
  str(0, 'RIFF'); v.setUint32(4, 36 + samples.length * 2, true); str(8, 'WAVE');
  str(12, 'fmt '); v.setUint32(16, 16, true); v.setUint16(20, PCM, true); v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true); v.setUint32(28, sampleRate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  str(36, 'data'); v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + 2 * i, Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767), true);
  return out;
}
