/**
 * The generator's per-batch filtering as a decoder-lane stage (SamModel.decodeBatches): each lane
 * filters the batches it decoded and sends back only the passing masks' RLE.
 */
import type { StageFn } from '../model/decoder-lanes.js';
import { CandidateFilter, type CandidateFilterConfig } from './candidate-filter.js';

export function createStage(config: CandidateFilterConfig): StageFn {
  const filter = new CandidateFilter(config);
  return (out) => {
    const result = filter.filter(out);
    return { result, transfer: result.candidates.map((c) => c.counts.buffer as ArrayBuffer) };
  };
}
