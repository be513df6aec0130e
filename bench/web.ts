/**
 * Speed of the annotation app in headless Chromium, against the real server and default model:
 * pointer move to mask painted (hover), click to refined mask painted, image open to ready.
 *
 *   node dist/bench/web.js            (or: npm run bench -- --only web)
 *
 * Latencies are measured in the page on one clock: from the pointer event to the last draw on the
 * live canvas that follows it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import type { Page } from 'playwright-core';
import { SamModel } from '../src/model/sam-model.js';
import {
  browserTestsUnavailable, instrumentDraws, launchChromium, REFERENCE_IMAGES, startServer, waitReady, type RunningServer,
} from '../test/e2e/harness.js';

const HOVER_MOVES = Number(process.env.BENCH_HOVER_MOVES ?? 100);
const CLICKS = Number(process.env.BENCH_CLICKS ?? 10);

function stats(values: number[]): { n: number; medianMs: number; p95Ms: number; minMs: number; maxMs: number } {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const q = (p: number): number => v[Math.min(v.length - 1, Math.floor(v.length * p))];
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { n: v.length, medianMs: round(v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2), p95Ms: round(q(0.95)), minMs: round(v[0]), maxMs: round(v[v.length - 1]) };
}

/** Time from the last pointer event of `kind` to the last live-layer draw after it, once `done` holds. */
async function latency(page: Page, kind: '__lastMove' | '__lastDown', done: () => Promise<unknown>): Promise<number> {
  await done();
  // Let a paint that is already under way land before reading the clock.
  await page.waitForTimeout(30);
  return page.evaluate((k) => {
    const w = window as unknown as Record<string, number> & { __draws: Record<string, number> };
    const draw = w.__draws['layer-live'] ?? 0;
    return draw > w[k] ? draw - w[k] : Infinity;
  }, kind);
}

async function decoderMs(page: Page): Promise<number> {
  const title = await page.locator('#current-stats .muted').getAttribute('title').catch(() => null);
  return Number(/decoder (\d+)/.exec(title ?? '')?.[1] ?? NaN);
}

/**
 * The same decoder in onnxruntime-node on this machine, same thread count, one point: the native
 * floor to read the browser figures against (the machine may be busy; this moves with it).
 */
/** Hover: one move, wait for its mask, pause as a person would, next move. */
async function measureHover(page: Page, at: (fx: number, fy: number) => { x: number; y: number }): Promise<{ hover: number[]; decode: number[] }> {
  const hover: number[] = [];
  const decode: number[] = [];
  for (let k = 0; k < HOVER_MOVES; k++) {
    const p = at(0.1 + 0.8 * ((k * 37) % 100) / 100, 0.1 + 0.8 * ((k * 61) % 100) / 100);
    await page.mouse.move(p.x, p.y);
    hover.push(await latency(page, '__lastMove', () => page.waitForFunction(() => {
      const w = window as unknown as { __draws: Record<string, number>; __lastMove: number };
      return (w.__draws['layer-live'] ?? 0) > w.__lastMove;
    }, null, { timeout: 5000, polling: 5 }).catch(() => undefined)));
    decode.push(await decoderMs(page));
    await page.waitForTimeout(60);
  }
  return { hover, decode };
}

/** Click refinement: a first point, then a second one refining with the first mask's logits (a mask input). */
async function measureClicks(page: Page, at: (fx: number, fy: number) => { x: number; y: number }): Promise<{ click: number[]; decode: number[]; decoders: string[] }> {
  await page.keyboard.press('c');
  const click: number[] = [];
  const decode: number[] = [];
  const decoders: string[] = [];
  for (let k = 0; k < CLICKS; k++) {
    await page.keyboard.press('Escape');
    const a = at(0.3 + 0.04 * k, 0.45);
    const b = at(0.32 + 0.04 * k, 0.55);
    await page.mouse.click(a.x, a.y);
    await page.waitForFunction(() => /1 point/.test(document.getElementById('current-stats')?.textContent ?? ''), null, { timeout: 10000 });
    await page.mouse.click(b.x, b.y);
    click.push(await latency(page, '__lastDown', () => page.waitForFunction(() => /2 points/.test(document.getElementById('current-stats')?.textContent ?? ''), null, { timeout: 10000 })));
    decode.push(await decoderMs(page));
    const title = await page.locator('#current-stats .muted').getAttribute('title').catch(() => null);
    decoders.push(/\((.*) graph(?:, (\d) threads)?\)/.exec(title ?? '')?.slice(1).filter(Boolean).join(' x') ?? '?');
  }
  return { click, decode, decoders };
}

