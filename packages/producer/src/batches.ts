/**
 * Splits items into batches of at most `maxItems` and at most `maxBytes` (by `sizeOf`), in order,
 * as AWS batch APIs take them. An item bigger than `maxBytes` on its own gets a batch of its own.
 */
export function* batches<T>(
  items: Iterable<T>,
  maxItems: number,
  maxBytes: number,
  sizeOf: (item: T) => number,
): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (batch.length === maxItems || (batch.length > 0 && bytes + size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
