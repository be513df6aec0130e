/**
 * The consumer path, as a user installs samkit: `npm pack` this checkout, install the tarball into an
 * empty folder with the one documented switch (ONNXRUNTIME_NODE_INSTALL=skip, so onnxruntime-node's
 * install script downloads nothing), then use the library from an .mjs, `npx samkit predict` and
 * `npx samkit app` serving its page and API. Needs no reference data: it segments the packaged
 * sample image. The npm cache is reused (--prefer-offline), so this takes about a minute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/reference.js';

const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26, timeout: 300_000 });
}

/** Start `npx samkit app` and resolve with the URL it prints (or reject with its last line). */
function startApp(cwd: string, data: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn('npx', ['samkit', 'app', '--port', '0', '--data', data], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stop = (): void => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } };
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => { stop(); reject(new Error(`no URL after 60 s: ${log}`)); }, 60_000);
    const onData = (d: Buffer): void => {
      log += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(log);
      if (m) { clearTimeout(timer); resolve({ url: m[0], stop }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => { clearTimeout(timer); reject(new Error(`samkit app exited: ${log}`)); });
  });
}

test('installed from npm pack into an empty folder: library, npx samkit predict, npx samkit app', { timeout: 600_000 }, async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'samkit-pack-'));
  try {
    // --ignore-scripts: the test runs on the build it was compiled with (prepare would rebuild dist/ under it).
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], PROJECT_ROOT);
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    assert.ok(tgz, 'npm pack wrote a tarball');
    const files = run('tar', ['tzf', path.join(tmp, tgz)], tmp).split('\n');
    assert.ok(files.includes('package/web/dist/index.html'), 'the built app is in the package');
    assert.ok(files.includes('package/LICENSE'));
    assert.ok(files.includes('package/samples/chelsea.png'));
    assert.deepEqual(files.filter((f) => /^package\/(src|test|bench|\.ci|dist\/test|dist\/bench)\//.test(f)), [], 'no sources, tests or benchmarks');

    const app = path.join(tmp, 'consumer');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    const install = spawnSync('npm', ['install', path.join(tmp, tgz), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(install.status, 0, install.stderr);
    const npmSaid = `${install.stdout}\n${install.stderr}`;
    // samkit's engines (Node >= 20) hold for every package it pulls in, without the repo's overrides.
    assert.doesNotMatch(npmSaid, /EBADENGINE/, 'no dependency wants a newer Node than samkit says');
    assert.doesNotMatch(npmSaid, /onnxruntime-node-install|Unknown (env|project|user) config/i, 'no deprecated npm config key');

    // One onnxruntime of each kind, and the install size (docs/benchmarks.md: 541 MB measured, 723 MB
    // when @huggingface/transformers and bullmq were dependencies and @fastify/static pulled glob).
    const runtimes = run('find', ['node_modules', '-type', 'd', '(', '-name', 'onnxruntime-node', '-o', '-name', 'onnxruntime-web', ')'], app).trim().split('\n').sort();
    assert.deepEqual(runtimes, ['node_modules/onnxruntime-node', 'node_modules/onnxruntime-web'], 'one onnxruntime-node, one onnxruntime-web');
    const megabytes = Number(run('du', ['-sm', 'node_modules'], app).split('\t')[0]);
    assert.ok(megabytes < 600, `node_modules is ${megabytes} MB (bound 600 MB)`);
    // Optional features name their package instead of failing on module resolution.
    const worker = spawnSync('npx', ['samkit', 'worker', '--queue', 'redis://127.0.0.1:1'], { cwd: app, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(worker.status, 1, worker.stderr);
    assert.equal(worker.stderr.trim(), 'samkit: samkit worker needs the optional package bullmq, which is not installed: npm install bullmq@5.81.5');

    const sample = path.join(app, 'node_modules', 'samkit', 'samples', 'chelsea.png');
    writeFileSync(path.join(app, 'use.mjs'), `import { SamPredictor } from 'samkit';
const p = await SamPredictor.create();
await p.setImage(${JSON.stringify(sample)});
const r = await p.predict({ pointCoords: [[170, 115]], pointLabels: [1] });
console.log(r.masks.length, r.masks[0].width, r.masks[0].height, Math.max(...r.masks.map((m) => m.area)) > 0);
await p.model.close();`);
    assert.equal(run(process.execPath, ['use.mjs'], app).trim(), '3 451 300 true');

    const out = path.join(tmp, 'p.json');
    run('npx', ['samkit', 'predict', sample, '--point', '170,115', '--out', out], app);
    const pred = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(pred.image, { width: 451, height: 300 });
    assert.equal(pred.masks.length, 3);

    const server = await startApp(app, path.join(tmp, 'data'));
    try {
      const page = await fetch(`${server.url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script/i);
      assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
      // onnxruntime-web's runtime, served from the consumer's node_modules.
      const wasm = await fetch(`${server.url}/ort/ort-wasm-simd-threaded.wasm`);
      assert.equal(wasm.status, 200);
    } finally {
      server.stop();
    }

    // onnxruntime-node's native runtime gone (what a failed or copied install leaves): one line naming the fix.
    const binding = path.join(app, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node');
    renameSync(binding, `${binding}.gone`);
    const broken = spawnSync('npx', ['samkit', 'predict', sample, '--point', '170,115'], { cwd: app, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(broken.status, 1);
    assert.equal(broken.stderr.trim().split('\n').length, 1, broken.stderr);
    assert.match(broken.stderr, /^samkit: onnxruntime-node cannot load its native runtime \(.*onnxruntime_binding\.node.*\): reinstall with ONNXRUNTIME_NODE_INSTALL=skip npm install/);
    const lib = spawnSync(process.execPath, ['--input-type=module', '-e', "import('samkit').catch((e) => { console.log(e.name, e.code); })"], { cwd: app, env, encoding: 'utf8' });
    assert.equal(lib.stdout.trim(), 'DependencyError DEPENDENCY', lib.stderr);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
