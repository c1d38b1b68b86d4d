import { describe, expect, it } from 'vitest';
import {
  fromCloudEvent,
  fromEventBridge,
  fromHttpHeaders,
  fromSnsRecord,
  fromSqsRecord,
  toCloudEvent,
  toEventBridgeDetail,
  toHttpHeaders,
  toMessageAttributes,
} from '../../src/producer/index.js';

describe('correlation ID propagation', () => {
  it('round-trips through each carrier', () => {
    expect(fromHttpHeaders({ headers: toHttpHeaders('o-1') })).toBe('o-1');
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
    expect(fromHttpHeaders({ headers: { 'X-Correlation-ID': 'o-6' } })).toBe('o-6');
    expect(fromHttpHeaders({ headers: null })).toBeUndefined();
    expect(fromCloudEvent({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    expect(fromCloudEvent({ traceparent: 'garbage' })).toBeUndefined();
    expect(fromSqsRecord({})).toBeUndefined();
    expect(fromEventBridge({ detail: { correlationId: 7 } })).toBeUndefined();
  });
});
