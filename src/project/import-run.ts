/**
 * Import into a project: read the file or folder, match its images to the project's, rasterise
 * and check every mask, then store the new proposals in one step. Shared by `POST
 * /api/project/import`, `samkit app <dir> --import` and `samkit import`.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { parseJsonImport } from './import/detect.js';
import { ImageMatcher } from './import/match.js';
import { planImport, type ImportPlan } from './import/plan.js';
import type { ImportSet } from './import/types.js';
import { readImportSource } from './import-source.js';
import type { ProjectStore } from './project-store.js';
import type { ProposalStore } from './proposal-store.js';

export type ImportSummary = ImportPlan['summary'];

export interface RunImportOptions {
  /** The project image for records that name none (path in the project or image id). */
  image?: string;
  /** How the source is named in errors and in each proposal's `source` (default: its base name). */
  name?: string;
}

/** Import a file or folder on disk. */
export async function importIntoProject(project: ProjectStore, proposals: ProposalStore, source: string, options: RunImportOptions = {}): Promise<ImportSummary> {
  const name = options.name ?? path.basename(path.resolve(source));
  return importSet(project, proposals, await readImportSource(source, name), name, options.image);
}

/** Import an uploaded JSON file (COCO, SA-1B, samkit auto / ground / predict output). */
export async function importUpload(project: ProjectStore, proposals: ProposalStore, text: string, name: string, image?: string): Promise<ImportSummary> {
  return importSet(project, proposals, parseJsonImport(text, name), name, image);
}

async function importSet(project: ProjectStore, proposals: ProposalStore, set: ImportSet, name: string, image: string | undefined): Promise<ImportSummary> {
  const matcher = new ImageMatcher(await project.images());
  return proposals.exclusive(async () => {
    const existing = new Map<string, Awaited<ReturnType<ProposalStore['get']>>['proposals']>();
    for (const im of matcher.images) existing.set(im.id, (await proposals.get(im.id)).proposals);
    const now = new Date().toISOString();
    const plan = planImport(set, matcher, (id) => existing.get(id) ?? [], {
      image,
      source: `${set.format}:${name}`,
      newId: () => `p-${randomBytes(6).toString('hex')}`,
      now,
    });
    await proposals.append(plan.added, now);
    return plan.summary;
  });
}
