/**
 * From parsed imports to the proposals to store, all checked before anything is written: every
 * image found in the project (or named by the caller), sizes equal, every mask rasterised at the
 * image's size. Masks already proposed for an image (same pixels, same label) are not added twice.
 * Pure.
 */
import { ImportError } from '../../core/errors.js';
import { rleArea, rleToBbox } from '../../core/rle.js';
import type { ImageMatcher, TargetImage } from './match.js';
import type { Proposal } from './proposal.js';
import { shapeToRle } from './rasterise.js';
import type { ImportSet } from './types.js';

export interface ImportOptions {
  /** The project image (path in the project, or id) for records that name none (`auto`, `ground`, `predict`). */
  image?: string;
  /** Recorded with each proposal ("coco:dataset.json"). */
  source: string;
  /** New proposal ids (unique per image). */
  newId: () => string;
  now: string;
}

export interface ImportPlan {
  /** New proposals per image id, in file order. */
  added: Map<string, Proposal[]>;
  summary: { format: string; images: number; proposals: number; duplicates: number; empty: number };
}

/** Images that carry masks but are not in the project: named (the first few) in one error. */
function unknownImages(names: string[]): never {
  const shown = names.slice(0, 3).map((n) => JSON.stringify(n)).join(', ');
  throw new ImportError(`${names.length} imported image(s) with masks are not in the project: ${shown}${names.length > 3 ? ', ...' : ''}`);
}

export function planImport(set: ImportSet, matcher: ImageMatcher, existing: (id: string) => readonly Proposal[], options: ImportOptions): ImportPlan {
  const targets: Array<{ target: TargetImage; index: number }> = [];
  const missing: string[] = [];
  set.images.forEach((im, index) => {
    if (im.masks.length === 0) return; // nothing to propose: an image the project may not have is no error
    let target: TargetImage | null;
    if (im.ref === null) {
      if (options.image === undefined) throw new ImportError(`${im.where} holds the masks of one image without naming it (samkit ${set.format} output): choose the project image (--image <path>, or "image" in the request)`);
      target = matcher.named(options.image);
    } else {
      target = matcher.find(im.ref, im.where);
      if (!target) { missing.push(im.ref.fileName); return; }
    }
    if ((im.width !== undefined && im.width !== target.width) || (im.height !== undefined && im.height !== target.height)) {
      throw new ImportError(`${im.where} is ${im.width ?? '?'}x${im.height ?? '?'}, the project image ${target.rel} is ${target.width}x${target.height}`);
    }
    targets.push({ target, index });
  });
  if (missing.length) unknownImages(missing);

  const added = new Map<string, Proposal[]>();
  const seen = new Map<string, Set<string>>();
  let duplicates = 0, empty = 0, count = 0;
  for (const { target, index } of targets) {
    const keys = seen.get(target.id) ?? new Set(existing(target.id).map((p) => `${p.label}\u0000${p.segmentation.counts}`));
    seen.set(target.id, keys);
    const list = added.get(target.id) ?? [];
    for (const m of set.images[index].masks) {
      const segmentation = shapeToRle(m.shape, target.width, target.height, m.where);
      const area = rleArea(segmentation);
      if (area === 0) { empty++; continue; }
      const key = `${m.label}\u0000${segmentation.counts}`;
      if (keys.has(key)) { duplicates++; continue; }
      keys.add(key);
      list.push({
        id: options.newId(),
        label: m.label,
        segmentation,
        area,
        bbox: rleToBbox(segmentation),
        score: m.score,
        predictedIou: m.predictedIou,
        stabilityScore: m.stabilityScore,
        source: options.source,
        status: 'pending',
        importedAt: options.now,
      });
      count++;
    }
    if (list.length) added.set(target.id, list);
  }
  return { added, summary: { format: set.format, images: added.size, proposals: count, duplicates, empty } };
}
