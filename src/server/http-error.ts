/** Errors with an HTTP status and a message meant for the person using the page. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly code = 'BAD_REQUEST') {
    super(message);
    this.name = 'HttpError';
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

export function formatMegapixels(n: number): string {
  return `${Math.round(n / 1e5) / 10} MP`;
}
