/** The page's zoom and pan math (web/src/viewport.ts): image points stay under the cursor and round-trip at any zoom. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampPan, clampScale, fitView, MAX_SCALE, panBy, toImage, toScreen, visibleImageRect, wheelFactor, zoomAt, zoomPercent, zoomTo } from '../../web/src/viewport.js';

const image = { width: 2048, height: 1536 };
const stage = { width: 1014, height: 800 };
const near = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

test('fitView centres the whole image with the padding, on the tighter axis', () => {
  const v = fitView(image, stage, 20);
  near(v.scale, (1014 - 40) / 2048);
  near(v.tx, 20);
  near(v.ty, (800 - 1536 * v.scale) / 2);
  const tall = fitView({ width: 100, height: 1000 }, stage, 20);
  near(tall.scale, 760 / 1000);
  near(tall.ty, 20);
});

test('toImage and toScreen are inverses, and the image corners land on the fitted rectangle', () => {
  const v = zoomAt(fitView(image, stage), 3.7, 400, 300, 0.5);
  for (const [x, y] of [[0, 0], [2048, 1536], [123.25, 1000.5]]) {
    const s = toScreen(v, x, y);
    const back = toImage(v, s.x, s.y);
    near(back.x, x, 1e-9);
    near(back.y, y, 1e-9);
  }
  const f = fitView(image, stage);
  const br = toScreen(f, image.width, image.height);
  near(br.x, stage.width - 20);
});

test('zoomAt keeps the image point under the cursor fixed, for in and out and chained zooms', () => {
  const fit = fitView(image, stage);
  let v = fit;
  const cursor = { x: 612.5, y: 377 };
  const before = toImage(v, cursor.x, cursor.y);
  for (const f of [1.25, 1.25, 4, 0.8, 2]) {
    v = zoomAt(v, f, cursor.x, cursor.y, fit.scale);
    const p = toImage(v, cursor.x, cursor.y);
    near(p.x, before.x, 1e-9);
    near(p.y, before.y, 1e-9);
  }
  near(v.scale, fit.scale * 1.25 * 1.25 * 4 * 0.8 * 2, 1e-12);
});

test('zoom is clamped: not below half the fit, not above the maximum; the clamped zoom still pins the cursor', () => {
  const fit = fitView(image, stage);
  near(clampScale(fit.scale / 10, fit.scale), fit.scale / 2);
  near(clampScale(1000, fit.scale), MAX_SCALE);
  const v = zoomAt(fit, 1e6, 500, 400, fit.scale);
  near(v.scale, MAX_SCALE);
  const p0 = toImage(fit, 500, 400);
  const p1 = toImage(v, 500, 400);
  near(p1.x, p0.x, 1e-9);
  // A tiny image fits at a scale above the maximum: fit stays reachable.
  near(clampScale(100, 100), 100);
});

test('zoomTo 1:1 gives one image pixel per device pixel; zoomPercent reads it back', () => {
  const fit = fitView(image, stage);
  const one = zoomTo(fit, 1 / 2, 507, 400, fit.scale);
  near(one.scale, 0.5);
  assert.equal(zoomPercent(one, 2), 100);
  assert.equal(zoomPercent(fit, 1), Math.round(fit.scale * 100));
});

test('panBy moves by screen pixels, clampPan keeps some of the image on the stage', () => {
  const v = panBy(fitView(image, stage), 30, -12);
  const p = clampPan(panBy(v, 1e5, 1e5), image, stage, 64);
  near(p.tx, stage.width - 64);
  near(p.ty, stage.height - 64);
  const q = clampPan(panBy(v, -1e5, -1e5), image, stage, 64);
  near(q.tx + image.width * q.scale, 64);
  const unchanged = clampPan(v, image, stage);
  assert.deepEqual(unchanged, v);
});

test('wheelFactor: a notch is a modest step, up zooms in, pinch is stronger per pixel, huge deltas are bounded', () => {
  assert.ok(wheelFactor(-100, 0, false) > 1);
  assert.ok(wheelFactor(100, 0, false) < 1);
  near(wheelFactor(-100, 0, false) * wheelFactor(100, 0, false), 1, 1e-12);
  assert.ok(wheelFactor(-10, 0, true) > wheelFactor(-10, 0, false));
  near(wheelFactor(-3, 1, false), wheelFactor(-48, 0, false));
  assert.ok(wheelFactor(-1e9, 0, true) < 100);
});

test('visibleImageRect is the image part on the stage, clipped to the image', () => {
  const fit = fitView(image, stage);
  assert.deepEqual(visibleImageRect(fit, image, stage), { x: 0, y: 0, w: 2048, h: 1536 });
  const z = { scale: 2, tx: -1000, ty: -500 };
  assert.deepEqual(visibleImageRect(z, image, stage), { x: 500, y: 250, w: 507, h: 400 });
  assert.equal(visibleImageRect({ scale: 1, tx: 5000, ty: 0 }, image, stage), null);
});
