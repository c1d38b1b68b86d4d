import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LogSink, MetricDimensions, MetricsSink } from '../runtime/ports.js';

/**
 * Counters and timings as CloudWatch embedded-metric-format lines. Plain ones go on the function's
 * Metrics, flushed by the logMetrics middleware; behaviour metrics with dimensions go on one Metrics
 * per dimension set (each EMF line has one), kept for the container's life and flushed by `flush`.
 * Repeated values of a metric share a line, up to EMF's 100 values.
 */
export function powertoolsMetrics(
  metrics: Metrics,
  options: { namespace: string; service: string },
): MetricsSink {
  const byDimensions = new Map<string, Metrics>();
  const used = new Set<Metrics>();
  const target = (dimensions: MetricDimensions | undefined): Metrics => {
    if (dimensions === undefined) return metrics;
    const key = JSON.stringify(dimensions);
    let child = byDimensions.get(key);
    if (child === undefined) {
      child = new Metrics({ namespace: options.namespace, serviceName: options.service });
      child.addDimensions({ ...dimensions });
      byDimensions.set(key, child);
    }
    used.add(child);
    return child;
  };
  return {
    count: (name, value = 1, dimensions) => {
      if (value > 0) target(dimensions).addMetric(name, MetricUnit.Count, value);
    },
    timing: (name, ms, dimensions) =>
      target(dimensions).addMetric(name, MetricUnit.Milliseconds, Math.max(0, ms)),
    gauge: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
    flush: () => {
      for (const child of used) child.publishStoredMetrics();
      used.clear();
    },
  };
}

export function powertoolsLog(logger: Logger): LogSink {
  return {
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
  };
}
