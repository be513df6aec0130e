import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { Journal, journalRoot, sha256Hex, stableJson } from '../../src/batch/journal.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samkit-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('stableJson sorts object keys at every depth and keeps array order', () => {
  assert.equal(stableJson({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}');
  assert.equal(stableJson({ a: 1, b: 2 }), stableJson({ b: 2, a: 1 }));
});

test('entries survive a reopen with the same job and are invisible to another job', async (t) => {
  const out = path.join(tmp(t), 'dataset.json');
  const key = sha256Hex('image bytes');
  const j1 = new Journal<{ n: number }>(out, { command: 'annotate', params: { a: 1, b: 2 } });
  assert.equal(await j1.get(key), null);
  assert.equal(existsSync(j1.root), false, 'nothing on disk before the first entry');
  await j1.put(key, { n: 42 });
  assert.equal(j1.root, journalRoot(out));
  assert.ok(j1.root.endsWith('dataset.json.partial'));

  const again = new Journal<{ n: number }>(out, { params: { b: 2, a: 1 }, command: 'annotate' });
  assert.deepEqual(await again.get(key), { n: 42 });
  const other = new Journal<{ n: number }>(out, { command: 'annotate', params: { a: 1, b: 3 } });
  assert.equal(await other.get(key), null);
  // Only whole entries exist: no temp files are left beside them.
  assert.deepEqual(readdirSync(j1.dir).filter((f) => f.endsWith('.tmp')), []);

  await again.remove();
  assert.equal(existsSync(j1.root), false);
});

test('an unreadable entry counts as missing, and bad keys are refused', async (t) => {
  const out = path.join(tmp(t), 'x.json');
  const j = new Journal<{ n: number }>(out, { v: 1 });
  const key = sha256Hex('k');
  await j.put(sha256Hex('other'), { n: 0 });
  writeFileSync(path.join(j.dir, `${key}.json`), '{"n": 4');
  assert.equal(await j.get(key), null);
  await assert.rejects(j.put('../escape', { n: 1 }), /hex/);
});
