/**
 * Moving to the next project image once its decoder state was prepared ahead (web/src/ahead-prepare.ts,
 * the worker's slots, the server's POST /api/images/:id/prepare): the first hover on the new image
 * arrives, is exactly the mask the old path (`?ahead=off`: the image part computed on opening) paints
 * for the same point, matches the library, and comes sooner than on the old path in the same run.
 * Going back and jumping to an image that was not prepared give the old path's masks too. Both hover
 * sides are covered (`?hover=page`: the worker's slots; `?hover=server`: the server's prepared images).
 * Photos are made from the sample image. Screenshots go to test-artifacts/e2e-next-image/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp, { type Sharp } from 'sharp';
import { SamPredictor } from '../../src/predictor.js';
import { ARTIFACTS, browserUnavailable, instrumentDraws, iou, launchChromium, layerMask, resampleMask, SAMPLE_IMAGE, startServer, waitReady, type RunningServer } from './harness.js';

const skip = browserUnavailable();
const SHOTS = path.join(ARTIFACTS, 'e2e-next-image');
/** Four different photos from the sample (451 x 300), in annotate's (sorted) order. */
const MAKE: Array<[string, (s: Sharp) => Sharp]> = [
  ['a-cat.jpg', (s) => s],
  ['b-cat-mirrored.jpg', (s) => s.flop()],
  ['c-cat-flipped.jpg', (s) => s.flip()],
  ['d-cat-both.jpg', (s) => s.flip().flop()],
];
const W = 451;
const H = 300;
/** The cat's head in the original photo, and where it lands in each variant. */
const HEAD: [number, number] = [170, 115];
const AT: Array<[number, number]> = [HEAD, [W - 1 - HEAD[0], HEAD[1]], [HEAD[0], H - 1 - HEAD[1]], [W - 1 - HEAD[0], H - 1 - HEAD[1]]];

let server: RunningServer;
let browser: Browser;
let dir: string;
let ids: string[] = [];

