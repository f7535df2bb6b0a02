/**
 * Exclusive locks by name, FIFO per name. Used to serialise operations Proxmox would
 * otherwise fail with lock errors (clones of one template, steps on one guest).
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for every named lock (in sorted order, so two callers cannot deadlock). */
  async acquire(names: readonly string[], signal?: AbortSignal): Promise<() => void> {
    const releases: (() => void)[] = [];
    try {
      for (const name of [...new Set(names)].sort())
        releases.push(await this.acquireOne(name, signal));
    } catch (error) {
      for (const release of releases.reverse()) release();
      throw error;
    }
    return () => {
      for (const release of releases.reverse()) release();
    };
  }

  private async acquireOne(name: string, signal?: AbortSignal): Promise<() => void> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    if (signal) {
      await Promise.race([
        previous,
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      ]).catch((error: unknown) => {
        // Give up our place in the queue without blocking those behind us.
        void previous.then(release);
        throw error;
      });
    } else {
      await previous;
    }
    return release;
  }
}
