/**
 * Uploaded images, stored by content hash. An image is accepted only if it decodes: the file name
 * and the declared content type are never trusted, and neither reaches the file system.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { SamkitError } from '../core/errors.js';
import { decodeImage, type RgbImage } from '../image/load-image.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { imageKey } from '../store/embedding-store.js';
import { formatMegapixels, HttpError } from './http-error.js';
import { PixelBudget } from './work/pixel-budget.js';
import { IMAGE_ID_PATTERN, type ImageInfo } from './protocol.js';

const FORMATS = new Set(['jpeg', 'png', 'webp']);

/** Throws a 400 unless `id` is a content hash, so it can be used in a path. */
export function checkImageId(id: unknown): string {
  if (typeof id !== 'string' || !IMAGE_ID_PATTERN.test(id)) throw new HttpError(400, 'image id must be 64 lowercase hex characters (the sha256 of the file)', 'BAD_IMAGE_ID');
  return id;
}

/** A display name: the last path component, printable characters only, bounded length. */
export function cleanName(name: unknown): string {
  const raw = typeof name === 'string' ? name : '';
  // eslint-disable-next-line no-control-regex
  const base = raw.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'image').slice(0, 200);
}

/** The format the first bytes announce (JPEG, PNG, WebP only), so a damaged file is called damaged. */
export function sniffFormat(b: Uint8Array): 'jpeg' | 'png' | 'webp' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') return 'webp';
  return null;
}

function corrupt(name: string, why: string): HttpError {
  return new HttpError(422, `${cleanName(name)} is corrupt or truncated and cannot be opened (${why})`, 'CORRUPT_IMAGE');
}

export class ImageLibrary {
  private readonly dir: string;
  private decoded: { id: string; image: RgbImage } | null = null;
  /** Pixels decoded at once, over all uploads and reloads (one largest image's worth by default). */
  private readonly budget: PixelBudget;

  constructor(root: string, readonly maxPixels: number, pixelBudget = maxPixels) {
    this.dir = path.join(root, 'images');
    this.budget = new PixelBudget(pixelBudget);
  }

  private file(id: string, ext: 'img' | 'json'): string {
    return path.join(this.dir, `${checkImageId(id)}.${ext}`);
  }

  /** Validate by decoding, then store (once per content). */
  async add(bytes: Uint8Array, name: string): Promise<{ info: ImageInfo; created: boolean }> {
    if (bytes.length === 0) throw new HttpError(400, 'the file is empty', 'EMPTY_FILE');
    const id = imageKey(bytes);
    const existing = await this.info(id);
    if (existing) return { info: existing, created: false };
    let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
    try {
      meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch {
      if (sniffFormat(bytes)) throw corrupt(name, 'its header cannot be read');
      throw new HttpError(415, `${cleanName(name)} is not a supported image: open a JPEG, PNG or WebP file`, 'UNSUPPORTED_IMAGE');
    }
    if (!meta.format || !FORMATS.has(meta.format)) {
      throw new HttpError(415, `${cleanName(name)} is a ${String(meta.format ?? 'unknown').toUpperCase()} file; open a JPEG, PNG or WebP file`, 'UNSUPPORTED_IMAGE');
    }
    const w = meta.width ?? 0;
    const h = meta.height ?? 0;
    if (w * h > this.maxPixels) {
      throw new HttpError(413, `${cleanName(name)} is ${w} x ${h} pixels (${formatMegapixels(w * h)}); the limit is ${formatMegapixels(this.maxPixels)}`, 'IMAGE_TOO_LARGE');
    }
    let image: RgbImage;
    try {
      image = await this.budget.run(w * h, () => decodeImage(bytes, cleanName(name)));
    } catch (err) {
      const why = err instanceof SamkitError ? err.message : String(err);
      throw corrupt(name, why.replace(/^cannot decode [^:]*: /, ''));
    }
    const info: ImageInfo = {
      id,
      name: cleanName(name),
      width: image.width,
      height: image.height,
      format: meta.format as ImageInfo['format'],
      bytes: bytes.length,
      uploadedAt: new Date().toISOString(),
    };
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(id, 'img'), bytes);
    // The JSON is written last: an image without it does not exist.
    await writeFileAtomic(this.file(id, 'json'), `${JSON.stringify(info, null, 2)}\n`);
    this.decoded = { id, image };
    return { info, created: true };
  }

  async info(id: string): Promise<ImageInfo | null> {
    try {
      return JSON.parse(await readFile(this.file(id, 'json'), 'utf8')) as ImageInfo;
    } catch {
      return null;
    }
  }

  async require(id: string): Promise<ImageInfo> {
    const info = await this.info(id);
    if (!info) throw new HttpError(404, 'no such image on this server (open the file again)', 'IMAGE_NOT_FOUND');
    return info;
  }

  async bytes(id: string): Promise<Buffer> {
    await this.require(id);
    return readFile(this.file(id, 'img'));
  }

  /** Decoded RGB pixels (the last one is kept: encoding and the automatic generator both need it). */
  async rgb(id: string): Promise<RgbImage> {
    if (this.decoded?.id === id) return this.decoded.image;
    const info = await this.require(id);
    const bytes = await this.bytes(id);
    const image = await this.budget.run(info.width * info.height, () => decodeImage(bytes, info.name));
    this.decoded = { id, image };
    return image;
  }

  async list(): Promise<ImageInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).filter((id) => IMAGE_ID_PATTERN.test(id));
    const infos = await Promise.all(ids.map((id) => this.info(id)));
    return infos.filter((i): i is ImageInfo => i !== null);
  }
}
