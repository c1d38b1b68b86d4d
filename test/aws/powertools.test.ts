import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { powertoolsMetrics } from '../../src/aws/powertools.js';

/** The EMF documents Powertools writes, parsed from what it logs. */
function captureEmf() {
  const lines: Record<string, unknown>[] = [];
  // Powertools writes through a Console of its own on process.stdout.
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    for (const line of String(chunk).split('\n')) if (line.includes('"_aws"')) lines.push(JSON.parse(line));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

describe('behaviour metrics as CloudWatch embedded metric format', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes one EMF document per dimension set, repeated values in one array, on flush', () => {
    const emf = captureEmf();
    const main = new Metrics({ namespace: 'overdue-test', serviceName: 'consumer' });
    const sink = powertoolsMetrics(main, { namespace: 'overdue-test', service: 'consumer' });
    const paid = { workflow: 'order', step: 'paid', start: 'warm' };
    sink.timing('stepLatency', 120, paid);
    sink.timing('stepLatency', 180, paid);
    sink.timing('stepLatency', 900, { ...paid, start: 'cold' });
    sink.count('alerts', 1, { workflow: 'order', kind: 'step_overdue' });
    sink.count('events', 3);
    sink.flush?.();
    emf.restore();

    const docs = emf.lines as unknown as Emf[];
    expect(docs).toHaveLength(3);
    const warm = docs.find((d) => d.start === 'warm' && d.stepLatency !== undefined);
    expect(warm).toMatchObject({
      workflow: 'order',
      step: 'paid',
      service: 'consumer',
      stepLatency: [120, 180],
    });
    expect(warm?._aws.CloudWatchMetrics[0]?.Dimensions[0]?.sort()).toEqual([
      'service',
      'start',
      'step',
      'workflow',
    ]);
    expect(warm?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'stepLatency', Unit: 'Milliseconds' }]);
    expect(docs.find((d) => d.start === 'cold')).toMatchObject({ stepLatency: 900 });
    expect(docs.find((d) => d.kind === 'step_overdue')).toMatchObject({ alerts: 1, workflow: 'order' });
    // Plain metrics stay on the function's own Metrics, for its logMetrics middleware to flush.
    expect(docs.some((d) => d.events !== undefined)).toBe(false);
  });

  it('flushes only the dimension sets used since the last flush', () => {
    const main = new Metrics({ namespace: 'overdue-test', serviceName: 'consumer' });
    const sink = powertoolsMetrics(main, { namespace: 'overdue-test', service: 'consumer' });
    sink.timing('stepLatency', 1, { workflow: 'order', step: 'paid', start: 'warm' });
    let emf = captureEmf();
    sink.flush?.();
    emf.restore();
    expect(emf.lines).toHaveLength(1);
    emf = captureEmf();
    sink.flush?.();
    emf.restore();
    expect(emf.lines).toEqual([]);
  });
});
