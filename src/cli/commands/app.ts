/**
 * `samkit app [dir]`: the annotation web app (the server `npm start` runs), optionally on a folder of
 * images opened as a project. The flags are the server's own (see src/server/main.ts).
 */
import { CommanderError, type Command } from 'commander';
import { CliUsageError } from '../args.js';

export function register(program: Command): void {
  program
    .command('app')
    .description('start the annotation web app on this machine: samkit app [dir] [--port N] [--host H] [--data DIR] [--embeddings DIR] [--model M] [--classes "a,b"|file] [--detector D] [--asr A] [--lama M.onnx] [--sd-url URL]')
    .argument('[args...]', 'a project folder and the server flags (samkit app --help lists them)')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      // Loaded only here, so the other commands do not pay for fastify at start-up.
      const { main } = await import('../../server/main.js');
      try {
        await main(args, 'samkit app');
      } catch (err) {
        if (err instanceof CommanderError && err.code === 'samkit.usage') throw new CliUsageError(err.message);
        throw err;
      }
    });
}