/** How many of each decoder label (e.g. 'kernel x2': 7). */
function tally(labels: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of labels) out[l] = (out[l] ?? 0) + 1;
  return out;
}

async function nativeDecodeMs(threads: number, runs = 20): Promise<number> {
  const model = await SamModel.load(undefined, { threads });
  const session = await ort.InferenceSession.create(await model.decoderBytes(), { intraOpNumThreads: threads });
  const emb = new Float32Array(256 * 64 * 64).map((_, i) => Math.sin(i * 0.37) * 0.5);
  const feeds = (x: number): Record<string, ort.Tensor> => ({
    image_embeddings: new ort.Tensor('float32', emb, [1, 256, 64, 64]),
    point_coords: new ort.Tensor('float32', new Float32Array([x, 400, 0, 0]), [1, 2, 2]),
    point_labels: new ort.Tensor('float32', new Float32Array([1, -1]), [1, 2]),
    mask_input: new ort.Tensor('float32', new Float32Array(256 * 256), [1, 1, 256, 256]),
    has_mask_input: new ort.Tensor('float32', new Float32Array([0]), [1]),
  });
  for (let i = 0; i < 3; i++) await session.run(feeds(100 + i));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds(200 + i * 10));
    times.push(performance.now() - t0);
  }
  await session.release();
  return stats(times).medianMs;
}

/**
 * The page benchmarks' set-up: picture4 (or the given image), a fresh server, Chromium with draw
 * timing, the page loaded with its decoder started; `run` gets them, and both are closed after.
 */
async function withAppPage(images: string[] | undefined, run: (page: Page, server: RunningServer, image: string) => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const why = browserTestsUnavailable();
  if (why) return { skipped: why };
  const image = images?.find((f) => f.includes('picture4')) ?? path.join(REFERENCE_IMAGES, 'picture4.jpg');
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await instrumentDraws(page);
    await page.goto(server.url);
    await page.waitForFunction(() => /WASM/.test(document.getElementById('chip-decoder')?.textContent ?? ''), null, { timeout: 120000 });
    return await run(page, server, image);
  } finally {
    await browser.close();
    await server.stop();
  }
}

