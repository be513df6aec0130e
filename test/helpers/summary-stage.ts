/**
 * A decoder-lane stage for tests (SamModel.decodeBatches): per batch, each prompt's scores and the
 * sum of its token-`config.token` logits over the top-left `config.rows` rows.
 */
import type { StageFn } from '../../src/model/decoder-lanes.js';

export function createStage(config: { token: number; rows: number }): StageFn {
  return (out) => {
    const plane = new Float32Array(out.lowSize * out.lowSize);
    const sums = new Float64Array(out.batch);
    for (let b = 0; b < out.batch; b++) {
      out.plane!(b, config.token, plane);
      for (let i = 0; i < config.rows * out.lowSize; i++) sums[b] += plane[i];
    }
    return { result: { iou: out.iou, sums }, transfer: [sums.buffer] };
  };
}
