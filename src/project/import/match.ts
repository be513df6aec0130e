/**
 * Which project image each imported image is: by file_name relative to the project folder, else by
 * base name when one project image has it; output stems (YOLO labels, PNG folders) likewise. Pure.
 */
import * as posix from 'node:path/posix';
import { ImportError } from '../../core/errors.js';
import { outputStems } from '../../batch/discover.js';
import type { ImageRef } from './types.js';

export interface TargetImage { id: string; rel: string; width: number; height: number }

const stemOf = (rel: string): string => {
  const ext = posix.extname(rel);
  return ext ? rel.slice(0, -ext.length) : rel;
};

/** Normalise a file name as a file may give it: backslashes, './', leading '/'. */
export function normaliseName(name: string): string {
  return posix.normalize(name.replace(/\\/g, '/')).replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

export class ImageMatcher {
  private readonly byRel = new Map<string, TargetImage>();
  private readonly byStem = new Map<string, TargetImage>();
  private readonly byBase = new Map<string, TargetImage[]>();
  private readonly byBaseStem = new Map<string, TargetImage[]>();
  private readonly byId = new Map<string, TargetImage>();

  constructor(readonly images: readonly TargetImage[]) {
    const stems = outputStems(images.map((im) => im.rel));
    images.forEach((im, i) => {
      this.byRel.set(im.rel, im);
      this.byStem.set(stems[i], im);
      this.byId.set(im.id, im);
      const add = (m: Map<string, TargetImage[]>, k: string): void => { m.set(k, [...(m.get(k) ?? []), im]); };
      add(this.byBase, posix.basename(im.rel));
      add(this.byBaseStem, posix.basename(stemOf(im.rel)));
    });
  }

  /**
   * The project image a reference names; null when none does. Two project images with the same
   * base name and no exact path match is an ImportError (the file does not say which).
   */
  find(ref: Exclude<ImageRef, null>, where: string): TargetImage | null {
    const name = normaliseName(ref.fileName);
    const exact = ref.stem ? this.byStem.get(name) ?? this.byRel.get(name) : this.byRel.get(name);
    if (exact) return exact;
    const base = ref.stem ? posix.basename(name) : posix.basename(name);
    const candidates = (ref.stem ? this.byBaseStem : this.byBase).get(base) ?? [];
    if (candidates.length > 1) throw new ImportError(`${where}: ${JSON.stringify(ref.fileName)} matches ${candidates.length} project images (${candidates.slice(0, 3).map((c) => c.rel).join(', ')}); give paths relative to the project folder`);
    return candidates[0] ?? null;
  }

  /** The image a user names for records without a file name: its path in the project, or its id. */
  named(image: string): TargetImage {
    const found = this.byId.get(image) ?? this.byRel.get(normaliseName(image)) ?? this.find({ fileName: image }, `image ${JSON.stringify(image)}`);
    if (!found) throw new ImportError(`the project has no image ${JSON.stringify(image)}`);
    return found;
  }
}