before(async () => {
  if (skip) return;
  await mkdir(SHOTS, { recursive: true });
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-next-')), 'photos');
  await mkdir(dir, { recursive: true });
  for (const [name, make] of MAKE) await make(sharp(SAMPLE_IMAGE)).jpeg({ quality: 92 }).toFile(path.join(dir, name));
  server = await startServer([dir]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Whether the server stored this image's embedding (what the project computes ahead). */
async function stored(id: string): Promise<boolean> {
  for (const m of await readdir(server.embeddingsDir).catch(() => [] as string[])) {
    if ((await readdir(path.join(server.embeddingsDir, m)).catch(() => [] as string[])).includes(`${id}.npy`)) return true;
  }
  return false;
}

interface Hover { mask: Uint8Array; width: number; height: number; stats: string }

/** Hover at image point `at` and wait for its mask on the live layer; ms from `t0` (page clock) to the paint. */
async function hoverAt(page: Page, at: [number, number], t0?: number): Promise<Hover & { ms: number }> {
  const box = (await page.locator('#layer-live').boundingBox())!;
  // Each call hovers another point than the one before (AT differs per image): one new pointer event.
  await page.mouse.move(box.x + ((at[0] + 0.5) / W) * box.width, box.y + ((at[1] + 0.5) / H) * box.height);
  await page.waitForFunction(() => {
    const w = window as unknown as { __draws: Record<string, number>; __lastMove: number };
    return (w.__draws['layer-live'] ?? 0) > w.__lastMove;
  }, null, { timeout: 60000, polling: 5 }).catch(async (err: unknown) => {
    const state = await page.evaluate(() => ({ hash: location.hash, state: document.body.dataset.state, chip: document.getElementById('chip-decoder')?.textContent, banner: document.getElementById('banner-text')?.textContent, status: document.getElementById('status')?.textContent }));
    throw new Error(`no hover mask painted at ${at.join(',')}: ${JSON.stringify(state)}\n${server.log().slice(-2000)}`, { cause: err });
  });
  const painted = await page.evaluate(() => (window as unknown as { __draws: Record<string, number> }).__draws['layer-live']);
  await page.waitForTimeout(400); // a paint for a later decode (none expected) would land here
  const live = await layerMask(page, 'layer-live');
  // The score and area shown (the panel also shows the decode time, which differs run to run).
  const stats = await page.evaluate(() => {
    const el = document.getElementById('current-stats')!;
    const spans = Array.from(el.querySelectorAll('span'));
    return `${spans[0]?.textContent ?? ''} ${/\(.*graph\)/.exec(spans[2]?.title ?? '')?.[0] ?? ''}`;
  });
  return { mask: live.data, width: live.width, height: live.height, stats, ms: t0 === undefined ? NaN : painted - t0 };
}

async function openAt(page: Page, query: string, id: string): Promise<void> {
  await page.goto(new URL(`/${query}#${id}`, server.url).href);
  await waitReady(page);
}

/** Press a key (or click a list row) and wait until `id` is open and ready; the page clock at the press. */
async function moveTo(page: Page, id: string, how: string): Promise<number> {
  const t0 = await page.evaluate(() => performance.now());
  if (how === 'click') await page.click(`#project-list li[data-id="${id}"]`);
  else await page.keyboard.press(how);
  // The open's own record says ready (the body's state can still be the previous image's 'ready'
  // for a moment after the hash changed).
  await page.waitForFunction((want) => {
    const o = (window as unknown as { __samkitOpen?: { id: string; phases: Array<[string, number]> } | null }).__samkitOpen;
    return location.hash.slice(1) === want && document.body.dataset.state === 'ready' && o?.id === want && o.phases.some(([p]) => p === 'ready');
  }, id, { timeout: 120000, polling: 5 });
  return t0;
}

/** The flow on one page: next (prepared ahead), back, jump to an image two ahead; each with its first hover. */
async function flow(page: Page, query: string, ahead: boolean): Promise<{ next: Hover & { ms: number; readyMs: number }; back: Hover; jump: Hover }> {
  await openAt(page, query, ids[0]);
  if (ahead) {
    await page.waitForFunction((want) => document.body.dataset.ahead === want, ids[1], { timeout: 180000, polling: 50 });
  } else {
    // The old path still loads the next image's file, bitmap and embedding ahead: let that finish.
    await page.waitForTimeout(2000);
  }
  await page.locator('#layer-live').focus();
  const t0 = await moveTo(page, ids[1], ']');
  const readyMs = await page.evaluate((t) => {
    const o = (window as unknown as { __samkitOpen: { t0: number; phases: Array<[string, number]> } }).__samkitOpen;
    return o.t0 + (o.phases.find(([p]) => p === 'ready')?.[1] ?? NaN) - t;
  }, t0);
  const next = { ...(await hoverAt(page, AT[1], t0)), readyMs };
  await moveTo(page, ids[0], '[');
  const back = await hoverAt(page, AT[0]);
  await moveTo(page, ids[3], 'click');
  const jump = await hoverAt(page, AT[3]);
  return { next, back, jump };
}

function sameMask(a: Hover, b: Hover, what: string): void {
  assert.equal(a.width, b.width, `${what}: display width`);
  let differ = 0;
  for (let i = 0; i < a.mask.length; i++) if (a.mask[i] !== b.mask[i]) differ++;
  assert.equal(differ, 0, `${what}: ${differ} display pixels differ from the old path's mask`);
  assert.equal(a.stats, b.stats, `${what}: the shown score and area`);
}

for (const hover of ['page', 'server'] as const) {
  test(`next image prepared ahead (hovers ${hover === 'page' ? 'in the page' : 'on the server'}): first hover exact and sooner than the old path; back and jump exact`, { skip: skip ?? false, timeout: 600000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await instrumentDraws(page);
    try {
      if (!ids.length) {
        await page.goto(server.url);
        await page.waitForFunction((n) => document.querySelectorAll('#project-list li').length === n, MAKE.length, { timeout: 60000 });
        ids = await page.$$eval('#project-list li', (lis) => lis.map((li) => (li as HTMLElement).dataset.id!));
        await waitReady(page);
        // Every embedding computed ahead (the server computes the next two as the page moves), so no
        // encoder run competes with the moves timed below.
        for (const id of ids) {
          await page.evaluate((next) => fetch('/api/project/prefetch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [next] }) }), id);
          for (let i = 0; i < 600 && !(await stored(id)); i++) await page.waitForTimeout(200);
          assert.ok(await stored(id), 'the embedding was computed ahead');
        }
      }
      // Prepared ahead first, then the old path: what the new path prepared on the server is still
      // there for the old one, which can only make the old path look faster.
      const fast = await flow(page, `?hover=${hover}`, true);
      const record = await page.evaluate(() => (window as unknown as { __samkitAhead?: unknown }).__samkitAhead);
      await page.screenshot({ path: path.join(SHOTS, `${hover}-ahead-jump.png`) });
      const old = await flow(page, `?hover=${hover}&ahead=off`, false);
      console.log(`# hover=${hover}: key to ready / first hover on the next image: prepared ahead ${fast.next.readyMs.toFixed(0)} / ${fast.next.ms.toFixed(0)} ms, old path ${old.next.readyMs.toFixed(0)} / ${old.next.ms.toFixed(0)} ms; ahead: ${JSON.stringify(record)}`);

      assert.ok(fast.next.mask.some((v) => v === 1), 'the first hover after next paints a mask');
      sameMask(fast.next, old.next, 'next');
      sameMask(fast.back, old.back, 'back');
      sameMask(fast.jump, old.jump, 'jump');
      // Loose on purpose (the machine may be busy): the old path computes the image part on opening
      // (0.5-1.5 s of WebAssembly), so even its ready state comes well after the prepared one's.
      assert.ok(fast.next.ms < old.next.ms, `first hover prepared ahead (${fast.next.ms.toFixed(0)} ms) comes before the old path's (${old.next.ms.toFixed(0)} ms)`);
      assert.ok(fast.next.readyMs < 0.6 * old.next.readyMs, `ready prepared ahead (${fast.next.readyMs.toFixed(0)} ms) well before the old path (${old.next.readyMs.toFixed(0)} ms)`);

      // The mask is this image's: the library's best candidate for the same point on the same photo.
      if (hover === 'page') {
        const predictor = await SamPredictor.create();
        await predictor.setImage(path.join(dir, MAKE[1][0]));
        const r = await predictor.predict({ pointCoords: [AT[1]], pointLabels: [1] });
        const best = r.masks[[...r.scores].indexOf(Math.max(...r.scores))];
        const v = iou(fast.next.mask, resampleMask(best.data, W, H, fast.next.width, fast.next.height));
        assert.ok(v > 0.9, `first hover after next: IoU ${v.toFixed(3)} with the library's mask on that image`);
      }
    } finally {
      await page.close();
    }
  });
}
