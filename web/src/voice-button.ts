/**
 * Push-to-talk for the Find box: hold the microphone button (or the T key) and say what to find;
 * on release the recording goes to POST /api/transcribe as a 16 kHz mono WAV, the transcript is
 * shown, and Find runs with it. The phrases the server may hear are the Find box's phrase list (as
 * it was before speech replaced it) plus the project's classes, which the server adds itself.
 */
import { plainKey, type Keymap } from './keymap.js';
import { MicRecorder } from './mic-recorder.js';
import { speechWav } from './wav-encode.js';

export interface VoiceHost {
  /** The Find box's text input. */
  input: HTMLInputElement;
  /** Run Find with the input's text. */
  find(): void;
  /** Where the T (hold to talk) key is bound and listed on the shortcut sheet. */
  keymap?: Keymap;
}

interface TranscribeAnswer { transcript?: string; prompt?: string; phrases?: string[]; error?: string }

/** Shorter holds are taken as a slip (a click), not speech. */
const MIN_SECONDS = 0.3;

export function mountVoiceButton(host: VoiceHost): HTMLElement {
  const button = Object.assign(document.createElement('button'), {
    id: 'voice-button', type: 'button', className: 'btn voice',
    title: 'Hold to say what to find (or hold T); release to find it',
  });
  // An inline microphone (emoji fonts are missing on many Linux desktops).
  button.innerHTML = '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><rect x="9" y="3" width="6" height="11" rx="3" fill="currentColor"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3M8 21h8"/></svg>';
  button.setAttribute('aria-label', 'Push to talk');
  const heard = Object.assign(document.createElement('div'), { id: 'voice-status', className: 'muted small' });
  host.input.insertAdjacentElement('afterend', button);
  (host.input.closest('.row') ?? host.input).insertAdjacentElement('afterend', heard);

  const recorder = new MicRecorder();
  let starting: Promise<void> | null = null;
  let pressedAt = 0;
  // The phrase list the last spoken prompt was chosen from, while the box still shows that prompt.
  let vocabulary: { phrases: string; prompt: string } | null = null;

  const show = (text: string, state: 'idle' | 'listening' | 'busy' | 'error' = 'idle'): void => {
    heard.textContent = text;
    button.dataset.state = state;
  };
  void fetch('/api/transcribe').then((r) => r.json() as Promise<{ available?: boolean; asr?: string }>).then((caps) => {
    if (caps.available === false) { button.disabled = true; button.title = `speech recognition (${caps.asr}) is not installed on the server`; }
  }, () => undefined);

  const press = (): void => {
    if (starting || recorder.recording || button.disabled) return;
    pressedAt = performance.now();
    show('Listening… release to find', 'listening');
    starting = recorder.start().catch((err: unknown) => {
      const e = err as Error;
      show(e.name === 'NotAllowedError' ? 'The microphone is blocked: allow it for this page.' : `Cannot record: ${e.message}`, 'error');
      throw err;
    });
  };

  const release = async (): Promise<void> => {
    if (!starting) return;
    const started = starting;
    starting = null;
    try { await started; } catch { return; }
    const rec = await recorder.stop();
    const seconds = rec.channels[0].length / rec.sampleRate;
    if (performance.now() - pressedAt < MIN_SECONDS * 1000 || seconds < MIN_SECONDS) { show('Hold the button while you speak.', 'idle'); return; }
    const typed = host.input.value.trim();
    const phrases = vocabulary && typed === vocabulary.prompt ? vocabulary.phrases : typed;
    show(`Recognising ${seconds.toFixed(1)} s of speech…`, 'busy');
    try {
      const wav = speechWav(rec.channels, rec.sampleRate);
      const res = await fetch(`/api/transcribe?phrases=${encodeURIComponent(phrases)}`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: new Blob([wav], { type: 'audio/wav' }) });
      const body = await res.json() as TranscribeAnswer;
      if (!res.ok || !body.prompt) throw new Error(body.error ?? `HTTP ${res.status}`);
      show(`Heard: “${body.transcript ?? body.prompt}”`, 'idle');
      heard.dataset.transcript = body.transcript ?? '';
      vocabulary = phrases ? { phrases, prompt: body.prompt } : null;
      host.input.value = body.prompt;
      host.find();
    } catch (err) {
      show(`Not recognised: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  };

  // Typing a new query makes the last transcript stale.
  host.input.addEventListener('input', () => { if (button.dataset.state !== 'busy') show('', 'idle'); });
  button.addEventListener('pointerdown', (e) => { if (e.button === 0) { button.setPointerCapture(e.pointerId); press(); } });
  button.addEventListener('pointerup', () => void release());
  button.addEventListener('pointercancel', () => void release());
  button.addEventListener('contextmenu', (e) => e.preventDefault());
  host.keymap?.add('Find', {
    keys: [['T'], ['(hold the microphone button)']], text: 'Hold to say what to find; release to find it',
    match: plainKey('t'), run: (e) => { e.preventDefault(); if (!e.repeat) press(); },
  });
  window.addEventListener('keyup', (e) => { if (e.key === 't' || e.key === 'T') void release(); });
  window.addEventListener('blur', () => void release());
  return button;
}
