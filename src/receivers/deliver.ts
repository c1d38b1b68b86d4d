/**
 * Delivery to a vendor's HTTP API (PagerDuty, Slack): a JSON POST, retried with backoff on rate
 * limits (429, honouring Retry-After) and server errors, and on network failures. A refusal that
 * no retry mends (another 4xx) throws at once; so does running out of attempts: the receiver's
 * invocation then fails, and Lambda retries it and finally hands it to the failure queue. Never
 * dropped.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DeliveryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

export async function deliver(url: string, body: unknown, options: DeliveryOptions = {}): Promise<number> {
  const attempts = options.attempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const send = options.fetch ?? fetch;
  let wait = options.baseMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    let status: number | undefined;
    let retryAfter: number | undefined;
    let detail: string;
    try {
      const response = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      if (response.ok) return status;
      detail = (await response.text().catch(() => '')).slice(0, 300);
      const after = Number(response.headers.get('retry-after'));
      if (Number.isFinite(after) && after > 0) retryAfter = after * 1000;
      if (status !== 429 && status < 500) {
        throw new DeliveryError(`refused with ${status}: ${detail}`, status);
      }
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (attempt >= attempts)
        throw new DeliveryError(`failed after ${attempts} attempts: ${detail}`, status, { cause: error });
      await sleep(wait);
      wait = Math.min(wait * 2, options.maxMs ?? 5_000);
      continue;
    }
    if (attempt >= attempts)
      throw new DeliveryError(`failed after ${attempts} attempts: ${status} ${detail}`, status);
    await sleep(retryAfter ?? wait);
    wait = Math.min(wait * 2, options.maxMs ?? 5_000);
  }
}
