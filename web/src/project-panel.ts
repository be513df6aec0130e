/**
 * The project panel (`samkit app <dir>`): the folder's images with state, object count and a
 * thumbnail; keys move through them and the server computes the next embeddings ahead. It drives
 * the page only through the URL hash (`#<image id>`), which the app already opens.
 */
import { nextUnfinished, prefetchIds, stepIndex } from './project-nav.js';
import { createExportControl } from './project-export-control.js';

interface ProjectImage { id: string; rel: string; name: string; width: number; height: number; objects: number; state: 'not-started' | 'in-progress' | 'done' }
interface ProjectClass { name: string; color: string; hotkey: number | null }
interface Project { name: string; dir: string; images: ProjectImage[]; classes: ProjectClass[] }

const STATE_TEXT: Record<ProjectImage['state'], string> = { 'not-started': 'not started', 'in-progress': 'in progress', done: 'done' };

function currentId(): string | null {
  return /^#([0-9a-f]{64})$/.exec(location.hash)?.[1] ?? null;
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}

export class ProjectPanel {
  private project: Project | null = null;
  private readonly panel: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly summary: HTMLElement;
  private readonly doneButton: HTMLButtonElement;
  private readonly classBar: HTMLElement;

  constructor(sidebar: HTMLElement) {
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
    document.addEventListener('keydown', (e) => this.onKey(e));
    // Class hotkeys run before the page's own keys (1-3 pick candidates only in Candidates mode).
    window.addEventListener('keydown', (e) => this.onClassKey(e), true);
    window.addEventListener('hashchange', () => { this.render(); this.prefetch(); window.setTimeout(() => void this.refresh(), 1500); });
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
    if (this.classBar.childElementCount !== p.classes.length) this.renderClasses(p.classes);
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

  private renderClasses(classes: ProjectClass[]): void {
    const chips = classes.map((c) => {
      const b = document.createElement('button');
      b.className = 'btn ghost small class-chip';
      b.dataset.name = c.name;
      b.style.borderColor = c.color;
      b.title = c.hotkey ? `Label the current mask ${c.name} (${c.hotkey})` : `Label the current mask ${c.name}`;
      b.textContent = c.hotkey ? `${c.hotkey} ${c.name}` : c.name;
      b.addEventListener('click', () => this.chooseClass(c));
      return b;
    });
    this.classBar.replaceChildren(...chips);
    this.classBar.hidden = classes.length === 0;
  }

  /** Puts the class name in the label field, as typing it would (the page accepts with Enter). */
  private chooseClass(c: ProjectClass): void {
    const input = document.getElementById('label-input') as HTMLInputElement | null;
    if (!input) return;
    input.value = c.name;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    for (const chip of this.classBar.querySelectorAll<HTMLElement>('.class-chip')) chip.classList.toggle('active', chip.dataset.name === c.name);
  }

  private onClassKey(e: KeyboardEvent): void {
    if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || !this.project) return;
    if (!/^[1-9]$/.test(e.key) || document.body.dataset.mode === 'candidates') return;
    const c = this.project.classes.find((x) => x.hotkey === Number(e.key));
    if (!c) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    this.chooseClass(c);
  }

  private go(index: number): void {
    const im = this.project?.images[index];
    if (im && im.id !== currentId()) location.hash = im.id;
  }

  private prefetch(): void {
    if (!this.project) return;
    const ids = prefetchIds(this.project.images, currentId());
    if (ids.length === 0) return;
    void fetch('/api/project/prefetch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids }) }).catch(() => undefined);
  }

  private async toggleDone(): Promise<void> {
    const id = currentId();
    const im = this.project?.images.find((x) => x.id === id);
    if (!im) return;
    const res = await fetch(`/api/project/images/${im.id}/done`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ done: im.state !== 'done' }) }).catch(() => null);
    if (res?.ok) await this.refresh();
  }

  private onKey(e: KeyboardEvent): void {
    if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || !this.project) return;
    const imgs = this.project.images;
    if (e.key === ']' || e.key === 'PageDown') { e.preventDefault(); this.go(stepIndex(imgs, currentId(), 1)); }
    else if (e.key === '[' || e.key === 'PageUp') { e.preventDefault(); this.go(stepIndex(imgs, currentId(), -1)); }
    else if (e.key === 'u' || e.key === 'U') { e.preventDefault(); this.go(nextUnfinished(imgs, currentId())); }
    else if (e.key === 'd' || e.key === 'D') { e.preventDefault(); void this.toggleDone(); }
  }
}
