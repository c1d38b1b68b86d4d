import { statSync } from 'node:fs';
import { parseDuration } from '../workflow/duration.js';
import { UsageError } from './errors.js';

/** Where a command writes: stdout for results, stderr for errors and progress. */
export interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A command's result: the process exit code (README, "Exit codes"). */
export type ExitCode = 0 | 1 | 2 | 3 | 4;

export function duration(value: string | undefined, fallback: string, flag: string): number {
  const ms = parseDuration(value ?? fallback);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `${flag}: ${JSON.stringify(value)} is not a duration above zero, such as 2s or 500ms`,
    );
  }
  return ms;
}

export function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a port number`);
  return n;
}

/** AWS calls from the command line: a missing region or an endpoint nobody listens on get a plain answer. */
export async function reach<T>(call: () => Promise<T>, service: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as Error & { code?: string; cause?: { code?: string } };
    const text = `${e.name}: ${e.message}`;
    if (/Region is missing/i.test(text)) {
      throw new UsageError('no AWS region: set AWS_REGION (overdue dev prints the variables to set)');
    }
    if (/Could not load credentials|CredentialsProviderError/i.test(text)) {
      throw new UsageError(
        'no AWS credentials: set them as usual, or for overdue dev AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
      );
    }
    if (/ECONNREFUSED/.test(text) || e.code === 'ECONNREFUSED' || e.cause?.code === 'ECONNREFUSED') {
      throw new UsageError(
        `cannot reach ${service}: is \`overdue dev\` running, and AWS_ENDPOINT_URL_${service.toUpperCase()} set to its endpoint?`,
      );
    }
    throw error;
  }
}

/** An option the command cannot do without (checked here, so that a misspelt flag gets its own hint). */
export function required(value: string | undefined, message: string): string {
  if (value === undefined) throw new UsageError(message);
  return value;
}

/** An --events argument: `-` (stdin) or a file that exists; a clear usage error otherwise. */
export function eventsFile(events: string): void {
  if (events === '-') return;
  let isFile = false;
  try {
    isFile = statSync(events).isFile();
  } catch {
    throw new UsageError(`cannot read --events ${events}: file not found`);
  }
  if (!isFile) throw new UsageError(`cannot read --events ${events}: not a file`);
}
