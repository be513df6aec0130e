// Compiles the prompt-decoder kernel (native/decoder-kernel/kernel.c) to WebAssembly with SIMD using
// Debian's clang and lld; the built file is committed (native/decoder-kernel/decoder-kernel.wasm), so installing
// samkit needs no compiler. Usage: npm run build:kernel [-- --out FILE]
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native/decoder-kernel/kernel.c');
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : join(root, 'native/decoder-kernel/decoder-kernel.wasm');
mkdirSync(dirname(out), { recursive: true });
const clang = process.env.CLANG ?? 'clang';
execFileSync(clang, [
  '--target=wasm32', '-msimd128', '-O3', '-nostdlib', '-ffreestanding', '-Wall', '-Wextra', '-Wno-unused-parameter',
  '-Wl,--no-entry', '-Wl,--export-dynamic', '-Wl,--strip-all', '-Wl,-z,stack-size=1048576',
  '-o', out, src,
], { stdio: 'inherit' });
// The compiler that built the committed module: the unit test rebuilds and compares only with the same one.
if (outArg < 0) writeFileSync(join(root, 'native/decoder-kernel/built-with.txt'), `${clangVersion(clang)}\n`);
console.log(`built ${out} (${statSync(out).size} bytes)`);

function clangVersion(cmd) {
  return execFileSync(cmd, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
}
