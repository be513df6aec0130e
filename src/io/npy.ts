/**
 * NumPy .npy (format 1.0) for float32 arrays: low-res logits saved by `samkit predict --save-logits`
 * load straight into Python (`np.load`) as the official `mask_input`, and back.
 */
import { InvalidArgumentError } from '../core/errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function encodeNpyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new InvalidArgumentError(`npy shape ${shape.join('x')} does not match ${data.length} values`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Header length (with the 10-byte preamble and trailing newline) must be a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1; out[7] = 0;
  out[8] = header.length & 0xff; out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, total);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/** Parse a little-endian float32 (or float64, converted) C-order .npy file. */
export function decodeNpyFloat32(bytes: Uint8Array, name = 'npy file'): { data: Float32Array; shape: number[] } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new InvalidArgumentError(`${name} is not a .npy file`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes[8] | (bytes[9] << 8) : new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new InvalidArgumentError(`${name}: malformed .npy header`);
  if (fortran) throw new InvalidArgumentError(`${name}: Fortran-ordered arrays are not supported`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const size = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (!size) throw new InvalidArgumentError(`${name}: dtype ${descr} is not supported (expected float32 '<f4')`);
  if (bytes.length - start !== n * size) throw new InvalidArgumentError(`${name}: ${bytes.length - start} data bytes, expected ${n * size} for shape (${shape.join(', ')})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, n * size);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = size === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
  return { data, shape };
}
