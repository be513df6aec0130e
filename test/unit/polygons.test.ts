import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskToPolygons, polygonArea, polygonsToMask, signedArea } from '../../src/core/polygons.js';
import { Mask } from '../../src/core/mask.js';
import { lcg, maskFromRows } from '../helpers/fixtures.js';

test('a rectangle is one clockwise ring of its 4 pixel corners', () => {
  const polys = maskToPolygons(maskFromRows(['....', '.##.', '.##.', '....']));
  assert.deepEqual(polys, [{ outer: [1, 1, 3, 1, 3, 3, 1, 3], holes: [] }]);
  assert.equal(signedArea(polys[0].outer), 4);
  // A single pixel at the image corner.
  assert.deepEqual(maskToPolygons(maskFromRows(['#.', '..'])), [{ outer: [0, 0, 1, 0, 1, 1, 0, 1], holes: [] }]);
  assert.deepEqual(maskToPolygons(new Mask(3, 3)), []);
});

test('holes are separate counter-clockwise rings of their part', () => {
  const polys = maskToPolygons(maskFromRows([
    '#####',
    '#...#',
    '#.#.#',
    '#...#',
    '#####',
  ]));
  // The ring and the island inside its hole are two parts.
  assert.equal(polys.length, 2);
  assert.deepEqual(polys[0].outer, [0, 0, 5, 0, 5, 5, 0, 5]);
  assert.equal(polys[0].holes.length, 1);
  assert.ok(signedArea(polys[0].holes[0]) < 0);
  assert.equal(Math.abs(signedArea(polys[0].holes[0])), 9);
  assert.deepEqual(polys[1], { outer: [2, 2, 3, 2, 3, 3, 2, 3], holes: [] });
  assert.equal(polygonArea(polys[0]) + polygonArea(polys[1]), 17);
});

test('parts are 4-connected: pixels touching at a corner give separate rings; an L shape is one', () => {
  const diag = maskToPolygons(maskFromRows(['#.', '.#']));
  assert.equal(diag.length, 2);
  assert.deepEqual(diag.map((p) => p.outer), [[0, 0, 1, 0, 1, 1, 0, 1], [1, 1, 2, 1, 2, 2, 1, 2]]);
  const l = maskToPolygons(maskFromRows(['#.', '##']));
  assert.deepEqual(l, [{ outer: [0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 0, 2], holes: [] }]);
  // Holes touching at a corner are one 8-connected hole.
  const holes = maskToPolygons(maskFromRows(['####', '#.##', '##.#', '####']));
  assert.equal(holes.length, 1);
  assert.equal(holes[0].holes.length, 1);
  assert.equal(polygonArea(holes[0]), 14);
});

test('unsimplified polygons fill back to exactly the mask (random masks)', () => {
  const rnd = lcg(3);
  for (let trial = 0; trial < 200; trial++) {
    const w = 1 + Math.floor(rnd() * 18), h = 1 + Math.floor(rnd() * 18);
    const m = new Mask(w, h);
    const density = rnd();
    for (let i = 0; i < w * h; i++) m.data[i] = rnd() < density ? 1 : 0;
    const polys = maskToPolygons(m);
    assert.deepEqual(Array.from(polygonsToMask(polys, w, h).data), Array.from(m.data), `trial ${trial}`);
    assert.equal(polys.reduce((s, p) => s + polygonArea(p), 0), m.area);
    for (const p of polys) {
      assert.ok(signedArea(p.outer) > 0);
      assert.ok(p.outer.length >= 8 && p.outer.length % 2 === 0);
      for (const hole of p.holes) assert.ok(signedArea(hole) < 0);
    }
  }
});

test('Douglas-Peucker tolerance: fewer vertices, every dropped corner within tolerance, small rings kept', () => {
  const n = 60;
  const m = new Mask(n, n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) m.data[y * n + x] = Math.hypot(x + 0.5 - 30, y + 0.5 - 30) < 25 ? 1 : 0;
  const exact = maskToPolygons(m)[0].outer;
  const simple = maskToPolygons(m, { tolerance: 1.5 })[0].outer;
  assert.ok(simple.length < exact.length / 2, `${simple.length} vs ${exact.length}`);
  assert.ok(simple.length >= 6);
  const dist = (px: number, py: number) => {
    let best = Infinity;
    for (let i = 0; i < simple.length; i += 2) {
      const ax = simple[i], ay = simple[i + 1], bx = simple[(i + 2) % simple.length], by = simple[(i + 3) % simple.length];
      const dx = bx - ax, dy = by - ay;
      const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
      best = Math.min(best, Math.hypot(ax + t * dx - px, ay + t * dy - py));
    }
    return best;
  };
  for (let i = 0; i < exact.length; i += 2) assert.ok(dist(exact[i], exact[i + 1]) <= 1.5 + 1e-9);
  assert.ok(Math.abs(polygonArea({ outer: simple, holes: [] }) - m.area) < 0.05 * m.area);
  // A single pixel survives any tolerance as its 4 corners.
  assert.deepEqual(maskToPolygons(maskFromRows(['#']), { tolerance: 10 })[0].outer, [0, 0, 1, 0, 1, 1, 0, 1]);
  assert.throws(() => maskToPolygons(m, { tolerance: -1 }), RangeError);
});
