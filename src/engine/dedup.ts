import { shortHash } from './hash.js';
import type { Instance } from './instance.js';

/** Recognising redelivered events: what an instance remembers of the eventIds it has seen. */

// Dedup stays O(1) per event for instances with many events: past SMALL hashes, a Set is built
// once per instance object and kept on a non-enumerable symbol property that JSON does not see.
// Below that, a scan of a short array is faster than a Set and allocates nothing.
const SMALL = 32;

const SEEN = Symbol('seen');

type WithSeen = Instance & { [SEEN]?: Set<string> };

export function hasSeen(instance: WithSeen, hash: string): boolean {
  if (instance.seen.length <= SMALL) return instance.seen.includes(hash);
  let set = instance[SEEN];
  if (!set) {
    set = new Set(instance.seen);
    Object.defineProperty(instance, SEEN, { value: set, enumerable: false });
  }
  return set.has(hash);
}

export function markSeen(instance: WithSeen, hash: string): void {
  instance.seen.push(hash);
  instance[SEEN]?.add(hash);
}

/** What an instance remembers of an eventId; callers that check for duplicates first pass it on. */
export const eventHash = shortHash;

/** True when this event was already folded into the instance (same eventId hash). */
export function isDuplicate(instance: Instance | undefined, hash: string): boolean {
  return instance !== undefined && hasSeen(instance, hash);
}
