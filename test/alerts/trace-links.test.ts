import { describe, expect, it } from 'vitest';
import { alertEmail } from '../../src/alerts/format.js';
import { traceLinker, xrayTraceId } from '../../src/alerts/trace-links.js';
import type { Alert } from '../../src/engine/alert.js';

describe('trace links', () => {
  it('link X-Ray trace IDs and W3C traceparents to the X-Ray console of the region', () => {
    const link = traceLinker({ region: 'eu-west-1' });
    expect(link('1-5759e988-bd862e3fe1be46a994272793')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/1-5759e988-bd862e3fe1be46a994272793',
    );
    expect(xrayTraceId('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(
      '1-4bf92f35-77b34da6a3ce929d0e0e4736',
    );
    expect(link('not-a-trace')).toBeUndefined();
    // Without a region (dev mode) there is no console to link to.
    expect(traceLinker({})('1-5759e988-bd862e3fe1be46a994272793')).toBeUndefined();
  });

  it('fill a template of the user’s own, any trace ID, escaped', () => {
    const link = traceLinker({
      template: 'https://tempo.example/trace/{traceId}?r={region}',
      region: 'us-east-1',
    });
    expect(link('abc/def')).toBe('https://tempo.example/trace/abc%2Fdef?r=us-east-1');
  });
});

describe('the email body', () => {
  it('reads as text: what happened, what is missing, the timeline and the trace links', () => {
    const alert: Alert = {
      alertId: 'a1',
      kind: 'step_overdue',
      workflow: 'order',
      correlationId: 'o-1',
      step: 'paid',
      severity: 'high',
      status: 'running',
      deadline: '2026-11-26T10:02:00.000Z',
      detectedAt: '2026-11-26T10:02:30.000Z',
      lateByMs: 30_000,
      missing: ['paid', 'shipped'],
      timeline: [
        {
          step: 'placed',
          status: 'succeeded',
          time: '2026-11-26T10:00:00.000Z',
          source: 'checkout',
          durationMs: 812,
          coldStart: true,
        },
      ],
      traceIds: ['1-5759e988-bd862e3fe1be46a994272793'],
    };
    const text = alertEmail(alert, ['https://x.example/t/1']);
    expect(text.split('\n')[0]).toBe(
      'o-1  paid  missing, 30s past its deadline  (high, at 2026-11-26T10:02:30.000Z)',
    );
    expect(text).toContain('missing:         paid, shipped');
    expect(text).toContain(
      '  2026-11-26T10:00:00.000Z  placed                   succeeded checkout  812 ms cold',
    );
    expect(text).toContain('traces:\n  https://x.example/t/1');
    expect(text).not.toContain('{');
  });
});
