import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SnsMessage {
  topicArn: string;
  subject: string | undefined;
  /** What an SQS, Lambda or HTTPS subscriber receives: with MessageStructure json, its `default`. */
  message: string;
  /** With MessageStructure json, what an email subscriber receives. */
  email?: string;
  attributes: Record<string, string>;
}

/**
 * A local stand-in for SNS's Publish and PublishBatch (the AWS query protocol), so that dev mode
 * publishes through the real SnsPublisher and SDK client: only the endpoint differs. Every message
 * goes to `onMessage`; nothing is stored or fanned out.
 */
export class SnsSink {
  private server: Server | undefined;

  constructor(private readonly onMessage: (message: SnsMessage) => void) {}

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const { status, body } = this.handle(form);
        res.writeHead(status, { 'content-type': 'text/xml' }).end(body);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(`port ${port} for the SNS endpoint is in use: pick another or free it`)
            : error,
        ),
      );
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(form: URLSearchParams): { status: number; body: string } {
    const action = form.get('Action');
    const topicArn = form.get('TopicArn') ?? '';
    if (action === 'Publish') {
      this.onMessage(read(form, '', topicArn));
      const id = randomUUID();
      return ok('Publish', `<MessageId>${id}</MessageId>`);
    }
    if (action === 'PublishBatch') {
      const members: string[] = [];
      for (let i = 1; form.has(`PublishBatchRequestEntries.member.${i}.Id`); i++) {
        const prefix = `PublishBatchRequestEntries.member.${i}.`;
        this.onMessage(read(form, prefix, topicArn));
        members.push(
          `<member><Id>${xml(form.get(`${prefix}Id`) ?? '')}</Id><MessageId>${randomUUID()}</MessageId></member>`,
        );
      }
      return ok('PublishBatch', `<Successful>${members.join('')}</Successful><Failed/>`);
    }
    return {
      status: 400,
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${xml(String(action))} is not supported here</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    };
  }
}

function read(form: URLSearchParams, prefix: string, topicArn: string): SnsMessage {
  const attributes: Record<string, string> = {};
  for (let i = 1; form.has(`${prefix}MessageAttributes.entry.${i}.Name`); i++) {
    const entry = `${prefix}MessageAttributes.entry.${i}.`;
    attributes[form.get(`${entry}Name`) as string] = form.get(`${entry}Value.StringValue`) ?? '';
  }
  const raw = form.get(`${prefix}Message`) ?? '';
  // Per protocol, as SNS delivers it: subscribers that are not email get `default`.
  const perProtocol =
    form.get(`${prefix}MessageStructure`) === 'json'
      ? (JSON.parse(raw) as { default: string; email?: string })
      : undefined;
  return {
    topicArn,
    subject: form.get(`${prefix}Subject`) ?? undefined,
    message: perProtocol?.default ?? raw,
    ...(perProtocol?.email === undefined ? {} : { email: perProtocol.email }),
    attributes,
  };
}

const ok = (action: string, result: string) => ({
  status: 200,
  body: `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
});

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
