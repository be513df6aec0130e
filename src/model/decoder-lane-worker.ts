/**
 * One decoder lane: a worker thread running the per-prompt decoder graph in its own single-threaded
 * onnxruntime session (see decoder-lanes.ts for why). Messages are handled one at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { promptCells, runsOutput, runPromptGraph } from './prompt-runs.js';
import { createSession } from './session-cache.js';
import { DecoderKernel, KERNEL_MAX_POINTS } from '../kernel/decoder-kernel.js';
import { kernelModule } from '../kernel/node-kernel.js';
import { loadStage, type LaneInit, type LaneRequest, type LaneResponse, type StageFn } from './decoder-lanes.js';

const init = workerData as LaneInit;
const port = parentPort!;
const ready = createSession(init.prompt, 1, init.what, init.cacheDir);
const kernelReady = init.kernel ? kernelModule().then((m) => DecoderKernel.create(m, init.kernel!)) : Promise.resolve(null);
let carried: Record<string, ort.Tensor> = {};
let stage: StageFn | null = null;

async function handle(req: LaneRequest): Promise<void> {
  if (req.kind === 'close') process.exit(0);
  const [session, kernel] = await Promise.all([ready, kernelReady]);
  if (req.kind === 'image') {
    carried = Object.fromEntries(Object.entries(req.tensors).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.dims)]));
    kernel?.setImage(carried, carried);
    return;
  }
  if (req.kind === 'stage') {
    stage = req.stage ? await loadStage(req.stage) : null;
    return;
  }
  const runs: Float32Array[] = [];
  const iou: Float32Array[] = [];
  if (kernel && req.numPoints <= KERNEL_MAX_POINTS) {
    // the graph's run layout (step prompts per run), so outputs are assembled the same way
    const cells = promptCells(req);
    for (let b = 0; b < req.batch; b += req.step) {
      const n = Math.min(req.step, req.batch - b);
      const out = kernel.decode({
        batch: n, numPoints: req.numPoints,
        pointCoords: req.pointCoords.subarray(b * req.numPoints * 2, (b + n) * req.numPoints * 2), pointLabels: req.pointLabels.subarray(b * req.numPoints, (b + n) * req.numPoints),
      }, cells);
      runs.push(out.masks);
      iou.push(out.iou);
    }
  } else {
    for await (const { out } of runPromptGraph(session, carried, req, req.step)) {
      runs.push(out[init.masksOutput].data as Float32Array);
      iou.push(out[init.iouOutput].data as Float32Array);
    }
  }
  if (req.staged) {
    if (!stage) throw new Error('no stage set for a staged decode');
    const { result, transfer } = stage(runsOutput({ runs, iou }, req, req.step));
    port.postMessage({ kind: 'staged', id: req.id, result } satisfies LaneResponse, transfer ?? []);
    return;
  }
  const response: LaneResponse = { kind: 'decoded', id: req.id, runs, iou };
  port.postMessage(response, runs.map((r) => r.buffer as ArrayBuffer));
}

let chain: Promise<void> = ready.then(() => undefined, (err: unknown) => {
  port.postMessage({ kind: 'fatal', message: err instanceof Error ? err.message : String(err) } satisfies LaneResponse);
});
port.on('message', (req: LaneRequest) => {
  chain = chain.then(() => handle(req)).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (req.kind === 'decode') port.postMessage({ kind: 'failed', id: req.id, message } satisfies LaneResponse);
    else port.postMessage({ kind: 'fatal', message } satisfies LaneResponse);
  });
});
