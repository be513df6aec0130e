/**
 * Shared by the end-to-end tests and bench/web.ts: start the real annotation server (compiled,
 * default model) on a free port with its own data folders, and Debian's Chromium headless.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHROMIUM = process.env.SAMKIT_CHROMIUM ?? '/usr/bin/chromium';
const REFERENCE_ENV = process.env.SAMKIT_REFERENCE_DIR ?? process.env.SAMKIT_REFERENCE;
export const REFERENCE_IMAGES = REFERENCE_ENV ? path.join(REFERENCE_ENV, 'images') : path.resolve(PROJECT_ROOT, '../shared/reference/images');
export const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');

/** Why browser tests that need no reference photos cannot run here (Chromium, the built page), or null. */
export function browserUnavailable(): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set SAMKIT_CHROMIUM)`;
  if (!existsSync(path.join(PROJECT_ROOT, 'web', 'dist', 'app.js'))) return 'the frontend is not built (npm run build)';
  return null;
}

/** Why the browser benchmarks on the shared reference photos (bench/web*.ts) cannot run here, or null when they can. */
export function browserTestsUnavailable(): string | null {
  return browserUnavailable() ?? referenceImagesUnavailable();
}

/** Why tests that need the shared reference photos cannot run here, or null when they can. */
export function referenceImagesUnavailable(): string | null {
  return existsSync(REFERENCE_IMAGES) ? null : `reference images absent: ${REFERENCE_IMAGES} (the shared ../shared/reference folder)`;
}

/** The sample photo shipped in the repo (samples/chelsea.png, CC0, 451 x 300). */
export const SAMPLE_IMAGE = path.join(PROJECT_ROOT, 'samples', 'chelsea.png');

export interface RunningServer {
  url: string;
  dataDir: string;
  embeddingsDir: string;
  process: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/** Start `node dist/src/server/main.js` with PORT=0 and fresh folders; resolves with the printed URL. */
export async function startServer(extraArgs: string[] = [], dirs?: { dataDir: string; embeddingsDir: string }): Promise<RunningServer> {
  const tmp = dirs ? null : await mkdtemp(path.join(os.tmpdir(), 'samkit-app-'));
  const dataDir = dirs?.dataDir ?? path.join(tmp!, 'data');
  const embeddingsDir = dirs?.embeddingsDir ?? path.join(tmp!, 'embeddings');
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/server/main.js'), '--data', dataDir, '--embeddings', embeddingsDir, ...extraArgs], {
    cwd: PROJECT_ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no URL in 60 s:\n${log}`)), 60000);
    const on = (d: Buffer): void => {
      log += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(log);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}):\n${log}`)); });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
  return { url, dataDir, embeddingsDir, process: child, log: () => log, stop };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Record, in the page, when the pointer last moved and when each canvas was last drawn on. */
export async function instrumentDraws(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __draws: Record<string, number>; __lastDraw: number; __lastMove: number; __lastDown: number };
    w.__draws = {};
    w.__lastDraw = 0;
    w.__lastMove = 0;
    w.__lastDown = 0;
    const proto = CanvasRenderingContext2D.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of ['putImageData', 'drawImage', 'fill', 'fillRect', 'stroke']) {
      const f = proto[name];
      proto[name] = function (this: CanvasRenderingContext2D, ...a: unknown[]) {
        const t = performance.now();
        w.__lastDraw = t;
        w.__draws[this.canvas.id || 'other'] = t;
        return f.apply(this, a);
      };
    }
    addEventListener('pointermove', () => { w.__lastMove = performance.now(); }, true);
    addEventListener('pointerdown', () => { w.__lastDown = performance.now(); }, true);
  });
}

/** Wait until the page says an image is ready (embedding loaded, decoder warm). */
export async function waitReady(page: Page, timeout = 120000): Promise<void> {
  // One read of the state (a second read can already see the next open's 'loading'), and 'ready'
  // only counts for the image the URL names: a move sets the hash before that open starts.
  const handle = await page.waitForFunction(() => {
    const { state, readyImage } = document.body.dataset;
    const want = /^#([0-9a-f]{64})$/.exec(location.hash)?.[1];
    if (state === 'error') return state;
    return state === 'ready' && (!want || readyImage === want) ? state : false;
  }, null, { timeout, polling: 100 });
  const state = await handle.jsonValue();
  if (state !== 'ready') {
    // What the page knew: the banner, and the phases of the open that failed (open-timing.ts).
    const open = await page.evaluate(() => JSON.stringify((window as unknown as { __samkitOpen?: unknown }).__samkitOpen ?? null));
    const logged = [...(await page.consoleMessages()).filter((m) => m.type() === 'error' || m.type() === 'warning').map((m) => m.text()),
      ...(await page.pageErrors()).map((e) => `${e.name}: ${e.message}`)].slice(-5);
    throw new Error(`the page reports an error: ${await page.locator('#banner-text').textContent()} (open: ${open}; console: ${JSON.stringify(logged)})`);
  }
}

/** 0/1 per display pixel where a layer canvas has paint (alpha > 0). */
export async function layerMask(page: Page, id: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const r = await page.evaluate((layer) => {
    const c = document.getElementById(layer) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let bits = '';
    const out = new Uint8Array(c.width * c.height);
    for (let i = 0; i < out.length; i++) out[i] = d[i * 4 + 3] > 0 ? 1 : 0;
    // Strings cross the page boundary faster than arrays of numbers.
    for (let i = 0; i < out.length; i += 8192) bits += String.fromCharCode(...out.subarray(i, i + 8192).map((v) => v + 48));
    return { width: c.width, height: c.height, bits };
  }, id);
  const data = new Uint8Array(r.bits.length);
  for (let i = 0; i < data.length; i++) data[i] = r.bits.charCodeAt(i) - 48;
  return { width: r.width, height: r.height, data };
}

/** Nearest-neighbour resample of a row-major 0/1 mask (as the page displays stored masks). */
export function resampleMask(src: Uint8Array, w: number, h: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / dh));
    for (let x = 0; x < dw; x++) out[y * dw + x] = src[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / dw))];
  }
  return out;
}

export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) { inter += a[i] & b[i]; union += a[i] | b[i]; }
  return union === 0 ? 1 : inter / union;
}
