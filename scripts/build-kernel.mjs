// Compiles the prompt-decoder kernel (native/decoder-kernel/kernel.c) to WebAssembly with SIMD using
// Debian's clang and lld; the built files are committed (native/decoder-kernel/*.wasm), so installing
// samkit needs no compiler. Two builds: decoder-kernel.wasm (128-bit SIMD, every engine) and
// decoder-kernel-relaxed.wasm (the same with relaxed-SIMD fused multiply-adds, for engines that
// validate it: the page picks it by feature detection).
// decoder-kernel-relaxed-mt.wasm is the relaxed build on shared memory (atomics): the page runs a
// second instance of it in a helper worker that shares the per-position work (cross-origin isolated).
// Usage: npm run build:kernel [-- --out DIR [--profile]] (--profile: per-section timers, kernel_profile(); only with --out)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native/decoder-kernel/kernel.c');
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? process.argv[outArg + 1] : join(root, 'native/decoder-kernel');
mkdirSync(outDir, { recursive: true });
if (process.argv.includes('--profile') && outArg < 0) throw new Error('--profile builds go elsewhere: give --out DIR');
const clang = process.env.CLANG ?? 'clang';
const objdump = process.env.LLVM_OBJDUMP ?? 'llvm-objdump-14';
const common = [
  '--target=wasm32', '-msimd128', '-O3', '-nostdlib', '-ffreestanding', '-Wall', '-Wextra', '-Wno-unused-parameter',
  '-Wl,--no-entry', '-Wl,--export-dynamic', '-Wl,--strip-all', '-Wl,-z,stack-size=1048576',
  ...(process.argv.includes('--profile') ? ['-DPROFILE'] : []),
];

const plain = join(outDir, 'decoder-kernel.wasm');
execFileSync(clang, [...common, '-o', plain, src], { stdio: 'inherit' });
console.log(`built ${plain} (${statSync(plain).size} bytes)`);

const threads = [
  '-DTHREADS', '-matomics', '-mbulk-memory', '-mmutable-globals',
  // memory from the host (shared by both instances), each instance's stack pointer settable
  '-Wl,--shared-memory', '-Wl,--import-memory', `-Wl,--initial-memory=${64 << 20}`, `-Wl,--max-memory=${1 << 30}`, '-Wl,--export=__stack_pointer',
];
for (const [name, extra] of [['decoder-kernel-relaxed.wasm', []], ['decoder-kernel-relaxed-mt.wasm', threads]]) {
  const file = join(outDir, name);
  execFileSync(clang, [...common, '-mrelaxed-simd', '-DRELAXED', ...extra, '-o', file, src], { stdio: 'inherit' });
  const patched = toStandardMadd(readFileSync(file), execFileSync(objdump, ['-d', file], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  writeFileSync(file, patched.bytes);
  console.log(`built ${file} (${patched.bytes.length} bytes, ${patched.count} fused multiply-adds)`);
}

// The compiler that built the committed modules: the unit test rebuilds and compares only with the same one.
if (outArg < 0) writeFileSync(join(root, 'native/decoder-kernel/built-with.txt'), `${clangVersion(clang)}\n`);

function clangVersion(cmd) {
  return execFileSync(cmd, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
}

/**
 * Rewrite clang 14's prototype `f32x4.fma` (0xfd 0xaf 0x01) to the standard `f32x4.relaxed_madd`
 * (0xfd 0x85 0x02): same length, same operands. The instructions' offsets come from the
 * disassembler (relative to the code section's contents), so no immediate that happens to hold
 * those bytes is touched; each offset must hold the old opcode.
 */
function toStandardMadd(bytes, disassembly) {
  const code = codeSectionStart(bytes);
  let count = 0;
  for (const line of disassembly.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+fd af 01\s+f32x4\.fma\b/.exec(line);
    if (!m) continue;
    const at = code + parseInt(m[1], 16);
    if (bytes[at] !== 0xfd || bytes[at + 1] !== 0xaf || bytes[at + 2] !== 0x01) throw new Error(`no f32x4.fma at ${at}`);
    bytes[at + 1] = 0x85;
    bytes[at + 2] = 0x02;
    count++;
  }
  if (count === 0) throw new Error('the relaxed build has no fused multiply-add');
  return { bytes, count };
}

function codeSectionStart(bytes) {
  let i = 8;
  while (i < bytes.length) {
    const id = bytes[i++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[i++];
      size |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    if (id === 10) return i;
    i += size;
  }
  throw new Error('no code section');
}
