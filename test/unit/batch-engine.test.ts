import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { runEngine, type ResultStore } from '../../src/batch/engine.js';
import type { Runner } from '../../src/batch/pool.js';
import { BatchProgress, formatDuration } from '../../src/batch/progress.js';
import type { Task, TaskHooks } from '../../src/batch/tasks.js';

/** A runner without a model: "computes" the byte length, fails on bytes starting with 'X'. */
function fakeRunner(jobs: number, calls: string[]): Runner {
  // Like the real runners: at most `jobs` tasks run, the others wait their turn.
  const waiting: Array<() => void> = [];
  let running = 0;
  return {
    jobs,
    async run(task: Task, hooks?: TaskHooks) {
      if (running >= jobs) await new Promise<void>((r) => waiting.push(r));
      running++;
      hooks?.onStart?.();
      calls.push(task.name);
      try {
        await new Promise((r) => setTimeout(r, 5));
        if (task.kind === 'embed' && task.bytes[0] === 0x58) throw new Error(`cannot decode ${task.name}`);
        return { width: task.bytes.length, height: 1 } as never;
      } finally {
        running--;
        waiting.shift()?.();
      }
    },
    async close() {},
  };
}

function memoryStore(): ResultStore<number> & { map: Map<string, number> } {
  const map = new Map<string, number>();
  return { map, get: async (k) => map.get(k) ?? null, put: async (k, v) => { map.set(k, v); } };
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void { this.text += chunk.toString(); cb(); }
}

function setup(t: { after: (fn: () => void) => void }, files: Record<string, string>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samkit-engine-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  return Object.keys(files).sort().map((name) => ({ path: path.join(dir, name), label: name }));
}

function job(items: ReturnType<typeof setup>, store: ResultStore<number>, runner: Runner, stream: Capture, mode: 'json' | 'lines' = 'json') {
  return {
    items, store, jobs: runner.jobs, runner: async () => runner,
    progress: new BatchProgress('test', mode, 'masks', stream as unknown as NodeJS.WriteStream),
    key: (_i: unknown, sha: string) => sha,
    task: (item: { label: string }, bytes: Uint8Array, sha: string): Task => ({ kind: 'embed', name: item.label, bytes, sha256: sha, store: '', source: '' }),
    entry: (r: { width: number }) => r.width,
    count: (e: number) => e,
  };
}

test('every image is computed once, failures are reported and skipped, results come back in input order', async (t) => {
  const items = setup(t, { 'a.jpg': 'aaaa', 'b.jpg': 'Xbad', 'c.jpg': 'cc', 'd.jpg': 'aaaa', 'e.jpg': 'eeeee' });
  const calls: string[] = [];
  const store = memoryStore();
  const out = new Capture();
  const res = await runEngine(job(items, store, fakeRunner(2, calls), out));
  assert.deepEqual(res.entries, [4, null, 2, 4, 5]);
  assert.equal(res.failed, 1);
  assert.equal(res.interrupted, false);
  // a.jpg and d.jpg have the same bytes: computed once.
  assert.equal(calls.length, 4);
  const events = out.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(events[0], { command: 'test', event: 'start', total: 5, resumed: 0 });
  const err = events.find((e) => e.event === 'error');
  assert.equal(err.file, 'b.jpg');
  assert.match(err.message, /cannot decode b\.jpg/);
  const last = events.filter((e) => e.event === 'image').at(-1);
  assert.equal(last.done, 4);
  assert.equal(last.failed, 1);
  assert.equal(last.masks, 15);
  for (const k of ['elapsed_s', 'rate_per_min', 'eta_s', 'total']) assert.ok(k in last, k);
});

test('a second run takes finished images from the store and computes only the rest', async (t) => {
  const items = setup(t, { 'a.jpg': 'aaaa', 'b.jpg': 'Xbad', 'c.jpg': 'cc' });
  const store = memoryStore();
  await runEngine(job(items, store, fakeRunner(1, []), new Capture()));
  const calls: string[] = [];
  const out = new Capture();
  const res = await runEngine(job(items, store, fakeRunner(1, calls), out, 'lines'));
  assert.deepEqual(calls, ['b.jpg'], 'only the failed image is tried again');
  assert.deepEqual(res.entries, [4, null, 2]);
  assert.match(out.text, /2 of 3 images already done by an earlier run/);
  assert.match(out.text, /skipped b\.jpg: cannot decode b\.jpg/);
});

test('durations read like a clock', () => {
  assert.equal(formatDuration(45.2), '45s');
  assert.equal(formatDuration(185), '3m05s');
  assert.equal(formatDuration(3720), '1h02m');
  assert.equal(formatDuration(NaN), '?');
});

test('--quiet prints errors only, and the summary line names counts and the output', async (t) => {
  const items = setup(t, { 'a.jpg': 'aaaa', 'b.jpg': 'Xbad' });
  const quiet = new Capture();
  const res = await runEngine({ ...job(items, memoryStore(), fakeRunner(1, []), quiet), progress: new BatchProgress('test', 'quiet', 'masks', quiet as unknown as NodeJS.WriteStream) });
  assert.equal(res.failed, 1);
  assert.equal(quiet.text, 'test: skipped b.jpg: cannot decode b.jpg\n');

  const lines = new Capture();
  const progress = new BatchProgress('test', 'lines', 'masks', lines as unknown as NodeJS.WriteStream);
  await runEngine({ ...job(items, memoryStore(), fakeRunner(1, []), lines), progress });
  progress.finish('out.json');
  assert.match(lines.text.trim().split('\n').at(-1)!, /^test: 1 of 2 images, 1 failed, 4 masks in \d+s.*; wrote out\.json$/);
});
