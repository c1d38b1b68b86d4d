import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainNativeEvent, parseUtcTimestamp } from '../../src/events/fast-path.js';
import { nativeEventSchema } from '../../src/events/parse.js';

// Values near each field's limits and types, so that both sides of every check are tried.
const text = (max: number) =>
  fc.oneof(
    fc.constant(''),
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.string({ minLength: max - 1, maxLength: max + 1 }),
  );
const anything = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.string(),
  fc.array(fc.integer()),
  fc.object(),
);
const field = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: arb, weight: 12 }, { arbitrary: anything, weight: 1 });

const nativeLike = fc.record(
  {
    eventId: field(text(256)),
    correlationId: field(text(256)),
    workflow: field(fc.constantFrom('order-fulfilment', 'refund')),
    step: field(fc.constantFrom('order.placed', 'refund.approved', 'nope')),
    status: field(fc.constantFrom('succeeded', 'failed', 'started', 'done')),
    time: fc.oneof(fc.constant('2026-11-02T09:00:00Z'), fc.constant(1_793_000_000_000), anything),
    source: field(text(1024)),
    traceId: field(text(1024)),
    attributes: field(fc.dictionary(fc.string(), fc.integer())),
    durationMs: field(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double())),
    coldStart: field(fc.boolean()),
  },
  { requiredKeys: [] },
);

describe('fast paths agree with the full checks', () => {
  it('the native-shape fast path accepts only what the zod schema accepts, as it is', () => {
    let accepted = 0;
    fc.assert(
      fc.property(nativeLike, (o) => {
        const json = JSON.parse(JSON.stringify(o)) as Record<string, unknown>; // as it arrives
        if (!isPlainNativeEvent(json)) return;
        accepted++;
        const zod = nativeEventSchema.safeParse(json);
        expect(zod.success).toBe(true);
        expect(zod.data).toEqual(json);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(100); // the generator does reach the fast path
  });

  it('leaves attributes with an own __proto__ key to zod, which drops that key', () => {
    const json = JSON.parse(
      '{"eventId":"1","correlationId":"c","step":"s","time":1,"attributes":{"__proto__":1,"items":2}}',
    );
    expect(isPlainNativeEvent(json)).toBe(false);
    expect(nativeEventSchema.parse(json).attributes).toEqual({ items: 2 });
  });

  it('the UTC timestamp fast path equals Date.parse wherever it answers', () => {
    const digits = (n: number) =>
      fc.integer({ min: 0, max: 10 ** n - 1 }).map((v) => String(v).padStart(n, '0'));
    const stamp = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), fc.option(digits(3)))
      .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${ms === null ? '' : `.${ms}`}Z`);
    fc.assert(
      fc.property(fc.oneof(stamp, fc.string()), (s) => {
        const fast = parseUtcTimestamp(s);
        if (!Number.isNaN(fast)) expect(fast).toBe(Date.parse(s));
      }),
      { numRuns: 5000 },
    );
    expect(parseUtcTimestamp('2028-02-29T23:59:59.999Z')).toBe(Date.parse('2028-02-29T23:59:59.999Z'));
    expect(parseUtcTimestamp('2026-02-29T00:00:00Z')).toBeNaN();
    expect(parseUtcTimestamp('2026-11-02T09:00:00+01:00')).toBeNaN(); // offsets take the full path
  });
});
