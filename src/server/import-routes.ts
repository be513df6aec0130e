/**
 * Import and review (`samkit app <dir>`): import COCO / YOLO / SA-1B / PNG folders / samkit
 * outputs into the project as proposals, list an image's proposals, and record the page's
 * accept / reject decisions. Accepting also adds the object on the page, which saves it as usual.
 */
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PROPOSAL_STATUSES, type ProposalStatus } from '../project/import/proposal.js';
import { importIntoProject, importUpload } from '../project/import-run.js';
import { withUploadedFolder, type UploadedFile } from '../project/import-upload-folder.js';
import type { ProjectStore } from '../project/project-store.js';
import type { ProposalStore } from '../project/proposal-store.js';
import { HttpError } from './http-error.js';
import { checkImageId, cleanName } from './image-library.js';

/** A path the request names, inside the project folder (symlinks followed), or a 400. */
async function insideProject(project: ProjectStore, p: unknown): Promise<string> {
  if (typeof p !== 'string' || p === '' || p.includes('\0')) throw new HttpError(400, 'send {"path": "<file or folder inside the project>"} or upload the file', 'BAD_IMPORT_PATH');
  const root = await realpath(project.dir);
  const full = await realpath(path.resolve(root, p)).catch(() => null);
  if (!full) throw new HttpError(404, `${p} does not exist in the project folder`, 'IMPORT_NOT_FOUND');
  const rel = path.relative(root, full);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new HttpError(400, `${p} is outside the project folder`, 'BAD_IMPORT_PATH');
  return full;
}

const optionalImage = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Files one folder upload may hold (a YOLO labels/ folder has one per image). */
const MAX_FOLDER_FILES = 100_000;

export function registerImportRoutes(app: FastifyInstance, project: ProjectStore | null, proposals: ProposalStore, maxUploadBytes: number): void {
  const need = (): ProjectStore => {
    if (!project) throw new HttpError(404, 'no project folder is open (start the app with `samkit app <dir>`)', 'NO_PROJECT');
    return project;
  };

  // A file upload (multipart, or the raw bytes with ?name=), a folder upload (multipart, one part per
  // file named by its path in the picked folder), or {"path", "image"?} for a file or folder in the project.
  app.post('/api/project/import', async (req) => {
    const p = need();
    const q = req.query as { name?: unknown; image?: unknown };
    if (req.isMultipart()) {
      const files: UploadedFile[] = [];
      let total = 0;
      let image: string | undefined;
      for await (const part of req.parts({ preservePath: true, limits: { files: MAX_FOLDER_FILES, fileSize: maxUploadBytes } })) {
        if (part.type === 'file') {
          const bytes = await part.toBuffer();
          total += bytes.length;
          if (total > maxUploadBytes) throw new HttpError(413, `the upload is larger than the ${Math.round(maxUploadBytes / 2 ** 20)} MB limit (--max-upload-mb)`, 'FILE_TOO_LARGE');
          files.push({ rel: part.filename || 'upload.json', bytes });
        } else if (part.fieldname === 'image') {
          image = optionalImage(part.value);
        }
      }
      if (!files.length) throw new HttpError(400, 'the form has no file field', 'NO_FILE');
      image ??= optionalImage(q.image);
      const [one] = files;
      if (files.length === 1 && !/[\\/]/.test(one.rel)) {
        return { imported: await importUpload(p, proposals, one.bytes.toString('utf8'), cleanName(one.rel), image) };
      }
      return { imported: await withUploadedFolder(files, (dir, name) => importIntoProject(p, proposals, dir, { image, name })) };
    }
    if (Buffer.isBuffer(req.body)) {
      return { imported: await importUpload(p, proposals, req.body.toString('utf8'), cleanName(q.name ?? 'upload.json'), optionalImage(q.image)) };
    }
    const body = req.body as { path?: unknown; image?: unknown } | null;
    const source = await insideProject(p, body?.path);
    return { imported: await importIntoProject(p, proposals, source, { image: optionalImage(body?.image), name: String(body?.path) }) };
  });

  app.get('/api/images/:id/proposals', async (req) => {
    const id = checkImageId((req.params as { id?: unknown }).id);
    return proposals.get(id);
  });

  // {"decisions": [{"id", "status": "accepted" | "rejected" | "pending"}]}
  app.post('/api/images/:id/proposals/decide', async (req) => {
    const id = checkImageId((req.params as { id?: unknown }).id);
    const decisions = (req.body as { decisions?: unknown } | null)?.decisions;
    if (!Array.isArray(decisions) || decisions.length === 0) throw new HttpError(400, 'send {"decisions": [{"id", "status"}]}', 'BAD_DECISIONS');
    const wanted = new Map<string, ProposalStatus>();
    for (const d of decisions) {
      const { id: pid, status } = (d ?? {}) as { id?: unknown; status?: unknown };
      if (typeof pid !== 'string' || !PROPOSAL_STATUSES.includes(status as ProposalStatus)) throw new HttpError(400, `each decision needs an "id" and a "status" (${PROPOSAL_STATUSES.join(', ')})`, 'BAD_DECISIONS');
      wanted.set(pid, status as ProposalStatus);
    }
    return proposals.exclusive(async () => {
      const doc = await proposals.get(id);
      const known = new Set(doc.proposals.map((x) => x.id));
      const unknown = [...wanted.keys()].filter((k) => !known.has(k));
      if (unknown.length) throw new HttpError(404, `image ${id.slice(0, 12)} has no proposal ${unknown.slice(0, 3).join(', ')}`, 'NO_PROPOSAL');
      const next = { ...doc, proposals: doc.proposals.map((x) => (wanted.has(x.id) ? { ...x, status: wanted.get(x.id)! } : x)), updatedAt: new Date().toISOString() };
      await proposals.put(next);
      const counts = { pending: 0, accepted: 0, rejected: 0 };
      for (const x of next.proposals) counts[x.status]++;
      return { ok: true, ...counts };
    });
  });
}
