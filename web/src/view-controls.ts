/**
 * The view bar over the stage: zoom out / level / in, fit, 1:1, fills or outlines, opacity; and
 * their keys, registered in the page's keymap (so the `?` sheet lists them).
 */
import { plainKey, type Keymap } from './keymap.js';
import { maskStyle } from './mask-style.js';
import type { Viewer } from './viewer.js';
import { zoomPercent } from './viewport.js';

function button(id: string, text: string, title: string, run: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = 'btn ghost small';
  b.id = id;
  b.textContent = text;
  b.title = title;
  // A click must not leave the focus on the button (Enter and space then belong to the image).
  b.addEventListener('click', () => { run(); b.blur(); });
  return b;
}

export function mountViewControls(viewer: Viewer, keymap: Keymap, redrawMasks: () => void): void {
  const z = viewer.zoom;
  const bar = document.createElement('div');
  bar.className = 'view-controls';
  bar.id = 'view-controls';
  const level = document.createElement('span');
  level.id = 'zoom-level';
  level.className = 'zoom-level';
  level.title = 'Zoom: 100% is one image pixel per screen pixel';
  const style = button('mask-style', '', 'Masks as fills or outlines (V)', () => maskStyle.toggleOutline());
  const opacity = document.createElement('input');
  opacity.type = 'range';
  opacity.id = 'mask-opacity';
  opacity.min = '0';
  opacity.max = '1';
  opacity.step = '0.05';
  opacity.title = 'Mask fill opacity';
  opacity.addEventListener('input', () => maskStyle.set({ opacity: Number(opacity.value) }));
  opacity.addEventListener('change', () => opacity.blur());
  bar.append(
    button('zoom-out', '−', 'Zoom out (-)', () => z.zoomOut()), level, button('zoom-in', '+', 'Zoom in (+)', () => z.zoomIn()),
    button('zoom-fit', 'Fit', 'Fit the image (F)', () => z.fitImage()), button('zoom-1', '1:1', 'One image pixel per screen pixel (0)', () => z.oneToOne()),
    style, opacity,
  );
  viewer.stage.append(bar);
  const showStyle = (): void => {
    style.textContent = maskStyle.state.outline ? 'Outlines' : 'Fills';
    style.setAttribute('aria-pressed', String(maskStyle.state.outline));
    opacity.value = String(maskStyle.state.opacity);
    opacity.disabled = maskStyle.state.outline;
  };
  showStyle();
  maskStyle.onChange(() => { showStyle(); redrawMasks(); });
  const showLevel = (): void => { level.textContent = `${zoomPercent(z.view, window.devicePixelRatio || 1)}%`; };
  z.onChange(showLevel);
  showLevel();

  const prevent = (run: () => void) => (e: KeyboardEvent): void => { e.preventDefault(); run(); };
  keymap.add('View',
    { keys: [['(Wheel)'], ['(Pinch)'], ['Ctrl', '(wheel)']], text: 'Zoom at the pointer' },
    { keys: [['Space', '(drag)'], ['(Middle drag)']], text: 'Pan' },
    { keys: [['+'], ['=']], text: 'Zoom in', match: plainKey('+', '='), run: prevent(() => z.zoomIn()) },
    { keys: [['-']], text: 'Zoom out', match: plainKey('-'), run: prevent(() => z.zoomOut()) },
    { keys: [['F']], text: 'Fit the image', match: plainKey('f'), run: prevent(() => z.fitImage()) },
    { keys: [['0']], text: 'Zoom 1:1 (one image pixel per screen pixel)', match: plainKey('0'), run: prevent(() => z.oneToOne()) },
    { keys: [['V']], text: 'Masks as fills or outlines', match: plainKey('v'), run: prevent(() => maskStyle.toggleOutline()) },
  );
}
