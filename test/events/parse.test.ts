import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../src/events/parse.js';
import { loadWorkflowFile } from '../../src/workflow/load.js';

const config = loadWorkflowFile('examples/workflows.yml');
const parse = (value: unknown) =>
  parseEvent(typeof value === 'string' ? value : JSON.stringify(value), config);

/** A minimal CloudEvents 1.0 structured event for the user.registered step. */
const CLOUD_EVENT = {
  specversion: '1.0',
  id: 'ce-1',
  type: 'user.registered',
  source: '/identity',
  time: '2026-11-02T09:00:00Z',
  subject: 'u-1',
};

describe('event envelopes', () => {
  it('reads the native shape, with defaults and the producer fields', () => {
    const result = parse({
      eventId: 'e1',
      correlationId: 'o-17',
      workflow: 'order-fulfilment',
      step: 'payment.authorized',
      time: '2026-11-02T10:00:00.250+01:00',
      source: 'payments',
      traceId: '1-abc',
      attributes: { amount: 12 },
      durationMs: 812,
      coldStart: true,
    });
    expect(result).toEqual({
      ok: true,
      event: {
        eventId: 'e1',
        correlationId: 'o-17',
        workflow: 'order-fulfilment',
        step: 'payment.authorized',
        status: 'succeeded',
        time: Date.parse('2026-11-02T09:00:00.250Z'),
        source: 'payments',
        traceId: '1-abc',
        attributes: { amount: 12 },
        durationMs: 812,
        coldStart: true,
      },
    });
  });

  it('accepts epoch milliseconds and keeps a failed attempt’s error as text', () => {
    const result = parse({
      eventId: 'e1',
      correlationId: 'o-17',
      step: 'payment.authorized',
      status: 'failed',
      time: 1_793_000_000_000,
      error: { name: 'CardDeclined', message: 'insufficient funds', stack: 'x' },
    });
    expect(result).toMatchObject({
      ok: true,
      event: {
        time: 1_793_000_000_000,
        status: 'failed',
        error: 'CardDeclined: insufficient funds',
        workflow: 'order-fulfilment',
      },
    });
  });

  it('reads CloudEvents 1.0 structured JSON: correlationid extension over subject, traceparent, data', () => {
    const base = {
      ...CLOUD_EVENT,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      data: { plan: 'free' },
    };
    expect(parse(base)).toEqual({
      ok: true,
      event: {
        eventId: '/identity\u0000ce-1', // identity is source + id
        correlationId: 'u-1',
        workflow: 'user-signup',
        step: 'user.registered',
        status: 'succeeded',
        time: Date.parse('2026-11-02T09:00:00Z'),
        source: '/identity',
        traceId: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        attributes: { plan: 'free' },
      },
    });
    expect(parse({ ...base, correlationid: 'u-2' })).toMatchObject({ event: { correlationId: 'u-2' } });
    const { subject: _, ...noSubject } = base;
    expect(parse(noSubject)).toMatchObject({ ok: false, reason: 'bad_shape' });
    expect(parse({ ...base, specversion: '0.3' })).toMatchObject({ ok: false, reason: 'bad_shape' });
  });

  it('reads the EventBridge envelope: detail-type is the step, detail the attributes', () => {
    const result = parse({
      version: '0',
      id: 'eb-1',
      'detail-type': 'refund.requested',
      source: 'com.shop.support',
      account: '123456789012',
      time: '2026-11-02T09:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { correlationId: 'r-1', workflow: 'refund', amount: 20, traceId: 't-1' },
    });
    expect(result).toEqual({
      ok: true,
      event: {
        eventId: 'com.shop.support\u0000eb-1',
        correlationId: 'r-1',
        workflow: 'refund',
        step: 'refund.requested',
        status: 'succeeded',
        time: Date.parse('2026-11-02T09:00:00Z'),
        source: 'com.shop.support',
        traceId: 't-1',
        attributes: { correlationId: 'r-1', workflow: 'refund', amount: 20, traceId: 't-1' },
      },
    });
  });

  it('keeps an unknown step of a known workflow (the engine records and ignores it)', () => {
    const result = parse({
      eventId: 'e',
      correlationId: 'o',
      workflow: 'refund',
      step: 'refund.aproved',
      time: 1_793_000_000_000,
    });
    expect(result).toMatchObject({ ok: true, event: { workflow: 'refund', step: 'refund.aproved' } });
  });
});

