/**
 * Decoded pixels cost 3 bytes each whatever the file's size (a 12 KB PNG can be 100 MP): the images
 * decoded at the same time share a budget, and a decode waits until its image fits.
 */
/** A counting semaphore over pixels: decodes wait until their image fits the budget. */
export class PixelBudget {
  private used = 0;
  private readonly waiting: Array<{ pixels: number; go: () => void }> = [];

  constructor(readonly total: number) {}

  async run<T>(pixels: number, work: () => Promise<T>): Promise<T> {
    const need = Math.min(pixels, this.total); // one image of the whole budget may run alone
    if (this.used + need > this.total || this.waiting.length) {
      await new Promise<void>((go) => this.waiting.push({ pixels: need, go })); // wake() reserved it
    } else {
      this.used += need;
    }
    try {
      return await work();
    } finally {
      this.used -= need;
      this.wake();
    }
  }

  private wake(): void {
    while (this.waiting.length && this.used + this.waiting[0].pixels <= this.total) {
      const next = this.waiting.shift()!;
      this.used += next.pixels;
      next.go();
    }
  }
}
