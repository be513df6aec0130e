import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DependencyError } from '../../src/core/errors.js';
import { importOptional, isMissingPackage, OPTIONAL_PACKAGES } from '../../src/runtime/optional-import.js';
import { PROJECT_ROOT } from '../helpers/reference.js';

test('the optional packages and versions are package.json optional peer dependencies', () => {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  assert.deepEqual(pkg.peerDependencies, OPTIONAL_PACKAGES);
  for (const name of Object.keys(OPTIONAL_PACKAGES)) {
    assert.deepEqual(pkg.peerDependenciesMeta[name], { optional: true }, name);
    assert.equal(pkg.dependencies[name], undefined, `${name} is not installed with samkit`);
    assert.equal(pkg.devDependencies[name], OPTIONAL_PACKAGES[name as keyof typeof OPTIONAL_PACKAGES], `${name}: the tests use that version`);
  }
});

test('a missing optional package names the feature and the install command', async () => {
  // A specifier in a variable: the compiler must not resolve it.
  const spec = 'bullmq-not-installed-here';
  const err = await importOptional('bullmq', 'samkit worker', () => import(spec)).then(() => null, (e: unknown) => e);
  // The loader's error is about another package: it passes through unchanged.
  assert.ok(!(err instanceof DependencyError));
  const missing = new Error(`Cannot find package 'bullmq' imported from /x/dist/src/batch/queue/runner.js`) as Error & { code: string };
  missing.code = 'ERR_MODULE_NOT_FOUND';
  await assert.rejects(importOptional('bullmq', 'samkit worker', () => Promise.reject(missing)), (e: unknown) => {
    assert.ok(e instanceof DependencyError);
    assert.equal(e.code, 'DEPENDENCY');
    assert.equal(e.message, 'samkit worker needs the optional package bullmq, which is not installed: npm install bullmq@5.81.5');
    return true;
  });
  const boom = new Error('boom');
  await assert.rejects(importOptional('bullmq', 'x', () => Promise.reject(boom)), (e: unknown) => e === boom);
});

test('Node\'s own "cannot find package" error is recognised', async () => {
  const spec = 'samkit-no-such-package';
  const err = await import(spec).then(() => null, (e: unknown) => e);
  assert.ok(isMissingPackage(err, spec));
  assert.ok(!isMissingPackage(err, 'bullmq'));
  assert.ok(!isMissingPackage(new Error(`Cannot find package '${spec}'`), spec), 'only module-not-found errors');
});
