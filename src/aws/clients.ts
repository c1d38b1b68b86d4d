import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * SDK clients with their endpoints from the SDK's own AWS_ENDPOINT_URL_<SERVICE> variables, so
 * emulators need no code path of their own. Kinesis gets the HTTP/1.1 handler: the emulators do
 * not speak HTTP/2, and nothing here uses SubscribeToShard.
 */
export function awsClients() {
  return {
    dynamodb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    kinesis: new KinesisClient({ requestHandler: new NodeHttpHandler() }),
  };
}
