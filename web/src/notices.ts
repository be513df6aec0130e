/** What the page tells the user: status line, chips, the message banner, the loading overlay and page state. */
import { api, UnreachableError } from './api.js';
import { $ } from './dom.js';
import type { SaveState } from './saver.js';

export type ChipKind = 'ok' | 'warn' | 'bad';

export class Notices {
  private healthTimer: number | null = null;

  setChip(id: string, text: string, kind?: ChipKind): void {
    const el = $(id);
    el.hidden = false;
    el.textContent = text;
    el.className = `chip${kind ? ` ${kind}` : ''}`;
  }

  setSaveStatus(state: SaveState, message?: string): void {
    if (state === 'saving') this.setChip('chip-save', 'Saving…');
    else if (state === 'saved') {
      this.setChip('chip-save', 'All changes saved', 'ok');
      if ($('banner').dataset.kind === 'offline') $('banner').hidden = true;
    } else if (state === 'offline') {
      this.setChip('chip-save', 'Not saved · offline', 'bad');
      this.showError(new UnreachableError(), 'offline');
    } else {
      this.setChip('chip-save', 'Not saved', 'bad');
      this.showError(`Annotations could not be saved: ${message ?? ''}`);
    }
  }

  status(text: string): void {
    $('status-text').textContent = text;
  }

  showError(err: unknown, kind = 'error'): void {
    const raw = typeof err === 'string' ? err : err instanceof Error ? err.message : String(err);
    // An error without a message (a bare DOMException, a worker that died) still says what it was.
    const message = raw.trim() !== '' ? raw : `an unexpected ${err instanceof Error && err.name ? err.name : 'error'} with no message (see the browser console)`;
    if (raw.trim() === '') console.error('samkit: error without a message', err);
    const banner = $('banner');
    banner.className = 'banner';
    banner.dataset.kind = err instanceof UnreachableError ? 'offline' : kind;
    $('banner-text').textContent = message.charAt(0).toUpperCase() + message.slice(1);
    banner.hidden = false;
    if (err instanceof UnreachableError) this.watchHealth();
  }

  showInfo(message: string): void {
    const banner = $('banner');
    banner.className = 'banner info';
    banner.dataset.kind = 'info';
    $('banner-text').textContent = message;
    banner.hidden = false;
  }

  hideBanner(): void {
    $('banner').hidden = true;
  }

  /** While the server is unreachable, poll it and clear the message once it answers. */
  private watchHealth(): void {
    if (this.healthTimer !== null) return;
    this.healthTimer = window.setInterval(() => {
      api.health().then(() => {
        if (this.healthTimer !== null) clearInterval(this.healthTimer);
        this.healthTimer = null;
        if ($('banner').dataset.kind === 'offline') $('banner').hidden = true;
      }, () => undefined);
    }, 2000);
  }

  setOverlay(text: string | null, sub = '', progress?: { to: number; ms: number }): void {
    const overlay = $('overlay');
    if (text === null) { overlay.hidden = true; return; }
    overlay.hidden = false;
    $('overlay-text').textContent = text;
    $('overlay-sub').textContent = sub;
    const bar = $('overlay-bar');
    if (progress) {
      // A CSS transition animates the estimate; nothing redraws from script.
      bar.style.transition = 'none';
      bar.style.width = bar.dataset.from ?? '0%';
      void bar.offsetWidth;
      bar.style.transition = `width ${progress.ms}ms cubic-bezier(.2,.6,.4,1)`;
      bar.style.width = `${Math.round(progress.to * 100)}%`;
      bar.dataset.from = bar.style.width;
    }
  }

  /**
   * The page's state, and with 'ready' the image that is ready (`data-ready-image`): a move sets the
   * URL hash before the new open starts, so 'ready' alone can still be the last image's.
   */
  setState(state: 'empty' | 'loading' | 'ready' | 'error', readyImage: string | null = null): void {
    document.body.dataset.state = state;
    if (state === 'ready' && readyImage) document.body.dataset.readyImage = readyImage;
    else delete document.body.dataset.readyImage;
  }
}
