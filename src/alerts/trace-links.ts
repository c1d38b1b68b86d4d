/**
 * Links from an alert to its traces, one click away. X-Ray trace IDs (`1-5759e988-bd862e3fe1be46a994272793`)
 * and W3C `traceparent` values (`00-<32 hex>-<16 hex>-01`, which X-Ray reads as `1-<first 8>-<last 24>`)
 * link to the CloudWatch console's trace view in the deployment's region; a template of your own
 * (`{traceId}` and `{region}` filled in) links anywhere else: Honeycomb, Jaeger, Grafana Tempo.
 */
export type TraceLinker = (traceId: string) => string | undefined;

const XRAY = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The X-Ray form of a trace ID, when it has one. */
export function xrayTraceId(traceId: string): string | undefined {
  if (XRAY.test(traceId)) return traceId;
  const w3c = TRACEPARENT.exec(traceId)?.[1];
  return w3c === undefined ? undefined : `1-${w3c.slice(0, 8)}-${w3c.slice(8)}`;
}

export function traceLinker(options: {
  template?: string | undefined;
  region?: string | undefined;
}): TraceLinker {
  const { template, region } = options;
  if (template) {
    return (traceId) =>
      template
        .replaceAll('{traceId}', encodeURIComponent(xrayTraceId(traceId) ?? traceId))
        .replaceAll('{region}', encodeURIComponent(region ?? ''));
  }
  if (!region) return () => undefined;
  return (traceId) => {
    const id = xrayTraceId(traceId);
    return id === undefined
      ? undefined
      : `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#xray:traces/${id}`;
  };
}
