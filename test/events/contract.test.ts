import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nativeEventProblem, parseUtcTimestamp } from '../../packages/producer/src/contract.js';

/**
 * contract §1's native shape written independently in zod, as an oracle for the contract's
 * hand-written check (which has no dependencies, so that it can ship in overdue-producer).
 */
const oracle = z.looseObject({
  eventId: z.string().min(1).max(256),
  correlationId: z.union([z.string().min(1).max(256), z.number().int().refine(Number.isSafeInteger)]),
  workflow: z.string().min(1).max(256).optional(),
  step: z.string().min(1).max(256),
  status: z.enum(['succeeded', 'failed', 'started']).optional(),
  time: z.unknown().optional(),
  source: z.string().max(1024).optional(),
  traceId: z.string().max(1024).optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  error: z
    .union([z.string(), z.looseObject({ name: z.string().optional(), message: z.string().optional() })])
    .optional(),
  durationMs: z.number().nonnegative().optional(),
  coldStart: z.boolean().optional(),
});

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
    correlationId: field(fc.oneof(text(256), fc.integer(), fc.double())),
    workflow: field(fc.constantFrom('order-fulfilment', 'refund')),
    step: field(fc.constantFrom('order.placed', 'refund.approved', 'nope')),
    status: field(fc.constantFrom('succeeded', 'failed', 'started', 'done')),
    time: fc.oneof(fc.constant('2026-11-02T09:00:00Z'), fc.constant(1_793_000_000_000), anything),
    source: field(text(1024)),
    traceId: field(text(1024)),
    attributes: field(fc.dictionary(fc.string(), fc.integer())),
    durationMs: field(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double())),
    error: field(
      fc.oneof(fc.string(), fc.record({ name: fc.string(), message: fc.oneof(fc.string(), fc.integer()) })),
    ),
    coldStart: field(fc.boolean()),
  },
  { requiredKeys: [] },
);

describe('the event contract agrees with an independent schema', () => {
  it('accepts exactly what the zod oracle accepts, as events arrive (JSON)', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(nativeLike, (o) => {
        const json = JSON.parse(JSON.stringify(o)) as Record<string, unknown>; // as it arrives
        const ours = nativeEventProblem(json) === undefined;
        expect(ours).toBe(oracle.safeParse(json).success);
        if (ours) accepted++;
        else refused++;
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(50); // the generator reaches both sides
    expect(refused).toBeGreaterThan(100);
  });

  it('says which field is wrong and how', () => {
    expect(nativeEventProblem({ step: 's', eventId: 'e' })).toBe(
      'not a valid telemetry event: correlationId is missing',
    );
    expect(nativeEventProblem({ eventId: 'e', correlationId: 1.5, step: 's' })).toMatch(
      /correlationId: a numeric ID must be a whole number/,
    );
    expect(nativeEventProblem({ eventId: 'e', correlationId: 'c', step: 's', durationMs: -1 })).toMatch(
      /durationMs: expected a finite number/,
    );
    expect(nativeEventProblem({ eventId: 'e', correlationId: 'c', step: 's', status: 'done' })).toMatch(
      /status: expected one of succeeded, failed, started/,
    );
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
