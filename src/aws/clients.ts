import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Every client gets connection and request timeouts: an endpoint that accepts a connection and
 * never answers must fail a call (which the callers retry or keep pending), not hang a batch until
 * the Lambda times out. HTTP/1.1 for all: the emulators do not speak HTTP/2, and nothing here uses
 * SubscribeToShard.
 */
export interface ClientTimeouts {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: ClientTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 };

export const httpHandler = (timeouts: ClientTimeouts = DEFAULT_TIMEOUTS) =>
  new NodeHttpHandler({
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    // Without this the handler only logs a warning when the request timeout passes.
    throwOnRequestTimeout: true,
    socketTimeout: timeouts.requestTimeoutMs,
  });

/**
 * SDK clients with their endpoints from the SDK's own AWS_ENDPOINT_URL_<SERVICE> variables, so
 * emulators need no code path of their own.
 */
export function awsClients(timeouts: ClientTimeouts = DEFAULT_TIMEOUTS) {
  return {
    dynamodb: new DynamoDBClient({ requestHandler: httpHandler(timeouts) }),
    sns: new SNSClient({ requestHandler: httpHandler(timeouts) }),
    kinesis: new KinesisClient({ requestHandler: httpHandler(timeouts) }),
  };
}
