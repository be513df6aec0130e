/** A detector by folder or hub id, as the TextDetector of its family. */
import type { TextDetector } from './detector.js';
import { GroundingDinoDetector } from './grounding-dino.js';
import { loadHfDetector, type FileProgress } from './hf-load.js';
import { locateDetector } from './hf-source.js';
import { OwlDetector } from './owlvit.js';

export interface LoadDetectorOptions {
  /** Download progress per file (hub ids, first use only). */
  onProgress?: (p: FileProgress) => void;
  /** Grounding DINO: run each phrase on its own (default: only for exports known to need it). */
  onePassPerPhrase?: boolean;
}

export async function loadDetector(ref: string, options: LoadDetectorOptions = {}): Promise<TextDetector> {
  const loc = await locateDetector(ref);
  const parts = await loadHfDetector(loc, options.onProgress);
  if (parts.family === 'grounding-dino') return new GroundingDinoDetector(ref, parts, options.onePassPerPhrase);
  return new OwlDetector(ref, parts);
}
