/**
 * A local stand-in for an AUTOMATIC1111 web UI: POST /sdapi/v1/img2img records the request body and
 * answers a solid-colour PNG at the requested size; `mode` switches it to answering 500 or too late,
 * as a real server under load does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface FakeSd {
  url: string;
  /** Bodies of the img2img requests received, oldest first. */
  requests: Array<Record<string, unknown>>;
  mode: 'ok' | 'error' | 'slow';
  /** The colour painted into answers. */
  colour: [number, number, number];
  close: () => Promise<void>;
}

export async function startFakeSd(): Promise<FakeSd> {
  const state: FakeSd = { url: '', requests: [], mode: 'ok', colour: [0, 0, 255], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/sdapi/v1/img2img') { res.writeHead(404); res.end(); return; }
      let body: Record<string, unknown>;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>; } catch { res.writeHead(422); res.end('bad json'); return; }
      state.requests.push(body);
      if (state.mode === 'error') { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('CUDA out of memory\nat line 3'); return; }
      const answer = (): void => {
        const [r, g, b] = state.colour;
        void sharp({ create: { width: Number(body.width), height: Number(body.height), channels: 3, background: { r, g, b } } }).png().toBuffer().then((png) => {
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ images: [png.toString('base64')], parameters: {}, info: '' }));
        });
      };
      if (state.mode === 'slow') setTimeout(answer, 6000); else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return state;
}
