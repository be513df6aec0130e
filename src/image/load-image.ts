/**
 * Image decoding at the edge (sharp): files, Buffers or raw RGB pixels become 8-bit interleaved RGB,
 * oriented by EXIF and without alpha, as OpenCV's `imread` + BGR->RGB gives the official scripts.
 */
import sharp, { type OutputInfo } from 'sharp';
import { ImageError, InvalidArgumentError } from '../core/errors.js';
import { NotRegularFileError, readRegularFile } from '../io/regular-file.js';

/** Raw pixels: interleaved 8-bit, 3 (RGB) or 4 (RGBA, alpha ignored) channels. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels?: 3 | 4;
}

export type ImageInput = string | Uint8Array | RawImage;

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Largest image accepted (pixels); larger inputs are rejected before they are decoded. */
export const MAX_IMAGE_PIXELS = 100_000_000;

function fromRaw(raw: RawImage): RgbImage {
  const { width, height, data } = raw;
  const channels = raw.channels ?? 3;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidArgumentError(`raw image size must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 3 && channels !== 4) throw new InvalidArgumentError(`raw image channels must be 3 or 4, got ${channels}`);
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new InvalidArgumentError(`raw image data must be ${width}x${height}x${channels} = ${width * height * channels} bytes, got ${data?.length}`);
  }
  if (channels === 3) return { data, width, height };
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) { rgb[i] = data[j]; rgb[i + 1] = data[j + 1]; rgb[i + 2] = data[j + 2]; }
  return { data: rgb, width, height };
}

function toRaw(bytes: Uint8Array, failOn: 'truncated' | 'warning'): Promise<{ data: Buffer; info: OutputInfo }> {
  return sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn }).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

/** libjpeg's warnings that mean the scan data ends before the pixels the header claims. */
const JPEG_SHORT_DATA = /premature end|ran out of|truncated/i;

/**
 * JPEG data that ends early is only a warning to libjpeg: it would fill the missing pixels with
 * grey, so a 269-byte file claiming 10000 x 10000 decodes as 100 MP. JPEGs are decoded failing on
 * warnings (which stops a short file at once); one whose warning is about something else (extra
 * bytes between markers, as some cameras write) is decoded again leniently (null).
 */
async function decodeJpegStrictly(bytes: Uint8Array, name: string): Promise<{ data: Buffer; info: OutputInfo } | null> {
  if (!(bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)) return null;
  try {
    return await toRaw(bytes, 'warning');
  } catch (err) {
    const msg = (err as Error).message;
    if (JPEG_SHORT_DATA.test(msg)) {
      throw new ImageError('IMAGE_DECODE', `cannot decode ${name}: the data is truncated, shorter than the image its header announces (${msg.split('\n')[0]})`, { cause: err });
    }
    if (/pixel limit/i.test(msg)) throw err;
    return null;
  }
}

/** Decode an encoded image (JPEG, PNG, WebP, ...) to RGB; `name` is used in error messages. */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<RgbImage> {
  try {
    const { data, info } = await decodeJpegStrictly(bytes, name) ?? await toRaw(bytes, 'truncated');
    const { width, height, channels } = info;
    if (channels === 3) return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
    // Greyscale: replicate like imread's IMREAD_COLOR.
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; j < width * height; i += 3, j++) { const v = data[j * channels]; rgb[i] = v; rgb[i + 1] = v; rgb[i + 2] = v; }
    return { data: rgb, width, height };
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const msg = (err as Error).message;
    if (/pixel limit/i.test(msg)) {
      throw new ImageError('IMAGE_TOO_LARGE', `${name} is larger than the limit of ${MAX_IMAGE_PIXELS} pixels`, { cause: err });
    }
    const why = /unsupported image format/i.test(msg) ? 'not a supported image (JPEG, PNG, WebP, GIF, TIFF, AVIF)' : msg.split('\n')[0];
    throw new ImageError('IMAGE_DECODE', `cannot decode ${name}: ${why}`, { cause: err });
  }
}

/** Load any supported input to RGB. */
export async function loadImage(input: ImageInput): Promise<RgbImage> {
  if (typeof input === 'string') {
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(input);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = err instanceof NotRegularFileError ? 'not a regular file' : code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new ImageError('IMAGE_NOT_FOUND', `cannot read image ${input}: ${why}`, { cause: err });
    }
    return decodeImage(bytes, input);
  }
  if (input instanceof Uint8Array) return decodeImage(input);
  if (input && typeof input === 'object' && 'data' in input) return fromRaw(input);
  throw new InvalidArgumentError('image must be a file path, an encoded image Buffer, or { data, width, height } raw RGB pixels');
}
