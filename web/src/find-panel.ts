/**
 * The page's "Find" box (text prompts): phrases go to the server's detector, the objects come back
 * with boxes, scores and masks; each can be accepted or rejected, and accepted ones are added as
 * labelled, editable objects. Self-contained: the host page gives the open image and an add hook.
 */
import type { AnnotationObject, CocoRle } from '../../src/server/protocol.js';

export interface FindHost {
  /** Id of the image shown, or null. */
  imageId(): string | null;
  /** Add objects to the image's annotations (one undo step). */
  addObjects(objects: AnnotationObject[]): void;
}

interface Found { label: string; score: number; box: [number, number, number, number]; segmentation: CocoRle; area: number; bbox: [number, number, number, number]; predicted_iou: number }

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

export function mountFindPanel(host: FindHost, before: Element | null = document.getElementById('panel-objects')): HTMLElement {
  const input = el('input', { id: 'find-text', type: 'text', placeholder: 'dog. red car.', title: 'phrases separated by "."' });
  const go = el('button', { id: 'find-go', type: 'button', textContent: 'Find' });
  const status = el('div', { id: 'find-status', className: 'muted' });
  const list = el('ul', { id: 'find-results' });
  const add = el('button', { id: 'find-add', type: 'button', textContent: 'Add accepted', hidden: true });
  const panel = el('section', { className: 'panel', id: 'panel-find' },
    el('div', { className: 'panel-head' }, el('h2', { textContent: 'Find by text' })), el('div', { className: 'row' }, input, go), status, list, add);
  if (before?.parentElement) before.parentElement.insertBefore(panel, before);
  else document.body.append(panel);

  let results: Array<{ found: Found; accept: HTMLInputElement }> = [];
  let forImage: string | null = null;
  const run = async (): Promise<void> => {
    const id = host.imageId();
    if (!id) { status.textContent = 'Open an image first.'; return; }
    const text = input.value.trim();
    if (!text) { status.textContent = 'Type what to find, e.g. “dog. red car.”'; return; }
    go.disabled = true;
    list.replaceChildren();
    add.hidden = true;
    const t0 = performance.now();
    const tick = setInterval(() => { status.textContent = `Finding… ${((performance.now() - t0) / 1000).toFixed(1)} s`; }, 200);
    status.textContent = 'Finding…';
    try {
      const res = await fetch(`/api/images/${id}/find`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
      const body = await res.json() as { objects?: Found[]; error?: string };
      if (!res.ok || !body.objects) throw new Error(body.error ?? `HTTP ${res.status}`);
      forImage = id;
      results = body.objects.map((found) => {
        const accept = el('input', { type: 'checkbox', checked: true });
        const [x0, y0, x1, y1] = found.box.map(Math.round);
        list.append(el('li', { className: 'find-result' }, el('label', {}, accept, ` ${found.label} `,
          el('span', { className: 'muted', textContent: `${found.score.toFixed(2)} · box ${x0},${y0}–${x1},${y1}` }))));
        return { found, accept };
      });
      status.textContent = results.length ? `${results.length} found in ${((performance.now() - t0) / 1000).toFixed(1)} s; untick to reject.` : 'Nothing found.';
      add.hidden = results.length === 0;
    } catch (err) {
      status.textContent = `Find failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      clearInterval(tick);
      go.disabled = false;
    }
  };
  go.addEventListener('click', () => void run());
  input.addEventListener('keydown', (e) => { e.stopPropagation(); if (e.key === 'Enter') void run(); });
  add.addEventListener('click', () => {
    if (forImage !== host.imageId()) { status.textContent = 'The image changed; find again.'; return; }
    const now = new Date().toISOString();
    const objects = results.filter((r) => r.accept.checked).map(({ found: f }): AnnotationObject => ({
      id: typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`, label: f.label, segmentation: f.segmentation, area: f.area, bbox: f.bbox,
      predictedIou: f.predicted_iou, stabilityScore: null, pointCoords: [], pointLabels: [], box: f.box,
      cropBox: [0, 0, f.segmentation.size[1], f.segmentation.size[0]], source: 'box', visible: true, createdAt: now,
    }));
    if (objects.length) host.addObjects(objects);
    status.textContent = `Added ${objects.length} object${objects.length === 1 ? '' : 's'}.`;
    list.replaceChildren();
    add.hidden = true;
    results = [];
  });
  return panel;
}
