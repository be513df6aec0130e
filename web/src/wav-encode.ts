/**
 * What the microphone button sends: the recording mixed to mono, low-pass filtered and resampled to
 * 16 kHz (what the recognisers take), as a 16-bit PCM WAV. Pure (typed arrays in, bytes out), so it
 * runs in the page and in unit tests alike.
 */

export const SPEECH_RATE = 16000;

/** The average of the channels (one channel is returned as is). */
export function mixToMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0];
  const out = new Float32Array(channels[0].length);
  for (const c of channels) for (let i = 0; i < out.length; i++) out[i] += c[i] / channels.length;
  return out;
}

/**
 * Resample to `toRate` with a Hann-windowed sinc low-pass at 0.45 x the new rate, so what is above
 * the new Nyquist frequency (hiss, the top of a 48 kHz recording) does not fold back into speech.
 */
export function resampleTo(samples: Float32Array, fromRate: number, toRate = SPEECH_RATE): Float32Array {
  if (!(fromRate > 0 && toRate > 0)) throw new RangeError(`sample rates must be positive, got ${fromRate} -> ${toRate}`);
  if (fromRate === toRate) return samples.slice();
  const ratio = fromRate / toRate;
  const n = Math.floor(samples.length / ratio);
  const out = new Float32Array(n);
  // Cutoff as a fraction of the input rate; downsampling narrows it, upsampling keeps the input's band.
  const cutoff = 0.45 * Math.min(1, 1 / ratio) * 2;
  const half = Math.ceil(8 / cutoff); // taps each side: 8 zero crossings of the sinc
  for (let i = 0; i < n; i++) {
    const centre = i * ratio;
    const first = Math.max(0, Math.ceil(centre - half));
    const last = Math.min(samples.length - 1, Math.floor(centre + half));
    let acc = 0, weight = 0;
    for (let j = first; j <= last; j++) {
      const d = j - centre;
      const x = Math.PI * cutoff * d;
      const sinc = d === 0 ? 1 : Math.sin(x) / x;
      const w = 0.5 + 0.5 * Math.cos((Math.PI * d) / (half + 1));
      acc += samples[j] * sinc * w;
      weight += sinc * w;
    }
    out[i] = weight !== 0 ? acc / weight : 0;
  }
  return out;
}

/** 16-bit PCM mono WAV bytes (RIFF header + samples clipped to [-1, 1]). */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(bytes.buffer);
  const tag = (o: number, s: string): void => { for (let i = 0; i < 4; i++) bytes[o + i] = s.charCodeAt(i); };
  tag(0, 'RIFF'); v.setUint32(4, 36 + samples.length * 2, true); tag(8, 'WAVE');
  tag(12, 'fmt '); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true); v.setUint32(28, sampleRate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  tag(36, 'data'); v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    v.setInt16(44 + 2 * i, Math.round(s < 0 ? s * 32768 : s * 32767), true);
  }
  return bytes;
}

/** A recording (one Float32Array per channel at `rate`) as the 16 kHz mono WAV the server takes. */
export function speechWav(channels: Float32Array[], rate: number): Uint8Array<ArrayBuffer> {
  return encodeWav16(resampleTo(mixToMono(channels), rate, SPEECH_RATE), SPEECH_RATE);
}
