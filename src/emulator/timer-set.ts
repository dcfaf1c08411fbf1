/** The longest delay setTimeout takes (about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Every timer the emulator starts goes through here, so `stop()`/reset can cancel all of them
 * and tests never hang on a pending retry.
 */
export class TimerSet {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();

  /** Runs `fn` after `ms` unless cleared first. */
  after(ms: number, fn: () => void): void {
    // Node fires a longer timeout at once: wait in steps (a send_at weeks ahead).
    if (ms > MAX_TIMEOUT_MS) {
      this.after(MAX_TIMEOUT_MS, () => this.after(ms - MAX_TIMEOUT_MS, fn));
      return;
    }
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, ms);
    this.timers.set(handle, () => {});
  }

  /** Resolves `true` after `ms`, or `false` as soon as the set is cleared. */
  delay(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const handle = setTimeout(() => {
        this.timers.delete(handle);
        resolve(true);
      }, ms);
      this.timers.set(handle, () => resolve(false));
    });
  }

  /** Cancels every pending timer; pending `delay()` promises resolve `false`. */
  clearAll(): void {
    for (const [handle, onCancel] of this.timers) {
      clearTimeout(handle);
      onCancel();
    }
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}
