/**
 * Proposals: imported masks waiting for review, kept per image apart from the accepted objects
 * (`<project>/.samkit/proposals/<image id>.json`). Pure types, shared with the page.
 */
import type { CocoRle } from '../../server/protocol.js';

export type ProposalStatus = 'pending' | 'accepted' | 'rejected';

export interface Proposal {
  id: string;
  /** Category from the imported file ('' when it had none). */
  label: string;
  segmentation: CocoRle;
  area: number;
  /** [x, y, w, h], w = last - first column, as accepted objects keep it. */
  bbox: [number, number, number, number];
  /** Detector score, else the predicted IoU, else null (hand-made annotations). */
  score: number | null;
  predictedIou: number | null;
  stabilityScore: number | null;
  /** What it was imported from: format and file ("coco:dataset.json"). */
  source: string;
  status: ProposalStatus;
  importedAt: string;
}

export interface ProposalDoc {
  version: 1;
  imageId: string;
  proposals: Proposal[];
  updatedAt: string;
}

export const PROPOSAL_STATUSES: readonly ProposalStatus[] = ['pending', 'accepted', 'rejected'];
