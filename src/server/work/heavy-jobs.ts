/**
 * The server's CPU-heavy jobs (exports that decode every mask, validating a large annotation
 * document), as plain functions of structured-clone data so they can run in a worker thread.
 */
import { validateDoc } from '../annotations.js';
import { buildExport, type ExportFile } from '../export.js';
import type { AnnotationDoc, ExportFormat, ImageInfo } from '../protocol.js';

export type HeavyJob =
  | { kind: 'export'; format: ExportFormat; doc: AnnotationDoc; image: ImageInfo }
  | { kind: 'validate'; body: unknown; image: ImageInfo };

export type HeavyResult<J extends HeavyJob> = J extends { kind: 'export' } ? ExportFile : AnnotationDoc;

export async function runHeavyJob(job: HeavyJob): Promise<ExportFile | AnnotationDoc> {
  switch (job.kind) {
    case 'export': return buildExport(job.format, job.doc, job.image);
    case 'validate': return validateDoc(job.body, job.image);
  }
}
