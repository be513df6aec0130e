/**
 * The project flow's speed in headless Chromium (`samkit app <dir>`): moving to the next image when
 * its embedding was computed ahead, to the page being ready and to the first hover mask painted on it
 * (target: under 300 ms), with the page's phases (`window.__samkitOpen`); and hover latency at fit and
 * at 4x zoom. Moves alternate between the page as shipped (the next image's decoder state prepared
 * ahead, web/src/ahead-prepare.ts) and `?ahead=off` (the old path: the image part computed on
 * opening), each move to an image not opened before, so both are measured in the same run.
 *
 *   node dist/bench/web-project.js       (or: npm run bench -- --only project)
 */
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { browserTestsUnavailable, instrumentDraws, launchChromium, REFERENCE_IMAGES, startServer, waitReady } from '../test/e2e/harness.js';

/** Moves in all, half of them on each path (the reference photos, then mirrored copies for more). */
const MOVES = Number(process.env.BENCH_PROJECT_MOVES ?? 8);
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

/**
 * One move: key to ready and to the first hover painted (page clock); of the latter, how long after
 * ready the bench's pointer move arrived (its own reaction time) and the hover itself.
 */
interface Move { to: string; toReadyMs: number; toHoverMs: number; moveAfterReadyMs: number; hoverMs: number; hoverVia: string; phases: Array<[string, number]> }

/** Photos for the project: the reference images, then mirrored copies (new content hashes) when more moves are asked for. */
async function projectPhotos(dir: string, count: number): Promise<string[]> {
  const refs = (await readdir(REFERENCE_IMAGES)).filter((f) => /\.jpe?g$/i.test(f)).sort();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = refs[i % refs.length];
    const round = Math.floor(i / refs.length);
    const name = round === 0 ? f : `${path.parse(f).name}-mirrored${round}.jpg`;
    if (round === 0) await copyFile(path.join(REFERENCE_IMAGES, f), path.join(dir, name));
    else await sharp(path.join(REFERENCE_IMAGES, f)).flop().rotate(round > 1 ? 180 : 0).jpeg({ quality: 90 }).toFile(path.join(dir, name));
    names.push(name);
  }
  return names;
}

export async function benchWebProject(): Promise<Record<string, unknown>> {
  const why = browserTestsUnavailable();
  if (why) return { skipped: why };
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'samkit-bench-project-')), 'photos');
  await mkdir(dir, { recursive: true });
  const files = await projectPhotos(dir, MOVES + 1);
  const server = await startServer([dir]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await instrumentDraws(page);
    await page.goto(server.url);
    await page.waitForFunction((n) => document.querySelectorAll('#project-list li').length === n, files.length, { timeout: 60000 });
    await waitReady(page);
    const ids = await page.$$eval('#project-list li', (lis) => lis.map((li) => (li as HTMLElement).dataset.id!));
    const moves: Record<'ahead' | 'old', Move[]> = { ahead: [], old: [] };
    for (let k = 1; k < ids.length; k++) {
      // Alternate: odd moves as shipped, even ones on the old path; each move goes to an image not opened yet.
      const mode = k % 2 === 1 ? 'ahead' : 'old';
      await page.goto(new URL(`/${mode === 'old' ? '?ahead=off' : ''}#${ids[k - 1]}`, server.url).href);
      await waitReady(page);
      // Computed ahead: this image and the one after it (the server prefetches two), so no encoder runs during the move.
      await page.evaluate((next) => fetch('/api/project/prefetch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: next }) }), ids.slice(k, k + 2));
      for (const want of ids.slice(k, k + 2)) for (let i = 0; i < 600 && !(await embedded(server.embeddingsDir, want)); i++) await page.waitForTimeout(100);
      const box = (await page.locator('#layer-live').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      // As shipped, the page prepares the next image once the pointer rests; the old path loads its file, bitmap and embedding.
      if (mode === 'ahead') await page.waitForFunction((next) => document.body.dataset.ahead === next, ids[k], { timeout: 120000, polling: 50 });
      else await page.waitForTimeout(2000);
      await page.waitForTimeout(300);
      await page.locator('#layer-live').focus();
      const t0 = await page.evaluate(() => performance.now());
      await page.keyboard.press(']');
      await page.waitForFunction((id) => location.hash.slice(1) === id && document.body.dataset.readyImage === id, ids[k], { timeout: 60000, polling: 5 });
      // The page's own clock of the ready state (the bench polls for it a little later).
      const tReady = await page.evaluate(() => {
        const o = (window as unknown as { __samkitOpen: { t0: number; phases: Array<[string, number]> } }).__samkitOpen;
        return o.t0 + (o.phases.find(([p]) => p === 'ready')?.[1] ?? NaN);
      });
      // The first hover on the new image: the pointer moves a little, the mask is painted.
      const now = (await page.locator('#layer-live').boundingBox())!;
      await page.mouse.move(now.x + now.width / 2 + 7, now.y + now.height / 2 + 5);
      await page.waitForFunction(() => {
        const w = window as unknown as { __draws: Record<string, number>; __lastMove: number };
        return (w.__draws['layer-live'] ?? 0) > w.__lastMove;
      }, null, { timeout: 30000, polling: 5 });
      const [tMove, tHover] = await page.evaluate(() => { const w = window as unknown as { __draws: Record<string, number>; __lastMove: number }; return [w.__lastMove, w.__draws['layer-live']]; });
      const phases = await page.evaluate(() => (window as unknown as { __samkitOpen: { phases: Array<[string, number]> } }).__samkitOpen.phases);
      const hoverVia = (await page.locator('#chip-decoder').textContent())?.replace(/^.*hover /, '') ?? '';
      moves[mode].push({ to: files[k], toReadyMs: Math.round(tReady - t0), toHoverMs: Math.round(tHover - t0), moveAfterReadyMs: Math.round(tMove - tReady), hoverMs: Math.round(tHover - tMove), hoverVia, phases });
    }
    const fit = await hovers(page, HOVERS);
    // 4x the fitted zoom at the stage centre (4 steps of 1.25 plus one of about 1.64): masks then at the image's resolution.
    for (let i = 0; i < 6; i++) await page.keyboard.press('+');
    await page.waitForTimeout(600);
    const zoom = await page.evaluate(() => document.getElementById('zoom-level')?.textContent);
    const zoomed = await hovers(page, HOVERS);
    const display = await page.evaluate(() => { const c = document.getElementById('layer-live') as HTMLCanvasElement; return `${c.width}x${c.height}`; });
    const summary = (list: Move[]) => ({
      nextImageReady: stats(list.map((m) => m.toReadyMs)),
      firstHoverAfterNextImage: stats(list.map((m) => m.toHoverMs)),
      firstHoverItselfMedianMs: stats(list.map((m) => m.hoverMs)).medianMs,
    });
    const ahead = summary(moves.ahead);
    const old = summary(moves.old);
    return {
      images: files,
      nextImage: {
        ...ahead,
        target: 'first hover after next image <= 300 ms',
        oldPath: old,
        firstHoverMedianRatioToOldPath: Math.round((ahead.firstHoverAfterNextImage.medianMs / old.firstHoverAfterNextImage.medianMs) * 1000) / 1000,
        moves,
      },
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
