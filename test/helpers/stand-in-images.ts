/**
 * Photos for tests that need real photos but no reference outputs: JPEGs made from the shipped sample
 * (samples/chelsea.png, CC0) with the names and sizes of the shared reference photos the tests were
 * written against (dog 800x534, picture2 769x770, truck 1800x1200), so they run in a clone without
 * ../shared. Made once per process into a temporary folder.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { SAMPLE_IMAGE } from './reference.js';

const SIZES: Record<string, [number, number]> = { dog: [800, 534], picture2: [769, 770], truck: [1800, 1200] };

let made: Promise<string> | null = null;

/** The folder holding dog.jpg, picture2.jpg and truck.jpg made from the sample (mirrored for picture2 so they differ). */
export function standInImages(): Promise<string> {
  made ??= (async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'samkit-stand-ins-')), 'images');
    mkdirSync(dir);
    for (const [name, [w, h]] of Object.entries(SIZES)) {
      const img = sharp(SAMPLE_IMAGE).resize(w, h, { fit: 'fill' });
      await (name === 'picture2' ? img.flop() : img).jpeg({ quality: 90 }).toFile(path.join(dir, `${name}.jpg`));
    }
    return dir;
  })();
  return made;
}
