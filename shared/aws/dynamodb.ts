import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { runtimeSettings } from '../config/runtime.js';
import { CALL_LIMITS, clientOptions, withDeadline } from './clients.js';

let client: DynamoDBDocumentClient | undefined;

/** The DynamoDB document client, created once per container (`DYNAMODB_ENDPOINT` for dynalite). */
export function documentClient(): DynamoDBDocumentClient {
  client ??= withDeadline(
    DynamoDBDocumentClient.from(
      new DynamoDBClient(clientOptions(CALL_LIMITS.dynamodb, runtimeSettings().dynamoDbEndpoint)),
      { marshallOptions: { removeUndefinedValues: true } },
    ),
  );
  return client;
}
