/** The review's calls to the server: proposals of an image, decisions, imports. */
import type { Proposal, ProposalDoc, ProposalStatus } from '../../src/project/import/proposal.js';
import { ApiError, UnreachableError } from './api.js';

export interface ImportSummary { format: string; images: number; proposals: number; duplicates: number; empty: number }

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new UnreachableError();
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`, body.code ?? 'HTTP');
  return body as T;
}

export const reviewApi = {
  proposals: async (imageId: string): Promise<Proposal[]> => (await call<ProposalDoc>(`/api/images/${imageId}/proposals`)).proposals,
  decide: (imageId: string, decisions: Array<{ id: string; status: ProposalStatus }>): Promise<{ pending: number }> =>
    call(`/api/images/${imageId}/proposals/decide`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decisions }) }),
  /** Upload a file; `image` names the project image for records that name none. */
  importFile: async (file: File, image: string | null): Promise<ImportSummary> => {
    const form = new FormData();
    if (image) form.append('image', image);
    form.append('file', file, file.name);
    return (await call<{ imported: ImportSummary }>('/api/project/import', { method: 'POST', body: form })).imported;
  },
  /** Upload a picked folder's files, each named by its path in the folder (webkitRelativePath). */
  importFiles: async (files: ReadonlyArray<{ path: string; file: File }>, image: string | null): Promise<ImportSummary> => {
    const form = new FormData();
    if (image) form.append('image', image);
    for (const f of files) form.append('file', f.file, f.path);
    return (await call<{ imported: ImportSummary }>('/api/project/import', { method: 'POST', body: form })).imported;
  },
  hasProject: async (): Promise<boolean> => (await call<{ project: unknown }>('/api/project').catch(() => ({ project: null }))).project !== null,
};
