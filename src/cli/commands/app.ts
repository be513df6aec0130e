/** `samkit app`: the annotation web app (the server `npm start` runs), from a checkout or an installed package. */
import type { Command } from 'commander';
import { addServerOptions, type ServerFlags } from '../../server/flags.js';

const HELP_AFTER = `
Prints the app's URL (http://127.0.0.1:PORT/) once listening and serves until Ctrl+C. The page, its
onnxruntime-web runtime and the model's decoder graphs are all served from this machine.`;

export function register(program: Command): void {
  const cmd = program.command('app').description('start the annotation web app on this machine');
  addServerOptions(cmd)
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: ServerFlags) => {
      // Loaded only here, so the other commands do not pay for fastify at start-up.
      const { serve } = await import('../../server/main.js');
      await serve(flags);
    });
}
