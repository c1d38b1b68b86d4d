import { type Alert, messageKey } from '../engine/alert.js';
import type { Instance } from '../engine/instance.js';
import type { WorkflowConfig, WorkflowModel } from '../workflow/model.js';
import { recordSent } from './activity.js';
import { publishIncidents, routeAlerts } from './incidents.js';
import type {
  ActivityStore,
  AlertPublisher,
  IncidentStore,
  InstanceStore,
  LogSink,
  MetricsSink,
  PublishResult,
  StoredInstance,
} from './ports.js';
import type { SilenceStore } from './silences.js';

/** Retention when the workflow that wrote an instance is no longer in the file. */
const FALLBACK_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * When the item may be deleted (epoch ms), or undefined while a deadline keeps it alive. Instances
 * that will never wake again (only unknown steps seen, or a workflow removed from the file) expire
 * `retention` after their last write, so nothing lingers forever.
 */
export function expiresAt(
  instance: Instance,
  model: WorkflowModel | undefined,
  now: number,
): number | undefined {
  const retention = model?.retentionMs ?? FALLBACK_RETENTION_MS;
  if (instance.st !== 'running') return Math.max(instance.end ?? now, now) + retention;
  return instance.wk === undefined ? now + retention : undefined;
}

/** Writes the instance and its outbox in one conditional put. Throws VersionConflictError on a race. */
export async function commit(
  store: InstanceStore,
  stored: StoredInstance,
  model: WorkflowModel | undefined,
  now: number,
): Promise<void> {
  const written = await store.putInstance(stored, expiresAt(stored.instance, model, now));
  stored.version = written.version;
  stored.indexed = written.indexed;
}

export interface PublishDeps {
  store: InstanceStore & IncidentStore & SilenceStore & ActivityStore;
  publisher: AlertPublisher;
  metrics: MetricsSink;
  logger: LogSink;
  config: WorkflowConfig;
  clock: () => number;
}

/**
 * Publishes what committed items hold in their outbox, then clears what went out. Storms are
 * grouped into incidents first: an alert attached to one counts as sent. Whatever fails stays
 * pending on its item, which the sweeper's index finds at once; nothing here throws for SNS.
 */
export async function publishPending(items: readonly StoredInstance[], deps: PublishDeps): Promise<void> {
  const withPending = items.filter((s) => s.pending.length > 0);
  if (withPending.length === 0) return;
  const alerts: Alert[] = withPending.flatMap((s) => s.pending);
  const routed = await routeAlerts(alerts, deps);
  const sent = await publishCounted(routed.now, deps);
  const result: PublishResult = {
    published: new Set([...sent.published, ...routed.attached.map((a) => messageKey(a))]),
    failed: sent.failed,
  };
  if (routed.incidents && routed.created && routed.created.size > 0) {
    // Never fatal here: the sweeper publishes what is left in the incident outbox.
    const created = routed.created;
    await publishIncidents(routed.incidents, deps, (m) => created.has(m)).catch((error) =>
      deps.logger.warn('could not publish incident messages; the sweeper retries', { error: String(error) }),
    );
  }
  if (result.failed.length > 0) {
    for (const f of result.failed) {
      const alert = alerts.find((a) => messageKey(a) === f.alertId);
      deps.logger.warn('alert not published; it stays pending and is retried', {
        alertId: f.alertId,
        kind: alert?.kind,
        workflow: alert?.workflow,
        correlationId: alert?.correlationId,
        error: f.error,
      });
    }
  }
  const attached = new Set(routed.attached);
  for (const alert of alerts) {
    if (result.published.has(messageKey(alert))) {
      deps.logger.info(attached.has(alert) ? 'alert held (incident or silence)' : 'alert published', {
        alertId: alert.alertId,
        kind: alert.kind,
        workflow: alert.workflow,
        correlationId: alert.correlationId,
        step: alert.step,
      });
    }
  }
  await Promise.all(
    withPending
      .filter((s) => s.pending.some((a) => result.published.has(messageKey(a))))
      .map(async (s) => {
        try {
          // False when the item moved on since: the alert stays pending and goes out again later,
          // which subscribers drop by alertId. At least once, never lost.
          const cleared = await deps.store.clearPending(s, result.published);
          if (cleared) Object.assign(s, cleared);
        } catch (error) {
          deps.logger.warn('could not clear published alerts; they will be sent again', {
            correlationId: s.instance.id,
            error: String(error),
          });
        }
      }),
  );
}

/**
 * Publishes and counts what went out: in all, by workflow and kind (a behaviour metric: what the
 * monitor finds), and the failures. Every outbox (instances, the monitor, latency, incidents) goes
 * through here.
 */
export async function publishCounted(
  alerts: readonly Alert[],
  deps: {
    publisher: AlertPublisher;
    metrics: MetricsSink;
    store: Pick<ActivityStore, 'recordSent'>;
    logger: LogSink;
    clock: () => number;
  },
): Promise<PublishResult> {
  if (alerts.length === 0) return { published: new Set(), failed: [] };
  const result = await deps.publisher.publish(alerts);
  deps.metrics.count('alertsPublished', result.published.size);
  const sent = alerts.filter((alert) => result.published.has(messageKey(alert)));
  for (const alert of sent) deps.metrics.count('alerts', 1, { workflow: alert.workflow, kind: alert.kind });
  if (result.failed.length > 0) deps.metrics.count('publishFailures', result.failed.length);
  // The console's list of what went out (a failure there is logged, never fatal).
  await recordSent(sent, deps);
  return result;
}

/** What an outbox still holds once `published` went out. */
export const unsent = (pending: readonly Alert[], published: ReadonlySet<string>): Alert[] =>
  pending.filter((a) => !published.has(messageKey(a)));
