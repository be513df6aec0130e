/**
 * A helper thread of the threaded kernel build (decoder-kernel-relaxed-mt.wasm): another
 * instance of the module on the main instance's shared memory, with its own stack, that waits for
 * work in kernel_helper_run (it never returns; the thread is given to it). Pure: called from the
 * page's kernel helper worker and from a Node worker thread in the tests.
 */
export interface KernelHelperStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** From DecoderKernel.helperStack() on the main instance (one per helper). */
  stackTop: number;
  /** Which helper this is, 0 .. KERNEL_MAX_HELPERS - 1 (each has its own scratch in the module); 0 if absent. */
  index?: number;
}

export function runKernelHelper(start: KernelHelperStart, ready: () => void): void {
  const instance = new WebAssembly.Instance(start.module, { env: { memory: start.memory, sin: Math.sin, cos: Math.cos, now: () => performance.now() } });
  const x = instance.exports as unknown as { __stack_pointer: WebAssembly.Global; kernel_helper_run(index: number): void };
  x.__stack_pointer.value = start.stackTop;
  ready();
  x.kernel_helper_run(start.index ?? 0);
}
