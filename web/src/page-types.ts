/** The shapes the page's modules share: the open image, the tool mode and the prompt being built. */
import type { ImageInfo } from '../../src/server/protocol.js';
import type { DecodeResult } from './worker-protocol.js';

export type Mode = 'hover' | 'click' | 'box' | 'candidates' | 'everything' | 'edit';

export type Step = { kind: 'point'; x: number; y: number; label: 0 | 1 } | { kind: 'box'; box: [number, number, number, number] };

/** A decoded mask on screen, with the prompt it came from. */
export interface Shown {
  result: DecodeResult;
  token: number;
  points: number[];
  labels: number[];
  box: [number, number, number, number] | null;
}

/** The image open in the page. `seq` tells a stale load from the current one. */
export interface Loaded {
  seq: number;
  info: ImageInfo;
  blob: Blob;
  bitmap: ImageBitmap | null;
  ready: boolean;
}

export const MODE_HINTS: Record<Mode, string> = {
  hover: 'Hover to see the object under the pointer · click to pin it and refine',
  click: 'Left click: include · right, Alt or Shift click: exclude · click a point to remove it',
  box: 'Drag a box around the object · then click to refine',
  candidates: 'Click the object · choose one of the three candidates with 1, 2, 3',
  everything: 'Generate masks for the whole image · hover to highlight · click to select',
  edit: 'Click an object to select it · R refine · P brush · X eraser · Delete removes it',
};
