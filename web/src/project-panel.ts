/**
 * The project panel (`samkit app <dir>`): the folder's images with state, object count and a
 * thumbnail; keys move through them and the server computes the next embeddings ahead. It drives
 * the page only through the URL hash (`#<image id>`), which the app already opens.
 */
import { nextUnfinished, prefetchIds, stepIndex } from './project-nav.js';
import { createExportControl } from './project-export-control.js';
import { mountClassEditor } from './class-editor.js';
import { classList } from './class-list.js';
import { plainKey, type Keymap } from './keymap.js';
import type { LabelFlow } from './label-flow.js';
import { prefetchImage } from './image-prefetch.js';
import { whenSettled } from './page-idle.js';

interface ProjectImage { id: string; rel: string; name: string; width: number; height: number; objects: number; state: 'not-started' | 'in-progress' | 'done' }
interface ProjectClass { name: string; color: string; hotkey: number | null }
interface Project { name: string; dir: string; images: ProjectImage[]; classes: ProjectClass[] }

const STATE_TEXT: Record<ProjectImage['state'], string> = { 'not-started': 'not started', 'in-progress': 'in progress', done: 'done' };

function currentId(): string | null {
  return /^#([0-9a-f]{64})$/.exec(location.hash)?.[1] ?? null;
}

