import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LogSink, MetricsSink } from '../runtime/ports.js';

/** Counters and timings as CloudWatch embedded-metric-format lines, flushed by the logMetrics middleware. */
export function powertoolsMetrics(metrics: Metrics): MetricsSink {
  return {
    count: (name, value = 1) => {
      if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
    },
    timing: (name, ms) => metrics.addMetric(name, MetricUnit.Milliseconds, Math.max(0, ms)),
    gauge: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
  };
}

export function powertoolsLog(logger: Logger): LogSink {
  return {
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
  };
}
