import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../src/engine/transition.js';
import { fitToItemLimit } from '../../src/store/item-limit.js';
import { orderConfig, T0 } from '../helpers.js';

const model = orderConfig().workflows.get('order');
if (!model) throw new Error('order workflow missing');

/** An instance that saw `n` failed payment attempts: a retry storm. */
function storm(n: number) {
  let instance = applyEvent(
    undefined,
    {
      eventId: 'p',
      correlationId: 'o-1',
      workflow: 'order',
      step: 'placed',
      status: 'succeeded',
      time: T0,
      attributes: { items: 1 },
    },
    model as never,
    T0,
  ).instance;
  for (let i = 0; i < n; i++) {
    instance = applyEvent(
      instance,
      {
        eventId: `attempt-${i}`,
        correlationId: 'o-1',
        workflow: 'order',
        step: 'paid',
        status: 'failed',
        time: T0 + i,
        source: 'payments-service',
        error: 'CardDeclined: insufficient funds on the card ending 4242',
      },
      model as never,
      T0 + i,
    ).instance;
  }
  return instance;
}

describe('fitToItemLimit', () => {
  it('leaves an instance that fits untouched', () => {
    const instance = storm(10);
    const before = JSON.stringify(instance);
    expect(fitToItemLimit(instance)).toBe(before);
  });

  it('drops the middle of a huge timeline, keeps both ends and every decision, and says so', () => {
    const instance = storm(5_000);
    const doc = fitToItemLimit(instance, 300_000);
    expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(300_000);
    const kept = JSON.parse(doc);
    expect(kept.tl[0][0]).toBe('placed');
    expect(kept.tl.at(-1)[2]).toBe(T0 + 4_999);
    expect(kept.done).toEqual({ placed: T0 });
    expect(kept.seen).toHaveLength(5_001); // redeliveries are still recognised
    expect(kept.notes).toEqual([`timeline trimmed to fit the item: ${5_001 - 400} events dropped`]);
  });

  it('counts what was dropped across repeated trims', () => {
    const instance = storm(5_000);
    fitToItemLimit(instance, 300_000);
    for (let i = 0; i < 3_000; i++) instance.tl.push(instance.tl.at(-1) as never);
    fitToItemLimit(instance, 300_000);
    expect(instance.notes).toEqual([`timeline trimmed to fit the item: ${4_601 + 3_000} events dropped`]);
  });

  it('forgets the oldest event IDs only when even a trimmed timeline does not fit', () => {
    const instance = storm(30_000);
    const doc = fitToItemLimit(instance, 300_000);
    expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(300_000);
    expect(instance.seen).toHaveLength(15_000);
    expect(instance.seen.at(-1)).toBeDefined();
    expect(instance.notes).toContain('15001 oldest event IDs forgotten to fit the item');
  });
});
