import { describe, expect, it } from 'vitest';
import {
  fromCloudEvent,
  fromEventBridge,
  fromHttpEvent,
  fromHttpHeaders,
  fromSnsRecord,
  fromSqsRecord,
  toCloudEvent,
  toEventBridgeDetail,
  toHttpHeaders,
  toMessageAttributes,
} from '../src/index.js';

describe('correlation ID propagation', () => {
  it('round-trips through each carrier', () => {
    expect(fromHttpHeaders(toHttpHeaders('o-1'))).toBe('o-1');
    expect(fromHttpEvent({ headers: toHttpHeaders('o-1') })).toBe('o-1');
    const attributes = toMessageAttributes('o-2');
    expect(
      fromSqsRecord({
        messageAttributes: { correlationId: { stringValue: attributes.correlationId.StringValue } },
      }),
    ).toBe('o-2');
    expect(fromSnsRecord({ Sns: { MessageAttributes: { correlationId: { Value: 'o-3' } } } })).toBe('o-3');
    expect(fromEventBridge({ detail: toEventBridgeDetail({ amount: 5 }, 'o-4') })).toBe('o-4');
    expect(fromCloudEvent(toCloudEvent({ specversion: '1.0' }, 'o-5'))).toBe('o-5');
  });

  it('reads headers in any case and a traceparent as a fallback, and says when there is nothing', () => {
    expect(fromHttpHeaders({ 'X-Correlation-ID': 'o-6' })).toBe('o-6');
    expect(fromHttpHeaders(null)).toBeUndefined();
    expect(fromHttpEvent({ headers: { 'x-correlation-id': 'o-7' } })).toBe('o-7');
    expect(fromCloudEvent({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    expect(fromCloudEvent({ traceparent: 'garbage' })).toBeUndefined();
    expect(fromSqsRecord({})).toBeUndefined();
    expect(fromEventBridge({ detail: { correlationId: 7 } })).toBeUndefined();
  });

  it('say in their types what they take: headers, or the whole event', () => {
    const event = { headers: { 'x-correlation-id': 'o-8' }, requestContext: { requestId: 'r' } };
    // @ts-expect-error the whole event where headers are wanted is a compile error, not a silent miss
    fromHttpHeaders(event);
    expect(fromHttpEvent(event)).toBe('o-8');
    expect(fromHttpHeaders(event.headers)).toBe('o-8');
  });
});
