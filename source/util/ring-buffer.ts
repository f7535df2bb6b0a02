/** Keeps the last `capacity` items; older ones fall out. */
export class RingBuffer<T> {
  private items: T[] = [];
  private start = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The last `count` items, oldest first. */
  last(count: number = this.capacity): T[] {
    const ordered =
      this.items.length < this.capacity
        ? this.items
        : [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
    return count >= ordered.length ? [...ordered] : ordered.slice(ordered.length - count);
  }

  get size(): number {
    return this.items.length;
  }
}
