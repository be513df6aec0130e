/**
 * `npm run bench`: every benchmark, one after the other, printed as JSON and a summary. Sections can
 * be chosen with `--only predictor,amg,batch,web,project`. Results go to bench-results/<date>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { benchImages, machine, PROJECT_ROOT } from './common.js';

type Section = (images: string[]) => Promise<Record<string, unknown>>;

const SECTIONS: Record<string, () => Promise<Section>> = {
  predictor: async () => {
    const m = await import('./predictor.js');
    return async (images) => ({ ...(await m.benchPredictor(images)), ...(await m.benchPromptGraphs()), ...m.benchPredictCli(images.find((f) => f.includes('picture4')) ?? images[0]) });
  },
};

/** Optional sections that live in other modules; skipped with a note until they exist. */
const OPTIONAL: Record<string, [string, string]> = {
  amg: ['./amg.js', 'benchAmg'],
  batch: ['./batch.js', 'benchBatch'],
  web: ['./web.js', 'benchWeb'],
  project: ['./web-project.js', 'benchWebProject'],
  text: ['./text.js', 'benchText'],
  queue: ['./queue.js', 'benchQueue'],
  kernel: ['./kernel.js', 'benchKernel'],
  families: ['./families.js', 'benchFamilies'],
};

async function loadOptional(name: string): Promise<Section | null> {
  const [file, fn] = OPTIONAL[name];
  try {
    const mod = (await import(file)) as Record<string, Section>;
    return mod[fn] ?? null;
  } catch {
    return null;
  }
}

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : [...Object.keys(SECTIONS), ...Object.keys(OPTIONAL)];
const images = benchImages();
const results: Record<string, unknown> = { machine: machine(), date: new Date().toISOString(), images: images.map((f) => path.basename(f)) };
for (const name of only) {
  const section = name in SECTIONS ? await SECTIONS[name]() : name in OPTIONAL ? await loadOptional(name) : null;
  if (!section) { console.error(`bench: no section '${name}' (yet)`); continue; }
  console.error(`bench: ${name} ...`);
  const t0 = Date.now();
  results[name] = await section(images);
  console.error(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(JSON.stringify({ [name]: results[name] }, null, 2));
}
const dir = path.join(PROJECT_ROOT, 'bench-results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.error(`bench: results in ${path.relative(process.cwd(), file)}`);
