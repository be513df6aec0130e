/** The default model twice, decoding with onnxruntime's graphs and with the WebAssembly kernel, on one embedding. */
import { SamModel } from '../../src/model/sam-model.js';
import { SamPredictor } from '../../src/predictor.js';

export interface KernelPair { graph: SamPredictor; kernel: SamPredictor }

export async function loadKernelPair(): Promise<KernelPair> {
  return {
    graph: new SamPredictor(await SamModel.load(undefined, { decoder: 'graph', decoderLanes: 1 })),
    kernel: new SamPredictor(await SamModel.load(undefined, { decoder: 'kernel', decoderLanes: 1 })),
  };
}

/**
 * The graph predictor encodes the image, the kernel's takes that embedding; with `prepare`, both
 * run the per-image part now (so no prompt takes the full graph for it).
 */
export async function setBothImages({ graph, kernel }: KernelPair, image: string, prepare = false): Promise<void> {
  await graph.setImage(image);
  const emb = graph.getImageEmbedding();
  kernel.setImageEmbedding(emb.data, emb.originalSize);
  if (prepare) await Promise.all([graph.model.prepareImage(emb.data), kernel.model.prepareImage(emb.data)]);
}
