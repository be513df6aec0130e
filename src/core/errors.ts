/**
 * Typed errors. Every error samkit throws on bad input is a SamkitError with a stable `code`,
 * so callers (CLI, server) can map them to exit codes / HTTP statuses without parsing messages.
 */
export type SamkitErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_PROMPT'
  | 'INVALID_OPTION'
  | 'IMAGE_DECODE'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_TOO_LARGE'
  | 'MODEL'
  | 'DOWNLOAD'
  | 'CHECKSUM'
  | 'NO_IMAGE'
  | 'FORMAT'
  | 'AUDIO'
  | 'SPEECH'
  | 'INPAINT'
  | 'IMPORT';

export class SamkitError extends Error {
  readonly code: SamkitErrorCode;
  constructor(code: SamkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A prompt (points, labels, box, mask input) that the model cannot take. */
export class InvalidPromptError extends SamkitError {
  constructor(message: string) { super('INVALID_PROMPT', message); }
}

/** An option outside its documented range, or a conflicting combination of options. */
export class InvalidOptionError extends SamkitError {
  constructor(message: string) { super('INVALID_OPTION', message); }
}

/** A generic bad argument (shape mismatch, wrong type). */
export class InvalidArgumentError extends SamkitError {
  constructor(message: string) { super('INVALID_ARGUMENT', message); }
}

/** An image that is missing, unreadable, corrupt or of an unsupported format. */
export class ImageError extends SamkitError {
  constructor(code: 'IMAGE_DECODE' | 'IMAGE_NOT_FOUND' | 'IMAGE_TOO_LARGE', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A model file that is missing, not ONNX, or not a SAM encoder/decoder of the expected form. */
export class ModelError extends SamkitError {
  constructor(message: string, options?: { cause?: unknown }) { super('MODEL', message, options); }
}

/** A download that failed or whose checksum did not match. */
export class DownloadError extends SamkitError {
  constructor(code: 'DOWNLOAD' | 'CHECKSUM', message: string, options?: { cause?: unknown }) { super(code, message, options); }
}

/** predict()/getImageEmbedding() called before setImage(). */
export class NoImageError extends SamkitError {
  constructor() { super('NO_IMAGE', 'no image is set: call setImage() or setImageEmbedding() first'); }
}

/** Audio that is missing, unreadable, empty or in an unsupported format. */
export class AudioError extends SamkitError {
  constructor(message: string, options?: { cause?: unknown }) { super('AUDIO', message, options); }
}

/** A speech recogniser that is missing, failed, or cannot take the phrases given. */
export class SpeechError extends SamkitError {
  constructor(message: string, options?: { cause?: unknown }) { super('SPEECH', message, options); }
}

/** An inpainting backend (ONNX model, Stable Diffusion server) that failed or answered something unusable. */
export class InpaintError extends SamkitError {
  constructor(message: string, options?: { cause?: unknown }) { super('INPAINT', message, options); }
}

/** An annotation file to import that is unreadable, of an unknown format, or does not fit the project's images. */
export class ImportError extends SamkitError {
  constructor(message: string, options?: { cause?: unknown }) { super('IMPORT', message, options); }
}
