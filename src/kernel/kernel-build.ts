/**
 * Which build of the prompt-decoder kernel an engine runs: the relaxed-SIMD build (fused
 * multiply-adds, `f32x4.relaxed_madd`) where the engine validates it (Chromium does; Node 20 only
 * with --experimental-wasm-relaxed-simd), else the plain 128-bit SIMD build. Both are built by
 * scripts/build-kernel.mjs from the same kernel.c and match the onnxruntime graphs within the same
 * tolerance. Pure: works in Node and in the page's worker.
 */
export type KernelBuild = 'relaxed' | 'simd';

/** The committed file of each build (native/decoder-kernel/, and the page's web root). */
export const KERNEL_BUILD_FILES: Readonly<Record<KernelBuild, string>> = {
  relaxed: 'decoder-kernel-relaxed.wasm',
  simd: 'decoder-kernel.wasm',
};

/** The relaxed build on shared memory, for a main instance and a helper thread (kernel-helper.ts). */
export const KERNEL_THREADED_FILE = 'decoder-kernel-relaxed-mt.wasm';

/** (func (param v128 v128 v128) (result v128) local.get 0 1 2 f32x4.relaxed_madd) */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** The build for this engine; `forced` (e.g. SAMKIT_KERNEL_BUILD=simd) picks one, relaxed only where supported. */
export function kernelBuild(forced?: string | null): KernelBuild {
  if (forced === 'simd') return 'simd';
  return relaxedSimdSupported() ? 'relaxed' : 'simd';
}
