/** Saves annotation documents one at a time per image, always the newest, retrying while offline. */
import type { AnnotationObject } from '../../src/server/protocol.js';
import { api, UnreachableError } from './api.js';
import { sleep } from './dom.js';

export type SaveState = 'saving' | 'saved' | 'offline' | 'error';

export class Saver {
  private readonly pending = new Map<string, AnnotationObject[]>();
  private running: Promise<void> | null = null;

  constructor(private readonly onStatus: (state: SaveState, message?: string) => void) {}

  schedule(imageId: string, objects: AnnotationObject[]): void {
    this.pending.set(imageId, objects);
    this.running ??= this.loop().finally(() => { this.running = null; });
  }

  private async loop(): Promise<void> {
    while (this.pending.size) {
      const [id, objects] = this.pending.entries().next().value as [string, AnnotationObject[]];
      this.pending.delete(id);
      this.onStatus('saving');
      try {
        await api.saveAnnotations(id, objects);
        if (!this.pending.size) this.onStatus('saved');
      } catch (err) {
        if (err instanceof UnreachableError) {
          if (!this.pending.has(id)) this.pending.set(id, objects);
          this.onStatus('offline');
          await sleep(2000);
        } else {
          this.onStatus('error', (err as Error).message);
        }
      }
    }
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
  }
}
