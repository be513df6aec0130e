/**
 * The server's CPU-heavy jobs (exports that decode every mask, validating a large annotation
 * document), as plain functions of structured-clone data so they can run in a worker thread.
 */
import { validateDoc } from '../annotations.js';
import { buildExport, type ExportFile } from '../export.js';
import type { AnnotationDoc, ExportFormat, ImageInfo } from '../protocol.js';
import { exportProjectZip, type ProjectExportOptions } from '../project-export.js';
import type { ProjectClass } from '../../project/classes.js';
import type { ProjectExportImage } from '../../project/dataset-mapping.js';
import { runInpaintJob, type InpaintJob, type InpaintJobResult } from './inpaint-job.js';

export type HeavyJob =
  | { kind: 'export'; format: ExportFormat; doc: AnnotationDoc; image: ImageInfo }
  | { kind: 'validate'; body: unknown; image: ImageInfo }
  | { kind: 'project-export'; classes: ProjectClass[]; images: ProjectExportImage[]; options: ProjectExportOptions }
  | InpaintJob;

/** A whole-project dataset ZIP. */
export interface ProjectZip { body: Uint8Array }

export type HeavyResult<J extends HeavyJob> = J extends { kind: 'export' } ? ExportFile : J extends { kind: 'project-export' } ? ProjectZip : J extends { kind: 'inpaint' } ? InpaintJobResult : AnnotationDoc;

export async function runHeavyJob(job: HeavyJob): Promise<ExportFile | AnnotationDoc | ProjectZip | InpaintJobResult> {
  switch (job.kind) {
    case 'export': return buildExport(job.format, job.doc, job.image);
    case 'validate': return validateDoc(job.body, job.image);
    case 'project-export': return { body: await exportProjectZip(job.classes, job.images, job.options) };
    case 'inpaint': return runInpaintJob(job);
  }
}
