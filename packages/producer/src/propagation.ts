/**
 * Where a correlation ID usually travels between services, read and written. Readers return
 * undefined when there is none, so that a caller can fall back (for example to the message ID).
 */

export const CORRELATION_HEADER = 'x-correlation-id';
export const CORRELATION_ATTRIBUTE = 'correlationId';

/** HTTP headers as API Gateway (REST or HTTP API) and function URLs give them. */
export type HttpHeaders = Record<string, string | undefined> | null | undefined;

/** The `x-correlation-id` header, any case, from the headers themselves (`event.headers`). */
export function fromHttpHeaders(headers: HttpHeaders): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === CORRELATION_HEADER && value) return value;
  }
  return undefined;
}

/** The same, from a whole API Gateway (REST or HTTP API) or function URL event. */
export const fromHttpEvent = (event: { headers?: HttpHeaders }): string | undefined =>
  fromHttpHeaders(event.headers);

export const toHttpHeaders = (correlationId: string): Record<string, string> => ({
  [CORRELATION_HEADER]: correlationId,
});

/** An SQS record: the `correlationId` message attribute (also when SNS delivered it raw). */
export function fromSqsRecord(record: {
  messageAttributes?: Record<string, { stringValue?: string | undefined } | undefined>;
}): string | undefined {
  return record.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue || undefined;
}

/** An SNS record (SNS → Lambda): the `correlationId` message attribute. */
export function fromSnsRecord(record: {
  Sns?: { MessageAttributes?: Record<string, { Value?: string } | undefined> };
}): string | undefined {
  return record.Sns?.MessageAttributes?.[CORRELATION_ATTRIBUTE]?.Value || undefined;
}

/** MessageAttributes for SQS SendMessage or SNS Publish (the same shape in SDK v3). */
export const toMessageAttributes = (correlationId: string) => ({
  [CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: correlationId },
});

/** An EventBridge event: `detail.correlationId` (where overdue's EventBridge envelope reads it). */
export function fromEventBridge(event: { detail?: unknown }): string | undefined {
  const detail = event.detail as { correlationId?: unknown } | undefined;
  return typeof detail?.correlationId === 'string' && detail.correlationId ? detail.correlationId : undefined;
}

export const toEventBridgeDetail = <T extends object>(detail: T, correlationId: string) => ({
  ...detail,
  correlationId,
});

/**
 * A CloudEvent: the `correlationid` extension, else the trace ID of a W3C `traceparent`
 * (`00-<trace id>-<parent id>-<flags>`), which then serves as the correlation ID.
 */
export function fromCloudEvent(event: {
  correlationid?: unknown;
  traceparent?: unknown;
}): string | undefined {
  if (typeof event.correlationid === 'string' && event.correlationid) return event.correlationid;
  if (typeof event.traceparent === 'string') {
    const traceId = event.traceparent.split('-')[1];
    if (traceId && /^[0-9a-f]{32}$/.test(traceId)) return traceId;
  }
  return undefined;
}

export const toCloudEvent = <T extends object>(event: T, correlationId: string) => ({
  ...event,
  correlationid: correlationId,
});
