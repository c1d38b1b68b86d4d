// Fills a bench table with running instances, written as the store writes them (BatchWriteItem, no SDK
// per-item round trip), so that a bench can start from 100k in flight in seconds.
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { applyEvent } from '../src/engine/transition.js';
import type { StoredInstance } from '../src/runtime/ports.js';
import { mapLimit } from '../src/shared/map-limit.js';
import { instanceItem } from '../src/store/dynamodb-store.js';
import { instancePk } from '../src/store/keys.js';
import type { WorkflowModel } from '../src/workflow/model.js';

/** A running instance of `model` whose start happened at `placed`, as the table item. */
export function runningItem(model: WorkflowModel, id: string, placed: number) {
  const start = model.steps[0]?.name as string;
  const { instance } = applyEvent(
    undefined,
    {
      eventId: `e-${id}`,
      correlationId: id,
      workflow: model.name,
      step: start,
      status: 'succeeded',
      time: placed,
    },
    model,
    placed,
  );
  const stored: StoredInstance = {
    key: instancePk(model.name, id),
    instance,
    version: 0,
    pending: [],
    indexed: undefined,
  };
  return instanceItem(stored, JSON.stringify(instance), undefined).item;
}

/** `n` running instances `o-0` … `o-<n-1>`, instance i started at `placedAt(i)`. */
export async function loadRunning(
  client: DynamoDBClient,
  table: string,
  model: WorkflowModel,
  n: number,
  placedAt: (i: number) => number,
): Promise<void> {
  const chunks: number[][] = [];
  for (let i = 0; i < n; i += 25) chunks.push(Array.from({ length: Math.min(25, n - i) }, (_, k) => i + k));
  await mapLimit(chunks, 8, async (chunk) => {
    let pending = chunk.map((i) => ({ PutRequest: { Item: runningItem(model, `o-${i}`, placedAt(i)) } }));
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  });
}
