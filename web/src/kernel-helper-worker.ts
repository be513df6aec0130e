/**
 * The decoder kernel's helper thread in the page (cross-origin isolated): started by the decoder
 * worker with the threaded module, its shared memory and a stack; then it only runs kernel work.
 */
import { runKernelHelper, type KernelHelperStart } from '../../src/kernel/kernel-helper.js';

self.onmessage = (e: MessageEvent<KernelHelperStart>) => {
  runKernelHelper(e.data, () => (self as unknown as Worker).postMessage('running'));
};
