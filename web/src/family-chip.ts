/** The decoder chip's note on a model family other than the official export: where its prompts decode, and why. */
import type { DecoderStart } from './worker-protocol.js';

export function familyChip(family: DecoderStart['family']): string {
  return family ? ` · ${family.id} ${family.via === 'page' ? 'in page' : 'on server'}` : '';
}

export function familyTitle(family: DecoderStart['family']): string {
  if (!family) return '';
  return family.via === 'page'
    ? `\nModel family ${family.id}: its own decoder graph runs in this browser.`
    : `\nModel family ${family.id}: prompts decode on the server (${family.reason ?? 'its decoder graph cannot run in this browser'}).`;
}
