/** A LamaRunner over an ONNX file with onnxruntime-node (the model I/O at the edge). */
import * as ort from 'onnxruntime-node';
import { InpaintError } from '../core/errors.js';
import { LAMA_SIZE, type LamaRunner } from './lama.js';

export async function loadLamaRunner(file: string): Promise<LamaRunner> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    throw new InpaintError(`cannot load the inpainting model ${file}: ${why}`, { cause: err });
  }
  for (const name of ['image', 'mask']) {
    if (!session.inputNames.includes(name)) {
      throw new InpaintError(`${file} is not a LaMa-style model: inputs are [${session.inputNames.join(', ')}], expected image and mask`);
    }
  }
  const output = session.outputNames[0];
  const S = LAMA_SIZE;
  return async (image, mask) => {
    const res = await session.run({
      image: new ort.Tensor('float32', image, [1, 3, S, S]),
      mask: new ort.Tensor('float32', mask, [1, 1, S, S]),
    });
    const t = res[output];
    if (t.type !== 'float32') throw new InpaintError(`${file} returned ${t.type}, expected float32`);
    return t.data as Float32Array;
  };
}
