/** Small page helpers shared by the page's modules. */
export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const fmtInt = (n: number): string => n.toLocaleString('en-US');

export function newId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** One token's low-res logits out of the decoder's stacked planes. */
export function plane(logits: Float32Array, token: number, size = 256 * 256): Float32Array {
  return logits.subarray(token * size, (token + 1) * size);
}

/** Whether a key event's target is a text field (mode keys must never type into it). */
export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}
