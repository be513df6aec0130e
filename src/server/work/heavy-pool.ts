/**
 * Heavy server work off the event loop: one worker thread (started on first use) runs exports and
 * large-document validation, so /api/health and the page keep answering during a 40 s export.
 * Jobs queue in the worker; a crashed worker fails its jobs and is replaced on the next one.
 * Other routes (a whole-project export) can reuse `runExport`.
 */
import { Worker } from 'node:worker_threads';
import type { ExportFile } from '../export.js';
import { HttpError } from '../http-error.js';
import type { AnnotationDoc, ExportFormat, ImageInfo } from '../protocol.js';
import type { HeavyJob, ProjectZip } from './heavy-jobs.js';
import type { InpaintJob, InpaintJobResult } from './inpaint-job.js';
import type { ProjectExportOptions } from '../project-export.js';
import type { ProjectClass } from '../../project/classes.js';
import type { ProjectExportImage } from '../../project/dataset-mapping.js';

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }
interface WorkerError { message: string; status?: number; code?: string; name?: string }

export class HeavyPool {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./heavy-worker.js', import.meta.url));
    w.unref(); // an idle worker must not keep the process alive
    w.on('message', (msg: { id: number; result?: unknown; error?: WorkerError }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) w.unref();
      if (msg.error) p.reject(msg.error.status ? new HttpError(msg.error.status, msg.error.message, msg.error.code) : new Error(msg.error.message));
      else p.resolve(msg.result);
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(`the export worker stopped: ${err.message}`));
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = w;
    return w;
  }

  run<T>(job: HeavyJob): Promise<T> {
    const w = this.start();
    const id = this.nextId++;
    w.ref(); // keep the process up while a job is pending
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ id, job });
    });
  }

  async runExport(format: ExportFormat, doc: AnnotationDoc, image: ImageInfo): Promise<ExportFile> {
    const file = await this.run<ExportFile>({ kind: 'export', format, doc, image });
    return { ...file, body: typeof file.body === 'string' ? file.body : Buffer.from(file.body.buffer, file.body.byteOffset, file.body.byteLength) };
  }

  /** A whole-project dataset ZIP (every mask decoded, polygons traced) built in the worker. */
  async runProjectExport(classes: ProjectClass[], images: ProjectExportImage[], options: ProjectExportOptions): Promise<Buffer> {
    const { body } = await this.run<ProjectZip>({ kind: 'project-export', classes, images, options });
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }

  /** Inpainting (decode, fill, PNG) in the worker, so hover and saves keep answering. */
  async runInpaint(job: Omit<InpaintJob, 'kind'>): Promise<InpaintJobResult> {
    const r = await this.run<InpaintJobResult>({ kind: 'inpaint', ...job });
    return { ...r, body: Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength) };
  }

  validateDoc(body: unknown, image: ImageInfo): Promise<AnnotationDoc> {
    return this.run<AnnotationDoc>({ kind: 'validate', body, image });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
