/** Exporting the open image's annotations in one format (a download). */
import type { ModelInfo } from '../../src/server/protocol.js';
import { api, ApiError, UnreachableError } from './api.js';
import { $ } from './dom.js';
import type { Notices } from './notices.js';
import type { Saver } from './saver.js';

const FORMATS_NEEDING_POLYGONS = new Set(['coco-polygons', 'yolo']);

export async function exportImage(imageId: string, objectCount: number, model: ModelInfo | null, saver: Saver, notices: Notices): Promise<void> {
  const format = $<HTMLSelectElement>('export-format').value;
  if (FORMATS_NEEDING_POLYGONS.has(format) && model && !model.polygons) {
    notices.showError('Polygon exports (COCO polygons, YOLO) are not available in this build; export COCO RLE or PNG masks instead.');
    return;
  }
  const btn = $<HTMLButtonElement>('export-button');
  btn.disabled = true;
  try {
    await saver.flush();
    const res = await fetch(api.exportUrl(imageId, format)).catch(() => { throw new UnreachableError(); });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new ApiError(res.status, body.error ?? `export failed (${res.status})`, 'EXPORT');
    }
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export';
    const url = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    notices.showInfo(`Exported ${objectCount} object${objectCount === 1 ? '' : 's'} to ${name}.`);
  } catch (err) {
    notices.showError(err);
  } finally {
    btn.disabled = false;
  }
}
