/**
 * A binary min-heap ordered by a number, ties broken by a caller-supplied order. Keys live in their
 * own array so that most comparisons are one float compare, with no call.
 */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];

  constructor(private readonly tieBefore: (a: T, b: T) => boolean) {}

  peek(): T | undefined {
    return this.items[0];
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  private before(i: number, j: number): boolean {
    const a = this.keys[i] as number;
    const b = this.keys[j] as number;
    return a < b || (a === b && this.tieBefore(this.items[i] as T, this.items[j] as T));
  }

  private swap(i: number, j: number): void {
    const { keys, items } = this;
    const k = keys[i] as number;
    keys[i] = keys[j] as number;
    keys[j] = k;
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  }

  push(key: number, item: T): void {
    this.keys.push(key);
    this.items.push(item);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): T | undefined {
    const { keys, items } = this;
    const top = items[0];
    const lastKey = keys.pop();
    const last = items.pop();
    if (items.length === 0 || last === undefined || lastKey === undefined) return top;
    keys[0] = lastKey;
    items[0] = last;
    const n = items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.before(l, m)) m = l;
      if (r < n && this.before(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}
