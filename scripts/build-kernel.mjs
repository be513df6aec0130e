// Compiles the prompt-decoder kernel (native/decoder-kernel/kernel.c) to WebAssembly with SIMD using
// Debian's clang and lld; the built file is committed (native/decoder-kernel/decoder-kernel.wasm), so installing
// samkit needs no compiler. Usage: npm run build:kernel
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native/decoder-kernel/kernel.c');
const out = join(root, 'native/decoder-kernel/decoder-kernel.wasm');
mkdirSync(dirname(out), { recursive: true });
const clang = process.env.CLANG ?? 'clang';
execFileSync(clang, [
  '--target=wasm32', '-msimd128', '-O3', '-nostdlib', '-ffreestanding', '-Wall', '-Wextra', '-Wno-unused-parameter',
  '-Wl,--no-entry', '-Wl,--export-dynamic', '-Wl,--strip-all', '-Wl,-z,stack-size=1048576',
  '-o', out, src,
], { stdio: 'inherit' });
console.log(`built ${out} (${statSync(out).size} bytes)`);
