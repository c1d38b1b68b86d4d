import { type Alert, keepEnds } from '../engine/alert.js';
import type { Instance } from '../engine/instance.js';

/**
 * DynamoDB refuses items over 400 KB, and a refused write would fail the batch on every retry. An
 * instance's document is kept under this many bytes, leaving room for the item's other attributes.
 */
export const MAX_DOC_BYTES = 300_000;
/** The outbox beside it: the document, the outbox and the keys stay under DynamoDB's 400 KB. */
export const MAX_OUTBOX_BYTES = 90_000;

/**
 * Keeps the alerts waiting in an item's outbox under `maxBytes` by showing fewer timeline rows and
 * trace IDs from the middle of each (counted in `timelineTrimmed` and `traceIdsTrimmed`), so that a
 * chatty instance can always commit and publish its alerts. Trims in place: what is stored is what
 * is published. Alerts already fit an SNS message on their own (the engine bounds them).
 */
export function fitOutbox(pending: Alert[], maxBytes = MAX_OUTBOX_BYTES): void {
  for (const keep of [20, 6, 2, 0]) {
    if (Buffer.byteLength(JSON.stringify(pending)) <= maxBytes) return;
    for (const alert of pending) {
      const timeline = keepEnds(alert.timeline, keep);
      if (timeline.trimmed > 0) {
        alert.timeline = timeline.kept;
        alert.timelineTrimmed = (alert.timelineTrimmed ?? 0) + timeline.trimmed;
      }
      const traces = keepEnds(alert.traceIds, keep);
      if (traces.trimmed > 0) {
        alert.traceIds = traces.kept;
        alert.traceIdsTrimmed = (alert.traceIdsTrimmed ?? 0) + traces.trimmed;
      }
    }
  }
}

/** Timeline rows kept at each end when the middle has to go. */
const KEEP_ROWS = 200;
/** Success times kept per counted step whose count is not known yet. */
const KEEP_HITS = 5_000;
/** Event hashes kept when even a trimmed timeline does not make room: the newest ones. */
const KEEP_SEEN = 15_000;

/**
 * Shrinks an instance that outgrew its item, in order of what matters least: first the middle of
 * the timeline (the first and last events stay, and a note counts what went), then success times of
 * counted steps beyond what any plausible count needs, and last the oldest event hashes, which only
 * makes a very late redelivery of those events count again. State that decides outcomes (done
 * times, counts, fired alerts) is never dropped. Returns the document to write.
 */
export function fitToItemLimit(instance: Instance, maxBytes = MAX_DOC_BYTES): string {
  let doc = JSON.stringify(instance);
  if (Buffer.byteLength(doc) <= maxBytes) return doc;

  if (instance.tl.length > 2 * KEEP_ROWS) {
    const dropped = instance.tl.length - 2 * KEEP_ROWS;
    instance.tl.splice(KEEP_ROWS, dropped);
    instance.tlx = (instance.tlx ?? 0) + dropped;
    note(instance, `timeline trimmed to fit the item: ${instance.tlx} events dropped`);
    doc = JSON.stringify(instance);
    if (Buffer.byteLength(doc) <= maxBytes) return doc;
  }
  for (const [step, times] of Object.entries(instance.hits ?? {})) {
    if (times.length > KEEP_HITS) {
      note(instance, `${step}: only the earliest ${KEEP_HITS} of ${times.length} successes kept`);
      times.length = KEEP_HITS;
    }
  }
  if (instance.seen.length > KEEP_SEEN) {
    const dropped = instance.seen.length - KEEP_SEEN;
    instance.seen.splice(0, dropped);
    note(instance, `${dropped} oldest event IDs forgotten to fit the item`);
  }
  doc = JSON.stringify(instance);
  if (Buffer.byteLength(doc) <= maxBytes) return doc;
  // Only huge single events remain (1 KB texts on a capped timeline): keep the ends of the timeline.
  const cut = Math.max(0, instance.tl.length - 20);
  instance.tl.splice(10, cut);
  instance.tlx = (instance.tlx ?? 0) + cut;
  note(instance, `timeline trimmed to fit the item: ${instance.tlx} events dropped`);
  return JSON.stringify(instance);
}

function note(instance: Instance, text: string): void {
  // Notes replace earlier notes of the same kind, so trimming again does not grow them.
  const kind = text.replace(/\d+/g, '#');
  const notes = (instance.notes ?? []).filter((n) => n.replace(/\d+/g, '#') !== kind);
  notes.push(text);
  instance.notes = notes;
}
