/**
 * The label of the next object: chosen for each object (a class key, a class button, or typed),
 * cleared once an object is accepted so it never carries over silently, and always stated under the
 * field, an empty label included. Enter in the field accepts and gives the keys back to the image.
 */
import { classList, type ProjectClass } from './class-list.js';
import { $ } from './dom.js';

export class LabelFlow {
  readonly input = $<HTMLInputElement>('label-input');
  private readonly line: HTMLElement;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly image: HTMLElement) {
    this.line = document.createElement('div');
    this.line.id = 'label-state';
    this.line.className = 'label-state';
    this.line.setAttribute('aria-live', 'polite');
    this.input.closest('.accept-row')?.after(this.line);
    this.input.addEventListener('input', () => this.changed());
    classList.onChange(() => this.changed());
    this.changed();
  }

  onChange(fn: () => void): void { this.listeners.push(fn); }

  get value(): string { return this.input.value.trim(); }

  choose(c: ProjectClass): void {
    this.input.value = c.name;
    this.changed();
  }

  /** After an object is accepted: the next one starts without a label. */
  clear(): void {
    this.input.value = '';
    this.changed();
  }

  /** Keys belong to the image again (after Enter or Esc in the field, or the Accept button). */
  focusImage(): void {
    if (document.activeElement instanceof HTMLElement && document.activeElement !== this.image) document.activeElement.blur();
    this.image.focus({ preventScroll: true });
  }

  /** How an accepted object's label reads in the status line. */
  static describe(label: string): string {
    return label ? `“${label}”` : 'an object with no label';
  }

  private changed(): void {
    const label = this.value;
    this.line.replaceChildren();
    this.line.classList.toggle('none', !label);
    if (!label) {
      this.line.textContent = classList.list.length
        ? 'No label: the next object is saved without one. Pick a class (1-9) or type a label.'
        : 'No label: the next object is saved without one. Type a label to give it one.';
    } else {
      const c = classList.byName(label);
      if (c) {
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = c.color;
        this.line.append(sw, `Label: ${label}${c.hotkey ? ` (class, key ${c.hotkey})` : ' (class)'}`);
      } else {
        this.line.append(`Label: ${label}${classList.list.length ? ' (not a project class)' : ''}`);
      }
    }
    for (const fn of this.listeners) fn();
  }
}
