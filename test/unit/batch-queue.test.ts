/** The queue's pure parts: the --queue URL, idempotent job ids, and what a worker refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliUsageError } from '../../src/cli/args.js';
import { jobData, jobId, taskOf } from '../../src/batch/queue/protocol.js';
import { parseRedisUrl } from '../../src/batch/queue/redis-url.js';
import { refusal } from '../../src/batch/queue/worker.js';
import type { AnnotateTask } from '../../src/batch/tasks.js';

test('--queue: redis://host:port[/db]; anything else is a usage error', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380/2'), { url: 'redis://127.0.0.1:6380/2', host: '127.0.0.1', port: 6380, db: 2, tls: false });
  assert.equal(parseRedisUrl('redis://queue.local').port, 6379);
  assert.equal(parseRedisUrl('redis://user:secret@h:1').url, 'redis://h:1', 'credentials never shown');
  for (const bad of ['localhost:6379', 'http://h:1', 'redis://h:1/x', 'redis://h:1/16', 'redis://']) {
    assert.throws(() => parseRedisUrl(bad), CliUsageError, bad);
  }
});

const task = (name: string, options: AnnotateTask['options']): AnnotateTask => ({ kind: 'annotate', name, bytes: new Uint8Array([1, 2, 3]), options });
const src = { path: 'images/a.jpg', sha256: 'ab'.repeat(32) };

test('job ids: the same image, options and model give one id; any of them changed gives another', () => {
  const a = jobData(task('a.jpg', { pointsPerSide: 4 }), src, 'm1', '0.1.0');
  assert.equal(a.path.startsWith('/'), true, 'the path is absolute for workers');
  assert.equal('bytes' in a.task, false, 'no image bytes in the job');
  assert.equal(jobId(a), jobId(jobData(task('other/name.jpg', { pointsPerSide: 4 }), src, 'm1', '0.1.0')), 'the display name does not matter');
  const ids = new Set([
    jobId(a),
    jobId(jobData(task('a.jpg', { pointsPerSide: 8 }), src, 'm1', '0.1.0')),
    jobId(jobData(task('a.jpg', { pointsPerSide: 4 }), { ...src, sha256: 'cd'.repeat(32) }, 'm1', '0.1.0')),
    jobId(jobData(task('a.jpg', { pointsPerSide: 4 }), src, 'm2', '0.1.0')),
    jobId(jobData(task('a.jpg', { pointsPerSide: 4 }), src, 'm1', '0.2.0')),
  ]);
  assert.equal(ids.size, 5);
  assert.match(jobId(a), /^[0-9a-f]{64}$/);
  // Options travel whole (whatever the command adds), and the worker gets the task back with its bytes.
  const extra = jobData({ ...task('a.jpg', {}), future: { x: 1 } } as AnnotateTask, src, 'm1', '0.1.0');
  assert.deepEqual((taskOf(extra, new Uint8Array([9])) as unknown as { future: unknown }).future, { x: 1 });
  assert.deepEqual(taskOf(a, new Uint8Array([9])), { kind: 'annotate', name: 'a.jpg', options: { pointsPerSide: 4 }, bytes: new Uint8Array([9]) });
});

test('a worker refuses jobs for another model, samkit version or protocol', () => {
  const a = jobData(task('a.jpg', {}), src, 'm1', '0.1.0');
  assert.equal(refusal(a, 'm1', '0.1.0'), null);
  assert.match(refusal(a, 'm2', '0.1.0')!, /asks for model 'm1', this worker has 'm2'/);
  assert.match(refusal(a, 'm1', '0.2.0')!, /asks for samkit 0\.1\.0, this worker is samkit 0\.2\.0/);
  assert.match(refusal({ ...a, protocol: 99 }, 'm1', '0.1.0')!, /protocol 99/);
});
