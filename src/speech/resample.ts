/** Band-limited resampling (Hann-windowed sinc) of mono float audio, e.g. 44.1/48 kHz to the 16 kHz recognisers take. Pure. */
export const SPEECH_RATE = 16000;

export function resample(input: Float32Array, from: number, to: number = SPEECH_RATE): Float32Array {
  if (from === to) return input.slice();
  const ratio = to / from;
  const n = Math.max(1, Math.round(input.length * ratio));
  const out = new Float32Array(n);
  // Low-pass at the lower Nyquist so downsampling does not alias.
  const cutoff = Math.min(1, ratio);
  const half = 16; // zero crossings each side
  const reach = Math.ceil(half / cutoff);
  for (let i = 0; i < n; i++) {
    const centre = i / ratio;
    const lo = Math.max(0, Math.floor(centre) - reach + 1), hi = Math.min(input.length - 1, Math.floor(centre) + reach);
    let s = 0, ws = 0;
    for (let j = lo; j <= hi; j++) {
      const t = (j - centre) * cutoff;
      if (Math.abs(t) >= half) continue;
      const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
      const w = sinc * (0.5 + 0.5 * Math.cos((Math.PI * t) / half));
      s += input[j] * w;
      ws += w;
    }
    out[i] = ws > 0 ? s / ws : 0;
  }
  return out;
}
