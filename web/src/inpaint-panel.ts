/**
 * The "Edit image" panel: with an object chosen (the page's selected object, else the panel's own
 * picker over the object list), Remove it (Telea, Navier-Stokes, or the server's
 * LaMa model) or Replace it with "<prompt>" (only when the server has a Stable Diffusion URL; the
 * panel asks GET /api/inpaint). Each edit is previewed, edits stack (the next one starts from the
 * last), Undo goes back one, and Download saves the edited PNG.
 *
 * Where the edited image goes: nowhere on the server. It lives in this page until downloaded as
 * "<name>-edited.png"; the project's image file and its annotations are never changed, so the masks
 * still describe the original.
 */
import type { AnnotationObject } from '../../src/server/protocol.js';

export interface InpaintHost {
  /** The open image, or null. */
  image(): { id: string; name: string } | null;
  /** The image's accepted objects. */
  objects(): readonly AnnotationObject[];
  /** The selected object's id, when the page has a selection. */
  selectedId?(): string | null;
  /** Call back when the selection changes. */
  onSelectionChange?(listener: (id: string | null) => void): void;
}

interface Capabilities { methods: { remove: boolean; ns: boolean; lama: boolean; replace: boolean } }

interface Edit { blob: Blob; url: string; what: string }

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

async function base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function mountInpaintPanel(host: InpaintHost, before: Element | null = document.getElementById('panel-export')): HTMLElement {
  const picker = el('select', { id: 'inpaint-object', title: 'The object to edit' });
  const method = el('select', { id: 'inpaint-method', title: 'How Remove fills the object' },
    el('option', { value: 'remove', textContent: 'Telea' }), el('option', { value: 'ns', textContent: 'Navier-Stokes' }));
  const remove = el('button', { id: 'inpaint-remove', type: 'button', className: 'btn', textContent: 'Remove' });
  const prompt = el('input', { id: 'inpaint-prompt', type: 'text', placeholder: 'a potted plant', maxLength: 1000 });
  const replace = el('button', { id: 'inpaint-replace', type: 'button', className: 'btn', textContent: 'Replace' });
  const replaceRow = el('div', { className: 'row', id: 'inpaint-replace-row', hidden: true }, prompt, replace);
  const status = el('div', { id: 'inpaint-status', className: 'muted small' });
  const preview = el('img', { id: 'inpaint-preview', alt: 'the edited image', hidden: true });
  const undo = el('button', { id: 'inpaint-undo', type: 'button', className: 'btn ghost small', textContent: 'Undo edit', disabled: true });
  const download = el('a', { id: 'inpaint-download', className: 'btn ghost small', textContent: 'Download PNG', hidden: true });
  const panel = el('section', { className: 'panel', id: 'panel-inpaint' },
    el('div', { className: 'panel-head' }, el('h2', { textContent: 'Edit image' })),
    el('div', { className: 'row' }, picker),
    el('div', { className: 'row' }, remove, method),
    replaceRow, status, preview,
    el('div', { className: 'row' }, undo, download),
    el('p', { className: 'muted small', textContent: 'Edits stay in this page: the original image and its masks are not changed. Download saves the edited PNG.' }));
  if (before?.parentElement) before.parentElement.insertBefore(panel, before);
  else document.body.append(panel);
  for (const input of [prompt, picker, method]) input.addEventListener('keydown', (e) => e.stopPropagation());

  let edits: Edit[] = [];
  let forImage: string | null = null;
  let busy = false;

  void fetch('/api/inpaint').then((r) => r.json() as Promise<Capabilities>).then((caps) => {
    if (caps.methods?.lama) method.append(el('option', { value: 'lama', textContent: 'LaMa' }));
    replaceRow.hidden = !caps.methods?.replace;
  }, () => undefined);

  const render = (): void => {
    const top = edits[edits.length - 1];
    preview.hidden = !top;
    if (top) preview.src = top.url;
    else preview.removeAttribute('src');
    undo.disabled = edits.length === 0 || busy;
    download.hidden = !top;
    const img = host.image();
    if (top && img) {
      download.href = top.url;
      download.download = `${img.name.replace(/\.[^.]+$/, '')}-edited.png`;
    }
    const none = !picker.value || busy;
    remove.disabled = none;
    replace.disabled = none;
  };

  const clearEdits = (): void => {
    for (const e of edits) URL.revokeObjectURL(e.url);
    edits = [];
  };

  /** The object list into the picker (keeping the choice), and a fresh stack for a new image. */
  const refresh = (): void => {
    const img = host.image();
    if ((img?.id ?? null) !== forImage) { clearEdits(); forImage = img?.id ?? null; status.textContent = ''; }
    const objects = host.objects();
    const keep = host.selectedId?.() ?? picker.value;
    picker.replaceChildren(...objects.map((o, i) => el('option', { value: o.id, textContent: `${i + 1}. ${o.label || 'unlabeled'} · ${o.area.toLocaleString('en-US')} px` })));
    if (objects.length === 0) picker.append(el('option', { value: '', textContent: img ? 'No objects yet: accept or find one' : 'Open an image first' }));
    if (objects.some((o) => o.id === keep)) picker.value = keep;
    render();
  };
  picker.addEventListener('change', render);
  host.onSelectionChange?.((id) => { if (id && host.objects().some((o) => o.id === id)) { picker.value = id; render(); } });
  const list = document.getElementById('object-list');
  if (list) new MutationObserver(refresh).observe(list, { childList: true });

  const run = async (kind: 'remove' | 'replace'): Promise<void> => {
    const img = host.image();
    const obj = host.objects().find((o) => o.id === picker.value);
    if (!img || !obj || busy) return;
    const text = prompt.value.trim();
    if (kind === 'replace' && !text) { status.textContent = 'Say what to paint in, e.g. “a potted plant”.'; prompt.focus(); return; }
    const name = kind === 'replace' ? 'replace' : method.value;
    const what = kind === 'replace' ? `Replaced ${obj.label || 'the object'} with “${text}”` : `Removed ${obj.label || 'the object'}`;
    busy = true;
    render();
    const t0 = performance.now();
    status.textContent = kind === 'replace' ? 'Asking Stable Diffusion…' : 'Removing…';
    try {
      const top = edits[edits.length - 1];
      const body = { imageId: img.id, mask: obj.segmentation, method: name, prompt: kind === 'replace' ? text : undefined, base: top ? await base64(top.blob) : undefined };
      const res = await fetch('/api/inpaint', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) {
        const err = await res.json().catch(() => ({})) as { error?: string };
        throw new Error(err.error ?? `HTTP ${res.status}`);
      }
      const blob = await res.blob();
      if (host.image()?.id !== img.id) return; // another image was opened meanwhile
      edits.push({ blob, url: URL.createObjectURL(blob), what });
      status.textContent = `${what} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${edits.length} edit${edits.length === 1 ? '' : 's'}).`;
    } catch (err) {
      status.textContent = `${kind === 'replace' ? 'Replace' : 'Remove'} failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      busy = false;
      render();
    }
  };
  remove.addEventListener('click', () => void run('remove'));
  replace.addEventListener('click', () => void run('replace'));
  prompt.addEventListener('keydown', (e) => { if (e.key === 'Enter') void run('replace'); });
  undo.addEventListener('click', () => {
    const last = edits.pop();
    if (last) URL.revokeObjectURL(last.url);
    status.textContent = last ? `Undone: ${last.what}.` : '';
    render();
  });
  refresh();
  return panel;
}
