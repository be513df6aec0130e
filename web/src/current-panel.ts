/** The "current mask" panel: the shown mask's score and prompt, the selected automatic mask, and the three candidates. */
import { preprocessShape } from '../../src/core/transforms.js';
import type { ModelInfo } from '../../src/server/protocol.js';
import type { AutoMasks } from './auto-masks.js';
import { $, fmtInt, plane } from './dom.js';
import type { Loaded, Mode, Shown } from './page-types.js';
import type { PromptSession } from './prompt-session.js';

export interface CurrentPanelDeps {
  mode: () => Mode;
  loaded: () => Loaded | null;
  model: () => ModelInfo | null;
  prompt: PromptSession;
  auto: AutoMasks;
  choose: (n: number) => void;
}

export function renderCurrentPanel(deps: CurrentPanelDeps): void {
  const stats = $('current-stats');
  const hint = $('current-hint');
  const accept = $<HTMLButtonElement>('accept-button');
  const cands = $('candidates');
  const loaded = deps.loaded();
  const mode = deps.mode();
  if (mode === 'everything') {
    const a = deps.auto.state;
    const r = a && a.selected >= 0 ? a.records[a.selected] : null;
    cands.hidden = true;
    accept.disabled = !r;
    if (r) {
      stats.hidden = false;
      hint.hidden = true;
      stats.innerHTML = `<span title="predicted IoU (model output ${r.predicted_iou.toFixed(3)}; an IoU is at most 1)">IoU <b>${Math.min(1, r.predicted_iou).toFixed(3)}</b></span><span>stability <b>${r.stability_score.toFixed(3)}</b></span><span><b>${fmtInt(r.area)}</b> px</span>`;
    } else {
      stats.hidden = true;
      hint.hidden = false;
      hint.textContent = a ? 'Click a mask to select it.' : 'Generate masks, then click one to select it.';
    }
    return;
  }
  const prompt = deps.prompt;
  const shown = prompt.shown;
  accept.disabled = !shown || !loaded?.ready;
  if (!shown) {
    stats.hidden = true;
    cands.hidden = true;
    hint.hidden = false;
    hint.textContent = !loaded ? 'Open an image first.' : prompt.steps.length ? 'Decoding…' : mode === 'hover' ? 'Hover over the image to see the object under the pointer.' : mode === 'box' ? 'Drag a box around an object.' : 'Click on an object.';
    return;
  }
  hint.hidden = true;
  stats.hidden = false;
  // Describe the prompt the shown mask came from (a newer one may still be decoding).
  const pts = shown.labels.length;
  const what = shown === prompt.preview ? 'hover' : `${pts ? `${pts} point${pts === 1 ? '' : 's'}` : ''}${shown.box ? `${pts ? ' + ' : ''}box` : ''}`;
  // The score is the decoder's predicted IoU, which can exceed 1: shown clamped, the raw value on hover.
  const score = shown.result.scores[shown.token];
  stats.innerHTML = `<span title="predicted IoU (model output ${score.toFixed(3)}; an IoU is at most 1)">score <b>${Math.min(1, score).toFixed(3)}</b></span><span>${what}</span><span class="muted" title="decoder ${shown.result.decodeMs.toFixed(0)} ms (${shown.result.graph} graph${shown.result.kernelThreads ? `, ${shown.result.kernelThreads} threads` : ''})">${shown.result.totalMs.toFixed(0)} ms</span>`;
  if (mode === 'candidates' && prompt.current && loaded) renderCandidates(prompt.current, loaded, deps.model(), deps.choose);
  else cands.hidden = true;
}

/** Thumbnails of the three multimask candidates, sampled from their low-res logits. */
function renderCandidates(shown: Shown, loaded: Loaded, model: ModelInfo | null, choose: (n: number) => void): void {
  const cands = $('candidates');
  cands.hidden = false;
  cands.replaceChildren();
  const { info, bitmap } = loaded;
  const tw = 96;
  const th = Math.max(1, Math.round((tw * info.height) / info.width));
  const inputSize = model?.inputSize ?? 1024;
  const resized = preprocessShape({ width: info.width, height: info.height }, { inputSize, resize: model?.resize });
  const low = model?.maskInputSize ?? 256;
  for (let t = 1; t <= 3; t++) {
    const btn = document.createElement('button');
    btn.className = 'candidate';
    btn.setAttribute('aria-pressed', String(shown.token === t));
    btn.title = `Candidate ${t} (${t})`;
    const c = document.createElement('canvas');
    c.width = tw;
    c.height = th;
    const g = c.getContext('2d')!;
    if (bitmap) g.drawImage(bitmap, 0, 0, tw, th);
    const img = g.getImageData(0, 0, tw, th);
    const logits = plane(shown.result.logits, t);
    // Sample the low-res logits over the part that covers the image (the rest is padding).
    const lw = (low * resized.width) / inputSize;
    const lh = (low * resized.height) / inputSize;
    for (let y = 0; y < th; y++) {
      const ly = Math.min(low - 1, Math.floor(((y + 0.5) * lh) / th));
      for (let x = 0; x < tw; x++) {
        const lx = Math.min(low - 1, Math.floor(((x + 0.5) * lw) / tw));
        const p = (y * tw + x) * 4;
        if (logits[ly * low + lx] > 0) {
          img.data[p] = img.data[p] * 0.4 + 30 * 0.6;
          img.data[p + 1] = img.data[p + 1] * 0.4 + 144 * 0.6;
          img.data[p + 2] = img.data[p + 2] * 0.4 + 255 * 0.6;
        } else {
          img.data[p] *= 0.55; img.data[p + 1] *= 0.55; img.data[p + 2] *= 0.55;
        }
      }
    }
    g.putImageData(img, 0, 0);
    const label = document.createElement('span');
    label.textContent = `${t} · ${shown.result.scores[t].toFixed(3)}`;
    btn.append(c, label);
    btn.addEventListener('click', () => choose(t));
    cands.append(btn);
  }
}
