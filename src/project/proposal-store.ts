/**
 * Imported proposals per image, in `<data>/proposals/<image id>.json` (the project's .samkit
 * folder), apart from the accepted objects. An import's files are all written before any is moved
 * into place, so a failed import leaves the old proposals.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkImageId } from '../server/image-library.js';
import type { Proposal, ProposalDoc } from './import/proposal.js';

export class ProposalStore {
  private readonly dir: string;
  /** One change at a time: imports and review decisions read, change and write whole documents. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(root: string) {
    this.dir = path.join(root, 'proposals');
  }

  private file(id: string): string {
    return path.join(this.dir, `${checkImageId(id)}.json`);
  }

  async get(id: string): Promise<ProposalDoc> {
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as ProposalDoc;
    } catch {
      return { version: 1, imageId: id, proposals: [], updatedAt: new Date(0).toISOString() };
    }
  }

  /** Run `change` alone (no other import or decision in between). */
  exclusive<T>(change: () => Promise<T>): Promise<T> {
    const next = this.chain.then(change);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Append proposals to several images: every document written beside its file first, then renamed in. */
  async append(added: ReadonlyMap<string, Proposal[]>, now: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const staged: Array<[string, string]> = [];
    try {
      for (const [id, list] of added) {
        const doc = await this.get(id);
        const next: ProposalDoc = { version: 1, imageId: id, proposals: [...doc.proposals, ...list], updatedAt: now };
        const tmp = path.join(this.dir, `.${id}.json.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
        await writeFile(tmp, JSON.stringify(next));
        staged.push([tmp, this.file(id)]);
      }
      for (const [tmp, file] of staged) await rename(tmp, file);
    } catch (err) {
      await Promise.all(staged.map(([tmp]) => rm(tmp, { force: true })));
      throw err;
    }
  }

  async put(doc: ProposalDoc): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(doc.imageId), JSON.stringify(doc));
  }
}
