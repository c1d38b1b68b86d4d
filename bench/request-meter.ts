import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

/** DynamoDB's item size: attribute names plus values (numbers about one byte per two digits). */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, v] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (v.S !== undefined) bytes += Buffer.byteLength(v.S);
    else if (v.N !== undefined) bytes += Math.ceil(v.N.replace(/^-/, '').length / 2) + 1;
    else if (v.BOOL !== undefined) bytes += 1;
  }
  return bytes;
}

const wcu = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const strongRcu = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

/**
 * Counts requests and estimates capacity units by the published on-demand rules: a write is one
 * unit per started KB of the item; a strongly consistent read one unit per started 4 KB (a key not
 * found still costs one); an index query (eventually consistent) half that. The KEYS_ONLY index
 * costs one write when an item enters or leaves it, two when its key changes.
 */
export class RequestMeter {
  readonly requests = new Map<string, number>();
  tableWrites = 0;
  indexWrites = 0;
  /** Of the table writes, those of learned-baseline shares (`L#…` items). */
  latencyWrites = 0;
  reads = 0;
  private readonly due = new Map<string, string | undefined>();
  private readonly size = new Map<string, number>();

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        this.record(
          context.commandName as string,
          args.input as Record<string, unknown>,
          out.output as never,
        );
        return out;
      },
      { step: 'initialize', name: 'request-meter' },
    );
  }

  reset(): void {
    this.requests.clear();
    this.tableWrites = 0;
    this.indexWrites = 0;
    this.latencyWrites = 0;
    this.reads = 0;
  }

  get totalRequests(): number {
    let n = 0;
    for (const v of this.requests.values()) n += v;
    return n;
  }

  private index(pk: string, due: string | undefined): void {
    const old = this.due.get(pk);
    if (old === due) return;
    if (old !== undefined) this.indexWrites++;
    if (due !== undefined) this.indexWrites++;
    this.due.set(pk, due);
  }

  private record(command: string, input: Record<string, unknown>, output: Record<string, unknown>): void {
    const name = command.replace(/Command$/, '');
    this.requests.set(name, (this.requests.get(name) ?? 0) + 1);
    switch (name) {
      case 'PutItem': {
        const item = input.Item as Item;
        const pk = item.pk?.S as string;
        const bytes = itemBytes(item);
        const units = wcu(Math.max(bytes, this.size.get(pk) ?? 0));
        this.tableWrites += units;
        if (pk.startsWith('L#')) this.latencyWrites += units;
        this.size.set(pk, bytes);
        this.index(pk, item.due?.N);
        break;
      }
      case 'UpdateItem': {
        const key = input.Key as Item;
        const pk = key.pk?.S as string;
        this.tableWrites += wcu(this.size.get(pk) ?? 100);
        const expression = String(input.UpdateExpression);
        const values = (input.ExpressionAttributeValues ?? {}) as Item;
        if (/REMOVE .*\bdue\b/.test(expression)) this.index(pk, undefined);
        else if (values[':due']) this.index(pk, values[':due'].N);
        break;
      }
      case 'BatchWriteItem': {
        for (const writes of Object.values(
          input.RequestItems as Record<string, { PutRequest?: { Item: Item } }[]>,
        )) {
          for (const w of writes) if (w.PutRequest) this.tableWrites += wcu(itemBytes(w.PutRequest.Item));
        }
        break;
      }
      case 'BatchGetItem': {
        const requests = Object.values(
          input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>,
        );
        const asked = requests.reduce((n, r) => n + r.Keys.length, 0);
        const factor = requests.every((r) => r.ConsistentRead) ? 1 : 0.5;
        const got = Object.values((output.Responses ?? {}) as Record<string, Item[]>).flat();
        this.reads +=
          factor * (got.reduce((n, item) => n + strongRcu(itemBytes(item)), 0) + (asked - got.length));
        break;
      }
      case 'Query': {
        const items = (output.Items ?? []) as Item[];
        const bytes = items.reduce((n, item) => n + itemBytes(item), 0);
        this.reads += input.IndexName ? Math.max(0.5, Math.ceil(bytes / 4096) / 2) : strongRcu(bytes);
        break;
      }
      case 'GetItem': {
        const item = output.Item as Item | undefined;
        this.reads += strongRcu(item ? itemBytes(item) : 0);
        break;
      }
    }
  }
}