export async function benchWeb(images?: string[]): Promise<Record<string, unknown>> {
  return withAppPage(images, async (page, server, image) => {
    const threads = (await page.locator('#chip-decoder').textContent())?.replace('Decoder · ', '');

    // Image open to ready: upload, server-side embedding, decoder warm-up. Then again with the embedding cached.
    let t0 = Date.now();
    await page.locator('input[type=file]').first().setInputFiles(image);
    await waitReady(page);
    const openMs = Date.now() - t0;
    await page.goto(`${server.url}`);
    await page.waitForFunction(() => /WASM/.test(document.getElementById('chip-decoder')?.textContent ?? ''), null, { timeout: 120000 });
    t0 = Date.now();
    await page.locator('input[type=file]').first().setInputFiles(image);
    await waitReady(page);
    const reopenMs = Date.now() - t0;

    const box = (await page.locator('#layer-live').boundingBox())!;
    const at = (fx: number, fy: number): { x: number; y: number } => ({ x: box.x + box.width * fx, y: box.y + box.height * fy });

    const hoverAuto = await measureHover(page, at);
    const hoverVia = await page.locator('#chip-decoder').getAttribute('title');
    // The same moves with hovers forced into the page's WASM decoder (the server choice's alternative).
    const id = new URL(page.url()).hash;
    await page.goto(new URL(`/?hover=page${id}`, server.url).href);
    await waitReady(page);
    const hoverPage = await measureHover(page, at);
    await page.goto(new URL(`/${id}`, server.url).href);
    await waitReady(page);

    const { click, decode: clickDecode } = await measureClicks(page, at);
    const browserThreads = Number(/×(\d+)/.exec(threads ?? '')?.[1] ?? 1);
    return {
      image: path.basename(image),
      decoder: threads,
      crossOriginIsolated: await page.evaluate(() => self.crossOriginIsolated),
      openToReadyMs: openMs,
      reopenToReadyMs: reopenMs,
      hover: { ...stats(hoverAuto.hover), decoderMedianMs: stats(hoverAuto.decode).medianMs, targets: 'median <= 50 ms, p95 <= 100 ms', choice: hoverVia },
      hoverInPage: { ...stats(hoverPage.hover), decoderMedianMs: stats(hoverPage.decode).medianMs },
      hoverMedianRatioChosenToPage: Math.round((stats(hoverAuto.hover).medianMs / stats(hoverPage.hover).medianMs) * 1000) / 1000,
      clickRefine: { ...stats(click), decoderMedianMs: stats(clickDecode).medianMs },
      nativeDecoderMedianMs: await nativeDecodeMs(browserThreads),
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
  });
}

/**
 * Hover and click-to-refined in the page with its own decoder (`?hover=page`): the prompt-decoder
 * kernel (relaxed SIMD with its helper thread, the default), the kernel on one thread
 * (`&kernelThreads=1`), its plain SIMD build on one thread (`&kernel=simd`) and onnxruntime-web's graphs (`&decoder=graph`: the prompt graph for hovers, the full
 * graph for clicks with a mask input), alternating rounds on one image.
 */
export async function benchHoverDecoders(images?: string[], rounds = 2): Promise<Record<string, unknown>> {
  return withAppPage(images, async (page, server, image) => {
    await page.locator('input[type=file]').first().setInputFiles(image);
    await waitReady(page);
    const id = new URL(page.url()).hash;
    const box = (await page.locator('#layer-live').boundingBox())!;
    const at = (fx: number, fy: number): { x: number; y: number } => ({ x: box.x + box.width * fx, y: box.y + box.height * fy });
    const variants = [
      ['kernel', '?hover=page'], ['kernel1Thread', '?hover=page&kernelThreads=1'], ['kernelSimd1Thread', '?hover=page&kernel=simd&kernelThreads=1'], ['graph', '?hover=page&decoder=graph'],
    ] as const;
    type Runs = { hover: number[]; decode: number[]; click: number[]; clickDecode: number[]; decoders: string[] };
    const runs = Object.fromEntries(variants.map(([k]) => [k, { hover: [], decode: [], click: [], clickDecode: [], decoders: [] } as Runs])) as Record<string, Runs>;
    for (let r = 0; r < rounds; r++) {
      for (const [k, q] of variants) {
        await page.goto(new URL(`/${q}${id}`, server.url).href);
        await waitReady(page);
        // the kernel starts in the background after the page is ready
        await page.waitForTimeout(1500);
        const m = await measureHover(page, at);
        const c = await measureClicks(page, at);
        const run = runs[k];
        run.hover.push(...m.hover);
        run.decode.push(...m.decode);
        run.click.push(...c.click);
        run.clickDecode.push(...c.decode);
        run.decoders.push(...c.decoders);
      }
    }
    const summary = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, {
      hover: { ...stats(v.hover), decoderMedianMs: stats(v.decode).medianMs },
      clickRefine: { ...stats(v.click), decoderMedianMs: stats(v.clickDecode).medianMs, decoders: tally(v.decoders) },
    }])) as Record<string, { hover: ReturnType<typeof stats>; clickRefine: ReturnType<typeof stats> }>;
    const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
    return {
      image: path.basename(image), ...summary,
      hoverMedianRatioKernelToGraph: ratio(summary.kernel.hover.medianMs, summary.graph.hover.medianMs),
      clickMedianRatioKernelToGraph: ratio(summary.kernel.clickRefine.medianMs, summary.graph.clickRefine.medianMs),
      hoverMedianRatioThreadsToOne: ratio(summary.kernel.hover.medianMs, summary.kernel1Thread.hover.medianMs),
      hoverMedianRatioRelaxedToSimd: ratio(summary.kernel1Thread.hover.medianMs, summary.kernelSimd1Thread.hover.medianMs),
      targets: 'kernel hover median <= 15 ms, p95 <= 30 ms; click to refined <= 50 ms',
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchWeb().then((r) => console.log(JSON.stringify(r, null, 2)), (err: unknown) => { console.error(err); process.exitCode = 1; });
}