/** Run once the page says the open image is ready (or at once when it is). */
function whenReady(run: () => void): void {
  if (document.body.dataset.state === 'ready') { run(); return; }
  const obs = new MutationObserver(() => {
    if (document.body.dataset.state !== 'ready') return;
    obs.disconnect();
    run();
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
}

export class ProjectPanel {
  private project: Project | null = null;
  private readonly panel: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly summary: HTMLElement;
  private readonly doneButton: HTMLButtonElement;
  private readonly classBar: HTMLElement;
  private classEditor: { render: () => void } | null = null;

  constructor(sidebar: HTMLElement, private readonly keymap: Keymap, private readonly labels: LabelFlow) {
    this.panel = document.createElement('section');
    this.panel.className = 'panel project-panel';
    this.panel.id = 'panel-project';
    this.panel.hidden = true;
    const head = document.createElement('div');
    head.className = 'project-head';
    const h = document.createElement('h2');
    h.id = 'project-name';
    this.doneButton = document.createElement('button');
    this.doneButton.className = 'btn ghost small';
    this.doneButton.id = 'project-done';
    this.doneButton.title = 'Mark this image done or not (D)';
    this.doneButton.addEventListener('click', () => void this.toggleDone());
    head.append(h, this.doneButton);
    this.summary = document.createElement('div');
    this.summary.className = 'muted small';
    this.summary.id = 'project-summary';
    this.list = document.createElement('ol');
    this.list.className = 'project-list';
    this.list.id = 'project-list';
    const keys = document.createElement('div');
    keys.className = 'muted small';
    keys.innerHTML = '<kbd>[</kbd> <kbd>]</kbd> previous / next · <kbd>U</kbd> next unfinished · <kbd>D</kbd> done';
    this.classBar = document.createElement('div');
    this.classBar.className = 'project-classes';
    this.classBar.id = 'project-classes';
    this.panel.append(head, this.summary, this.list, keys, this.classBar, createExportControl(() => this.project?.name ?? ''));
    sidebar.prepend(this.panel);
  }

  /** Loads the project (if the server has one) and opens its first image when none is open. */
  async start(): Promise<boolean> {
    const ok = await this.refresh();
    if (!ok || !this.project) return false;
    this.bindKeys();
    // Loading ahead waits until the new image is ready: on a small machine the next image's encoder
    // run would otherwise slow the move it is meant to speed up.
    window.addEventListener('hashchange', () => { this.render(); whenReady(() => this.prefetch()); window.setTimeout(() => void this.refresh(), 1500); });
    // States change as the page saves; a light poll keeps the list honest without coupling to the saver.
    window.setInterval(() => { if (document.visibilityState === 'visible') void this.refresh(); }, 5000);
    if (!currentId() && this.project.images.length > 0) location.hash = this.project.images[0].id;
    else this.prefetch();
    return true;
  }

  private async refresh(): Promise<boolean> {
    try {
      const res = await fetch('/api/project');
      if (!res.ok) return false;
      const body = (await res.json()) as { project: Project | null };
      this.project = body.project;
    } catch {
      return false;
    }
    this.render();
    return true;
  }

  private render(): void {
    const p = this.project;
    if (!p) return;
    this.panel.hidden = false;
    document.body.dataset.project = 'open';
    this.panel.querySelector('#project-name')!.textContent = p.name;
    // The editor owns the list once shown; the server's copy replaces it only when it differs.
    if (JSON.stringify(p.classes) !== JSON.stringify(classList.list)) classList.load(p.classes);
    this.classEditor ??= mountClassEditor(this.classBar, { choose: (c) => this.chooseClass(c), current: () => this.labels.value });
    const done = p.images.filter((im) => im.state === 'done').length;
    this.summary.textContent = `${p.images.length} image${p.images.length === 1 ? '' : 's'} · ${done} done`;
    const cur = currentId();
    const rows = p.images.map((im) => {
      const li = document.createElement('li');
      li.dataset.id = im.id;
      li.dataset.state = im.state;
      li.title = im.rel;
      if (im.id === cur) li.classList.add('current');
      const img = document.createElement('img');
      img.loading = 'lazy';
      img.alt = '';
      img.src = `/api/images/${im.id}/file`;
      const text = document.createElement('span');
      text.className = 'project-item-text';
      const name = document.createElement('span');
      name.className = 'project-item-name';
      name.textContent = im.rel;
      const meta = document.createElement('span');
      meta.className = 'muted small';
      meta.textContent = `${STATE_TEXT[im.state]} · ${im.objects} object${im.objects === 1 ? '' : 's'}`;
      text.append(name, meta);
      li.append(img, text);
      li.addEventListener('click', () => { location.hash = im.id; });
      return li;
    });
    this.list.replaceChildren(...rows);
    this.list.querySelector('.current')?.scrollIntoView({ block: 'nearest' });
    const curImage = p.images.find((im) => im.id === cur);
    this.doneButton.hidden = !curImage;
    this.doneButton.textContent = curImage?.state === 'done' ? 'Not done' : 'Mark done';
  }

  /** Puts the class name in the label field for the next object (the page accepts with Enter). */
  private chooseClass(c: ProjectClass): void {
    this.labels.choose(c);
    this.classEditor?.render();
  }

  private go(index: number): void {
    const im = this.project?.images[index];
    if (im && im.id !== currentId()) location.hash = im.id;
  }

  private prefetch(): void {
    if (!this.project) return;
    const ids = prefetchIds(this.project.images, currentId());
    if (ids.length === 0) return;
    // The page loads the next image ahead too (file, bitmap, embedding): moving on skips the network.
    prefetchImage(ids[0]);
    const ask = (list: string[]): void => void fetch('/api/project/prefetch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: list }) }).catch(() => undefined);
    // The next one now (usually stored already); the one after it (an encoder run of seconds) once
    // this image has settled, not on top of its first hovers.
    ask(ids.slice(0, 1));
    const at = currentId();
    if (ids.length > 1) void whenSettled().then(() => { if (currentId() === at) ask(ids); });
  }

  private async toggleDone(): Promise<void> {
    const id = currentId();
    const im = this.project?.images.find((x) => x.id === id);
    if (!im) return;
    const res = await fetch(`/api/project/images/${im.id}/done`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ done: im.state !== 'done' }) }).catch(() => null);
    if (res?.ok) await this.refresh();
  }

  /** The project's keys, in the page's keymap (so the sheet lists them). */
  private bindKeys(): void {
    const imgs = (): ProjectImage[] => this.project?.images ?? [];
    const prevent = (run: () => void) => (e: KeyboardEvent): void => { e.preventDefault(); run(); };
    this.keymap.add('Images',
      { keys: [[']'], ['PageDown']], text: 'Next image', match: plainKey(']', 'PageDown'), run: prevent(() => this.go(stepIndex(imgs(), currentId(), 1))) },
      { keys: [['['], ['PageUp']], text: 'Previous image', match: plainKey('[', 'PageUp'), run: prevent(() => this.go(stepIndex(imgs(), currentId(), -1))) },
      { keys: [['U']], text: 'Next unfinished image', match: plainKey('u'), run: prevent(() => this.go(nextUnfinished(imgs(), currentId()))) },
      { keys: [['D']], text: 'Mark the image done or not', match: plainKey('d'), run: prevent(() => void this.toggleDone()) },
    );
    // 1-3 pick candidates in Candidates mode (an earlier group); otherwise the digits are class keys.
    const classFor = (e: KeyboardEvent): ProjectClass | undefined => (/^[1-9]$/.test(e.key) && document.body.dataset.mode !== 'candidates' ? classList.list.find((c) => c.hotkey === Number(e.key)) : undefined);
    this.keymap.add('Classes',
      { keys: [['1'], ['…'], ['9']], text: 'Label the next object with the class of that key', match: (e) => plainKey('1', '2', '3', '4', '5', '6', '7', '8', '9')(e) && classFor(e) !== undefined, run: (e) => { e.preventDefault(); this.chooseClass(classFor(e)!); } },
    );
  }
}
