import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { parse } from 'yaml';

const INFRA = fileURLToPath(new URL('../../infra/', import.meta.url));
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const REGION = 'us-east-1';

export interface Emulators {
  dynamodbEndpoint: string;
  kinesisEndpoint: string;
  dynamodb: DynamoDBClient;
  kinesis: KinesisClient;
  region: string;
  stop(): Promise<void>;
}

/**
 * dynalite (DynamoDB) and kinesalite (Kinesis), in memory, in this process, on loopback. Port 0
 * picks free ports; a port in use fails with a clear error.
 */
export async function startEmulators(
  ports: { dynamodb?: number; kinesis?: number } = {},
): Promise<Emulators> {
  // Loaded on demand: only tests and dev mode need them.
  const [{ default: dynalite }, { default: kinesalite }] = await Promise.all([
    import('dynalite'),
    import('kinesalite'),
  ]);
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const kinesis = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 64 });
  const dynamodbPort = await listen(dynamo, ports.dynamodb ?? 0, 'DynamoDB');
  const kinesisPort = await listen(kinesis, ports.kinesis ?? 0, 'Kinesis').catch(async (error) => {
    await close(dynamo);
    throw error;
  });
  const dynamodbEndpoint = `http://127.0.0.1:${dynamodbPort}`;
  const kinesisEndpoint = `http://127.0.0.1:${kinesisPort}`;
  const dynamodbClient = new DynamoDBClient({
    endpoint: dynamodbEndpoint,
    region: REGION,
    credentials: CREDENTIALS,
  });
  const kinesisClient = new KinesisClient({
    endpoint: kinesisEndpoint,
    region: REGION,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    dynamodbEndpoint,
    kinesisEndpoint,
    dynamodb: dynamodbClient,
    kinesis: kinesisClient,
    region: REGION,
    async stop() {
      dynamodbClient.destroy();
      kinesisClient.destroy();
      await Promise.all([close(dynamo), close(kinesis)]);
    },
  };
}

/**
 * A CloudFormation fragment as deployed on-demand (the billingMode parameter's default): each
 * `Fn::If` takes its else branch, and `Ref: AWS::NoValue` drops the property it stands for.
 */
export function onDemand(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(onDemand).filter((v) => v !== undefined);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if ('Fn::If' in record) return onDemand((record['Fn::If'] as unknown[])[2]);
  if (record.Ref === 'AWS::NoValue') return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const resolved = onDemand(v);
    if (resolved !== undefined) out[k] = resolved;
  }
  return out;
}

/** The table as infra/table.yml (the file serverless.yml deploys) defines it, in on-demand mode. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const resource = onDemand(parse(readFileSync(`${INFRA}table.yml`, 'utf8'))) as {
    Properties: Record<string, unknown>;
  };
  const p = resource.Properties;
  return {
    TableName: tableName,
    BillingMode: p.BillingMode as 'PAY_PER_REQUEST',
    AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
  };
}

export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(tableDefinition(tableName)));
}

export async function createStream(client: KinesisClient, streamName: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  // Polled here rather than with the SDK's waiter, whose first retry comes after 10 s.
  for (let attempt = 0; ; attempt++) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    if (attempt > 1500) throw new Error(`stream ${streamName} did not become active`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function listen(server: Server, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} for the ${what} emulator is in use: pick another or free it`)
          : error,
      );
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
