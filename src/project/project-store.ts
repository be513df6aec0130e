/**
 * A project: a folder of images opened by `samkit app <dir>`. The images are found as `annotate`
 * finds them (recursively, by their first bytes), added to the app's image library by content hash,
 * and listed with their annotation state. The app keeps its own files in `<dir>/.samkit`.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { discoverImages } from '../batch/discover.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { AnnotationStore } from '../server/annotations.js';
import type { ImageLibrary } from '../server/image-library.js';
import type { ProjectClass } from './classes.js';
import type { ProjectExportImage } from './dataset-mapping.js';
import { imageState, parseProjectFile, type ProjectFile, type ProjectImage } from './project-state.js';

/** The folder inside a project where the app keeps annotations, images and the project file. */
export const PROJECT_DATA_DIR = '.samkit';

interface Known { id: string; rel: string; name: string; width: number; height: number; mtimeMs: number; size: number }

export class ProjectStore {
  readonly dir: string;
  private readonly known = new Map<string, Known>();
  private writes: Promise<unknown> = Promise.resolve();

  /** `exclude`: folders never listed, such as the app's data and embedding folders when they are inside the project. */
  constructor(dir: string, private readonly library: ImageLibrary, private readonly annotations: AnnotationStore, private readonly exclude: readonly string[] = []) {
    this.dir = path.resolve(dir);
  }

  get name(): string {
    return path.basename(this.dir);
  }

  private get projectFile(): string {
    return path.join(this.dir, PROJECT_DATA_DIR, 'project.json');
  }

  async readFile(): Promise<ProjectFile> {
    return parseProjectFile(await readFile(this.projectFile, 'utf8').catch(() => null));
  }

  /** Every image of the folder, in `annotate`'s order; new or changed files are added to the library. */
  async images(): Promise<ProjectImage[]> {
    const { images } = await discoverImages([this.dir], [path.join(this.dir, PROJECT_DATA_DIR), ...this.exclude]);
    const file = await this.readFile();
    const done = new Set(file.done);
    const out: ProjectImage[] = [];
    for (const found of images) {
      const st = await stat(found.path).catch(() => null);
      if (!st) continue;
      let k = this.known.get(found.path);
      if (!k || k.mtimeMs !== st.mtimeMs || k.size !== st.size) {
        try {
          const { info } = await this.library.add(await readFile(found.path), found.rel);
          k = { id: info.id, rel: found.rel, name: info.name, width: info.width, height: info.height, mtimeMs: st.mtimeMs, size: st.size };
          this.known.set(found.path, k);
        } catch {
          continue; // A damaged or oversized file is left out of the list, as `annotate` skips it.
        }
      }
      const doc = await this.annotations.get(k.id);
      const objects = doc?.objects.length ?? 0;
      out.push({ id: k.id, rel: k.rel, name: k.name, width: k.width, height: k.height, objects, state: imageState(objects, done.has(k.id)) });
    }
    return out;
  }

  /** Every image with its saved objects and its file, for a whole-project export. */
  async exportImages(): Promise<ProjectExportImage[]> {
    const out: ProjectExportImage[] = [];
    for (const im of await this.images()) {
      const doc = await this.annotations.get(im.id);
      out.push({ rel: im.rel, source: path.join(this.dir, ...im.rel.split('/')), width: im.width, height: im.height, objects: doc?.objects ?? [] });
    }
    return out;
  }

  /** Replace the class list (from `--classes`). */
  async setClasses(classes: ProjectClass[]): Promise<void> {
    await this.update((file) => ({ ...file, classes }));
  }

  /**
   * Move objects from old label names to new ones in every image of the project (a class renamed in
   * the page). Returns how many objects changed.
   */
  async renameLabels(renames: ReadonlyMap<string, string>): Promise<number> {
    if (renames.size === 0) return 0;
    let changed = 0;
    for (const im of await this.images()) {
      const doc = await this.annotations.get(im.id);
      if (!doc?.objects.some((o) => renames.has(o.label))) continue;
      const objects = doc.objects.map((o) => {
        const to = renames.get(o.label);
        if (to === undefined) return o;
        changed++;
        return { ...o, label: to };
      });
      await this.annotations.put({ ...doc, objects, updatedAt: new Date().toISOString() });
    }
    return changed;
  }

  private async update(change: (file: ProjectFile) => ProjectFile): Promise<void> {
    const next = this.writes.then(async () => {
      const file = change(await this.readFile());
      await mkdir(path.dirname(this.projectFile), { recursive: true });
      await writeFileAtomic(this.projectFile, `${JSON.stringify(file, null, 2)}\n`);
    });
    this.writes = next.catch(() => undefined);
    await next;
  }

  /** Mark an image done or not (written atomically, one write at a time). */
  async setDone(id: string, isDone: boolean): Promise<void> {
    await this.update((file) => {
      const done = new Set(file.done);
      if (isDone) done.add(id); else done.delete(id);
      return { ...file, done: [...done].sort() };
    });
  }
}
