/**
 * The project API (`samkit app <dir>`): the folder's image list with states, marking an image done,
 * and computing embeddings ahead in the background so moving to the next image is instant.
 */
import type { FastifyInstance } from 'fastify';
import type { ProjectStore } from '../project/project-store.js';
import type { EmbeddingService } from './embeddings.js';
import { HttpError } from './http-error.js';
import { checkImageId } from './image-library.js';
import { DATASET_FORMATS, type DatasetFormat } from '../dataset/formats.js';
import type { HeavyPool } from './work/heavy-pool.js';
import { validateClasses, validateRenames } from '../project/classes.js';
import { InvalidArgumentError } from '../core/errors.js';

/** Embeddings computed ahead, one at a time, newest request first; the server's own requests go first. */
class Prefetcher {
  private wanted: string[] = [];
  private running = false;

  constructor(private readonly embeddings: EmbeddingService) {}

  request(ids: string[]): void {
    this.wanted = ids.slice(0, 8);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let id = this.wanted.shift(); id !== undefined; id = this.wanted.shift()) {
        await this.embeddings.get(id).catch(() => undefined); // A failure shows when the image is opened.
      }
    } finally {
      this.running = false;
    }
  }
}

export function registerProjectRoutes(app: FastifyInstance, project: ProjectStore | null, embeddings: EmbeddingService, heavy: HeavyPool): void {
  const prefetch = new Prefetcher(embeddings);
  const need = (): ProjectStore => {
    if (!project) throw new HttpError(404, 'no project folder is open (start the app with `samkit app <dir>`)', 'NO_PROJECT');
    return project;
  };

  app.get('/api/project', async () => {
    if (!project) return { project: null };
    const [images, file] = await Promise.all([project.images(), project.readFile()]);
    return { project: { name: project.name, dir: project.dir, images, classes: file.classes } };
  });

  app.put('/api/project/images/:id/done', async (req) => {
    const p = need();
    const id = checkImageId((req.params as { id?: unknown }).id);
    const done = (req.body as { done?: unknown } | null)?.done;
    if (typeof done !== 'boolean') throw new HttpError(400, 'send {"done": true|false}', 'BAD_DONE');
    await p.setDone(id, done);
    return { ok: true };
  });

  // The class list edited in the page: replaced whole; renamed classes carry their objects along.
  app.put('/api/project/classes', async (req) => {
    const p = need();
    const body = req.body as { classes?: unknown; renamed?: unknown } | null;
    let classes, renames;
    try {
      classes = validateClasses(body?.classes);
      renames = validateRenames(body?.renamed, classes);
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new HttpError(400, err.message, 'BAD_CLASSES');
      throw err;
    }
    await p.setClasses(classes);
    const relabelled = await p.renameLabels(renames);
    return { classes, relabelled };
  });

  // The whole project as one dataset ZIP, in the layout `samkit annotate --format X` writes.
  app.get('/api/project/export', async (req, reply) => {
    const p = need();
    const q = req.query as { format?: unknown; polygons?: unknown };
    const format = q.format ?? 'coco';
    if (typeof format !== 'string' || !DATASET_FORMATS.includes(format as DatasetFormat)) throw new HttpError(400, `format must be one of ${DATASET_FORMATS.join(', ')}`, 'BAD_FORMAT');
    const [images, file] = await Promise.all([p.exportImages(), p.readFile()]);
    // Off the event loop: decoding every mask and tracing polygons of a big project takes a while.
    const body = await heavy.runProjectExport(file.classes, images, { format: format as DatasetFormat, polygons: q.polygons === '1' || q.polygons === 'true', project: p.name });
    const name = `${p.name.replace(/[^A-Za-z0-9._-]/g, '_') || 'project'}-${format}.zip`;
    return reply.header('content-type', 'application/zip').header('content-disposition', `attachment; filename="${name}"`).send(body);
  });

  app.post('/api/project/prefetch', async (req) => {
    need();
    const ids = (req.body as { ids?: unknown } | null)?.ids;
    if (!Array.isArray(ids)) throw new HttpError(400, 'send {"ids": [image ids]}', 'BAD_PREFETCH');
    prefetch.request(ids.map((id) => checkImageId(id)));
    return { ok: true, queued: Math.min(ids.length, 8) };
  });
}
