/**
 * The project flow's speed in headless Chromium (`samkit app <dir>`): moving to the next image when
 * its embedding was computed ahead, to the first hover mask painted on it (target: under 300 ms),
 * with the page's phases (`window.__samkitOpen`); and hover latency at fit and at 4x zoom.
 *
 *   node dist/bench/web-project.js       (or: npm run bench -- --only project)
 */
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { browserTestsUnavailable, instrumentDraws, launchChromium, REFERENCE_IMAGES, startServer, waitReady } from '../test/e2e/harness.js';

const MOVES = Number(process.env.BENCH_PROJECT_MOVES ?? 4);
const HOVERS = Number(process.env.BENCH_HOVER_MOVES ?? 40);

function stats(values: number[]): { n: number; medianMs: number; p95Ms: number; minMs: number; maxMs: number } {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const q = (p: number): number => v[Math.min(v.length - 1, Math.floor(v.length * p))];
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { n: v.length, medianMs: r(v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2), p95Ms: r(q(0.95)), minMs: r(v[0]), maxMs: r(v[v.length - 1]) };
}

async function embedded(dir: string, id: string): Promise<boolean> {
  for (const m of await readdir(dir).catch(() => [] as string[])) {
    if ((await readdir(path.join(dir, m)).catch(() => [] as string[])).includes(`${id}.npy`)) return true;
  }
  return false;
}

/** Hover moves over the image, each to its mask painted on the live layer. */
async function hovers(page: Page, n: number): Promise<number[]> {
  const box = (await page.locator('#stage').boundingBox())!;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    await page.mouse.move(box.x + box.width * (0.3 + 0.4 * ((k * 37) % 100) / 100), box.y + box.height * (0.3 + 0.4 * ((k * 61) % 100) / 100));
    const ok = await page.waitForFunction(() => {
      const w = window as unknown as { __draws: Record<string, number>; __lastMove: number };
      return (w.__draws['layer-live'] ?? 0) > w.__lastMove;
    }, null, { timeout: 5000, polling: 5 }).then(() => true, () => false);
    await page.waitForTimeout(30);
    out.push(ok ? await page.evaluate(() => {
      const w = window as unknown as { __draws: Record<string, number>; __lastMove: number };
      return w.__draws['layer-live'] - w.__lastMove;
    }) : Infinity);
    await page.waitForTimeout(60);
  }
  return out;
}

export async function benchWebProject(): Promise<Record<string, unknown>> {
  const why = browserTestsUnavailable();
  if (why) return { skipped: why };
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'samkit-bench-project-')), 'photos');
  await mkdir(dir, { recursive: true });
  const files = (await readdir(REFERENCE_IMAGES)).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, MOVES + 1);
  for (const f of files) await copyFile(path.join(REFERENCE_IMAGES, f), path.join(dir, f));
  const server = await startServer([dir]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await instrumentDraws(page);
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelectorAll('#project-list li').length > 0, null, { timeout: 60000 });
    await waitReady(page);
    const ids = await page.$$eval('#project-list li', (lis) => lis.map((li) => (li as HTMLElement).dataset.id!));
    // Every embedding computed ahead (the prefetch asks for the next ones as the page moves).
    const moves: Array<{ toReadyMs: number; toHoverMs: number; phases: Array<[string, number]> }> = [];
    for (let k = 1; k < ids.length; k++) {
      await page.evaluate((next) => fetch('/api/project/prefetch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [next] }) }), ids[k]);
      // Computed ahead: this image and the one after it (the server prefetches two), so no encoder runs during the move.
      for (const want of ids.slice(k, k + 2)) for (let i = 0; i < 600 && !(await embedded(server.embeddingsDir, want)); i++) await page.waitForTimeout(100);
      await page.waitForTimeout(500);
      const box = (await page.locator('#stage').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.locator('#layer-live').focus();
      const t0 = await page.evaluate(() => performance.now());
      await page.keyboard.press(']');
      await page.waitForFunction((id) => location.hash.slice(1) === id && document.body.dataset.state === 'ready', ids[k], { timeout: 60000, polling: 5 });
      const tReady = await page.evaluate(() => performance.now());
      // The first hover on the new image: the pointer moves a little, the mask is painted.
      await page.mouse.move(box.x + box.width / 2 + 7, box.y + box.height / 2 + 5);
      await page.waitForFunction(() => {
        const w = window as unknown as { __draws: Record<string, number>; __lastMove: number };
        return (w.__draws['layer-live'] ?? 0) > w.__lastMove;
      }, null, { timeout: 10000, polling: 5 });
      const tHover = await page.evaluate(() => (window as unknown as { __draws: Record<string, number> }).__draws['layer-live']);
      const phases = await page.evaluate(() => (window as unknown as { __samkitOpen: { phases: Array<[string, number]> } }).__samkitOpen.phases);
      moves.push({ toReadyMs: Math.round(tReady - t0), toHoverMs: Math.round(tHover - t0), phases });
    }
    const fit = await hovers(page, HOVERS);
    // 4x the fitted zoom at the stage centre (4 steps of 1.25 plus one of about 1.64): masks then at the image's resolution.
    for (let i = 0; i < 6; i++) await page.keyboard.press('+');
    await page.waitForTimeout(600);
    const zoom = await page.evaluate(() => document.getElementById('zoom-level')?.textContent);
    const zoomed = await hovers(page, HOVERS);
    const display = await page.evaluate(() => { const c = document.getElementById('layer-live') as HTMLCanvasElement; return `${c.width}x${c.height}`; });
    return {
      images: files,
      nextImage: { toReady: stats(moves.map((m) => m.toReadyMs)), toFirstHover: stats(moves.map((m) => m.toHoverMs)), target: 'first hover <= 300 ms', moves },
      hoverFit: stats(fit),
      hoverZoomed: { ...stats(zoomed), zoom, maskLayer: display },
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchWebProject().then((r) => console.log(JSON.stringify(r, null, 2)), (err: unknown) => { console.error(err); process.exitCode = 1; });
}
