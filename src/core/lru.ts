/**
 * A map that keeps at most `capacity` entries, dropping the least recently used one when full: for
 * per-image state prepared ahead (a decoder's per-image tensors for the current, next and previous
 * image), where memory must stay bounded and a lookup must never return another key's value.
 */
import { InvalidArgumentError } from './errors.js';

function checkCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidArgumentError(`LruMap capacity must be a positive integer, got ${capacity}`);
  return capacity;
}

export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();
  private cap: number;

  /** `evicted` is told about every entry dropped to make room (not about delete() or replaced values). */
  constructor(capacity: number, private readonly evicted?: (key: K, value: V) => void) {
    this.cap = checkCapacity(capacity);
  }

  get capacity(): number {
    return this.cap;
  }

  /** Change the capacity; shrinking drops the least recently used entries beyond it. */
  setCapacity(capacity: number): void {
    this.cap = checkCapacity(capacity);
    this.trim();
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const v = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  /** The value without marking it used. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Insert or replace as the most recently used, then drop the oldest entries beyond capacity. */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    this.trim();
    return this;
  }

  private trim(): void {
    while (this.entries.size > this.cap) {
      const [k, v] = this.entries.entries().next().value as [K, V];
      this.entries.delete(k);
      this.evicted?.(k, v);
    }
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Keys from least to most recently used. */
  keys(): K[] {
    return [...this.entries.keys()];
  }
}
