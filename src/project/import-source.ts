/**
 * Reading what to import from disk: a JSON file (COCO, SA-1B, samkit auto / ground / predict), a
 * YOLO dataset folder (labels/ + classes.txt or data.yaml), a folder of SA-1B files, a folder of
 * PNG mask folders (metadata.csv), or `samkit annotate --format a,b` output (its coco.json).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { ImportError } from '../core/errors.js';
import { parseJsonImport } from './import/detect.js';
import { parseJson } from './import/json-values.js';
import { parseMetadataCsv, pngFolderImage } from './import/png-folder.js';
import { isSa1bDocument, parseSa1bImport } from './import/sa1b.js';
import type { ImportedImage, ImportSet } from './import/types.js';
import { parseClassesTxt, parseDataYamlNames, parseYoloLabels } from './import/yolo.js';
import { isLabelmeDocument, parseLabelmeImport } from './import/labelme.js';

/** Largest single file read (a COCO file of a big project is tens of MB). */
export const MAX_IMPORT_FILE_BYTES = 512 * 1024 * 1024;

const posixRel = (root: string, file: string): string => path.relative(root, file).split(path.sep).join('/');

async function filesUnder(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue; // hidden entries (.samkit, temp files), as annotate skips them
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await filesUnder(root, p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

async function readText(file: string, shown: string): Promise<string> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) throw new ImportError(`${shown} is not a file`);
  if (st.size > MAX_IMPORT_FILE_BYTES) throw new ImportError(`${shown} is ${Math.round(st.size / 1e6)} MB; at most ${MAX_IMPORT_FILE_BYTES / 1e6} MB per file`);
  return readFile(file, 'utf8');
}

/** A YOLO dataset folder: labels/**.txt, names from classes.txt, else data.yaml. */
async function readYolo(root: string, name: string): Promise<ImportSet> {
  const labelsDir = path.join(root, 'labels');
  let classes: string[] = [];
  const classesTxt = path.join(root, 'classes.txt');
  const dataYaml = path.join(root, 'data.yaml');
  if (await isFile(classesTxt)) classes = parseClassesTxt(await readText(classesTxt, `${name}/classes.txt`));
  else if (await isFile(dataYaml)) classes = parseDataYamlNames(await readText(dataYaml, `${name}/data.yaml`), `${name}/data.yaml`);
  const images: ImportedImage[] = [];
  for (const file of (await filesUnder(labelsDir)).filter((f) => f.endsWith('.txt'))) {
    const rel = posixRel(labelsDir, file);
    images.push(parseYoloLabels(await readText(file, `${name}/labels/${rel}`), `${name}/labels/${rel}`, rel.slice(0, -4), classes));
  }
  return { format: 'yolo', images };
}

/** PNG folders: every folder holding a metadata.csv is one image (its path is the output stem). */
async function readPngFolders(root: string, name: string, csvs: readonly string[]): Promise<ImportSet> {
  const images: ImportedImage[] = [];
  for (const csv of csvs) {
    const dir = path.dirname(csv);
    const stem = posixRel(root, dir);
    const shown = `${name}/${stem}`;
    const rows = parseMetadataCsv(await readText(csv, `${shown}/metadata.csv`), `${shown}/metadata.csv`);
    const masks = new Map<number, { width: number; height: number; data: Uint8Array }>();
    for (const r of rows) {
      const png = path.join(dir, `${r.id}.png`);
      if (!(await isFile(png))) continue; // named by pngFolderImage
      try {
        const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
        for (let i = 0; i < data.length; i++) data[i] = data[i] ? 1 : 0;
        masks.set(r.id, { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) });
      } catch (err) {
        throw new ImportError(`${shown}/${r.id}.png is not a readable PNG: ${(err as Error).message}`);
      }
    }
    images.push(pngFolderImage(stem, shown, rows, masks));
  }
  return { format: 'png', images };
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

/** What `source` (a file or a folder) holds, parsed; `name` is how errors call it. */
export async function readImportSource(source: string, name = path.basename(source)): Promise<ImportSet> {
  const st = await stat(source).catch(() => null);
  if (!st) throw new ImportError(`${name} does not exist`);
  if (st.isFile()) return parseJsonImport(await readText(source, name), name);
  if (!st.isDirectory()) throw new ImportError(`${name} is neither a file nor a folder`);
  // annotate --format coco,yolo,...: the same masks in every format; the COCO file has them all.
  if (await isFile(path.join(source, 'coco.json'))) return parseJsonImport(await readText(path.join(source, 'coco.json'), `${name}/coco.json`), `${name}/coco.json`);
  if ((await stat(path.join(source, 'labels')).catch(() => null))?.isDirectory()) return readYolo(source, name);
  const files = await filesUnder(source);
  const csvs = files.filter((f) => path.basename(f) === 'metadata.csv');
  if (csvs.length) return readPngFolders(source, name, csvs);
  const jsons = files.filter((f) => f.endsWith('.json'));
  if (jsons.length === 0) throw new ImportError(`${name} holds nothing import reads (a YOLO labels/ folder, PNG folders with metadata.csv, SA-1B or LabelMe JSON files, or coco.json)`);
  // One JSON per image: SA-1B files, or LabelMe / X-AnyLabeling files (often beside the images).
  const images: ImportedImage[] = [];
  let format: 'sa1b' | 'labelme' | null = null;
  for (const file of jsons) {
    const rel = posixRel(source, file);
    const shown = `${name}/${rel}`;
    const doc = parseJson(await readText(file, shown), shown);
    const kind = isSa1bDocument(doc) ? 'sa1b' : isLabelmeDocument(doc) ? 'labelme' : null;
    if (!kind) throw new ImportError(`${shown} is neither an SA-1B nor a LabelMe file (a folder is read as one such file per image; import a COCO file on its own)`);
    if (format && kind !== format) throw new ImportError(`${shown} is a ${kind} file among ${format} files: import one format at a time`);
    format = kind;
    images.push(kind === 'sa1b' ? parseSa1bImport(doc, shown, rel.slice(0, -5)) : parseLabelmeImport(doc, shown, rel));
  }
  return { format: format ?? 'sa1b', images };
}