describe('invalid records are values with a reason, never exceptions', () => {
  const ok = { eventId: 'e', correlationId: 'o', step: 'order.placed', time: '2026-11-02T09:00:00Z' };
  it.each([
    ['not_json', '{"eventId": ', /^not JSON/],
    ['bad_shape', '[1,2]', /expected a JSON object/],
    ['bad_shape', JSON.stringify({ ...ok, correlationId: '' }), /correlationId/],
    [
      'bad_shape',
      JSON.stringify({ ...ok, eventId: undefined }),
      /^not a valid telemetry event: eventId is missing$/,
    ],
    ['bad_shape', JSON.stringify({ ...ok, step: 7 }), /^not a valid telemetry event: step: expected string$/],
    ['bad_shape', JSON.stringify({ ...ok, correlationId: 'x'.repeat(257) }), /correlationId/],
    ['bad_time', JSON.stringify({ ...ok, time: undefined }), /time is missing/],
    ['bad_time', JSON.stringify({ ...ok, time: '2026-11-02T09:00:00' }), /not ISO-8601 with an offset/],
    ['bad_time', JSON.stringify({ ...ok, time: '2026-13-45T09:00:00Z' }), /not a valid date/],
    ['bad_time', JSON.stringify({ ...ok, time: -5 }), /before 2000-01-01/],
    ['bad_time', JSON.stringify({ ...ok, time: 1_793_000_000 }), /before 2000-01-01.*epoch seconds\?/],
    ['bad_time', JSON.stringify({ ...ok, time: 1e16 }), /beyond the largest date/],
    [
      'bad_time',
      '{"eventId":"e","correlationId":"o","step":"order.placed","time":1e400}',
      /not epoch milliseconds/,
    ],
    ['bad_time', JSON.stringify({ ...ok, time: 1e300 }), /beyond the largest date/],
    ['bad_time', JSON.stringify({ ...ok, time: '1999-12-31T23:59:59Z' }), /before 2000-01-01/],
    ['bad_time', JSON.stringify({ ...ok, time: '+275760-09-13T00:00:00.001Z' }), /not ISO-8601|beyond/],
    [
      'unknown_workflow',
      JSON.stringify({ ...ok, workflow: 'order-fulfillment' }),
      /Did you mean "order-fulfilment"/,
    ],
    ['unknown_step', JSON.stringify({ ...ok, step: 'invoice.sent' }), /no workflow has step "invoice.sent"/],
  ])('%s: %s', (reason, input, message) => {
    const result = parseEvent(input, config);
    expect(result).toMatchObject({ ok: false, reason });
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it('too_large: over 1 MiB, checked before parsing', () => {
    const big = JSON.stringify({ ...ok, attributes: { blob: 'x'.repeat(1024 * 1024) } });
    expect(parseEvent(big, config)).toMatchObject({ ok: false, reason: 'too_large' });
    expect(parseEvent(Buffer.from(big), config)).toMatchObject({ ok: false, reason: 'too_large' });
  });

  it('ambiguous_step: a step two workflows share needs the workflow named', () => {
    const shared = loadWorkflowFile('test/fixtures/shared-step.yml');
    const result = parseEvent(JSON.stringify({ ...ok, step: 'email.sent' }), shared);
    expect(result).toMatchObject({ ok: false, reason: 'ambiguous_step' });
    expect(parseEvent(JSON.stringify({ ...ok, step: 'email.sent', workflow: 'b' }), shared)).toMatchObject({
      ok: true,
    });
  });

  it('reads UTF-8 bytes as Kinesis delivers them', () => {
    expect(parseEvent(Buffer.from(JSON.stringify(ok)), config)).toMatchObject({
      ok: true,
      event: { workflow: 'order-fulfilment' },
    });
  });
});

describe('time bounds (contract §1): nothing a producer sends can move time', () => {
  const ok = { eventId: 'e', correlationId: 'o', step: 'order.placed' };
  const arrival = Date.parse('2026-11-02T09:00:00Z');
  const limit = { notAfter: arrival + 120_000, because: 'its arrival time plus the allowed clock skew (2m)' };
  const at = (time: unknown) => parseEvent(JSON.stringify({ ...ok, time }), config, limit);

  it('accepts times up to arrival + skew, and refuses later ones naming the bound', () => {
    expect(at(arrival + 120_000)).toMatchObject({ ok: true, event: { time: arrival + 120_000 } });
    expect(at('2026-11-02T09:02:00Z')).toMatchObject({ ok: true });
    const ahead = at('2026-11-02T09:20:00Z');
    expect(ahead).toMatchObject({ ok: false, reason: 'bad_time' });
    expect(ahead.ok ? '' : ahead.message).toBe(
      'time "2026-11-02T09:20:00Z" is later than 2026-11-02T09:02:00.000Z, its arrival time plus the allowed clock skew (2m)',
    );
    expect(at(1e16)).toMatchObject({ ok: false, reason: 'bad_time' });
  });

  it('holds on the fast path and the slow path alike (durationMs must be finite too)', () => {
    const fast =
      '{"eventId":"e","correlationId":"o","step":"order.placed","time":1793000000000,"durationMs":1e400}';
    expect(parseEvent(fast, config)).toMatchObject({ ok: false, reason: 'bad_shape' });
  });
});

describe('interop found by third-party checks (contract §1)', () => {
  const ce = CLOUD_EVENT;
  const eb = {
    id: 'eb-1',
    'detail-type': 'refund.requested',
    source: 'com.shop.support',
    time: '2026-11-02T09:00:00Z',
    detail: { correlationId: 'r-1' },
  };
  const eventId = (r: ReturnType<typeof parse>) => (r.ok ? r.event.eventId : r.message);

  it('identifies CloudEvents and EventBridge events by source + id', () => {
    expect(eventId(parse(ce))).not.toBe(eventId(parse({ ...ce, source: '/other' })));
    expect(eventId(parse(ce))).toBe(eventId(parse({ ...ce, data: { x: 1 } })));
    expect(eventId(parse(eb))).not.toBe(eventId(parse({ ...eb, source: 'com.shop.other' })));
  });

  it('keeps a detail status or workflow that is not overdue’s as attributes, inferring the workflow', () => {
    const r = parse({ ...eb, detail: { correlationId: 'r-1', status: 'PENDING', workflow: 'billing-v2' } });
    expect(r).toMatchObject({
      ok: true,
      event: {
        workflow: 'refund',
        status: 'succeeded',
        attributes: { status: 'PENDING', workflow: 'billing-v2' },
      },
    });
    expect(parse({ ...eb, detail: { correlationId: 'r-1', status: 'failed' } })).toMatchObject({
      event: { status: 'failed' },
    });
    expect(parse({ ...ce, status: 'COMPLETE', workflow: 'nope' })).toMatchObject({
      ok: true,
      event: { status: 'succeeded', workflow: 'user-signup' },
    });
  });

  it('reads numeric correlation IDs as their decimal string, in every shape', () => {
    expect(parse({ ...eb, detail: { correlationId: 12345 } })).toMatchObject({
      event: { correlationId: '12345' },
    });
    expect(parse({ ...ce, correlationid: 42 })).toMatchObject({ event: { correlationId: '42' } });
    expect(
      parse({ eventId: 'e', correlationId: 7, step: 'order.placed', time: '2026-11-02T09:00:00Z' }),
    ).toMatchObject({ event: { correlationId: '7' } });
    expect(parse({ ...eb, detail: { correlationId: 1.5 } })).toMatchObject({
      ok: false,
      reason: 'bad_shape',
    });
  });

  it('reads a CloudEvents data that is a JSON string holding an object as that object', () => {
    expect(parse({ ...ce, data: '{"plan":"pro"}' })).toMatchObject({
      event: { attributes: { plan: 'pro' } },
    });
    const r = parse({ ...ce, data: 'plain text' });
    expect(r.ok && r.event.attributes).toBe(undefined);
  });
});
