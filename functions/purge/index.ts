// Regional Lambda behind an SQS queue of S3 event notifications: invalidates `/<key>*` on the
// distribution for every original that was replaced or deleted, so no variant goes stale.
// Messages whose batch failed go back to the queue (partial batch response) and are retried
// after the visibility timeout; CloudFront refuses more than 15 wildcard paths in progress, so
// after the first refusal the rest of the batch is not even tried.
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { planInvalidations } from './plan';

const client = new CloudFrontClient({});

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const distributionId = process.env.DISTRIBUTION_ID;
  if (!distributionId) throw new Error('DISTRIBUTION_ID is not set');
  const plan = planInvalidations(event.Records.map((record) => ({ id: record.messageId, body: record.body })));
  const failed = new Set<string>();
  for (const { id, reason } of plan.unreadable) {
    console.log(JSON.stringify({ outcome: 'unreadable', messageId: id, reason }));
    failed.add(id);
  }

  let refused = false;
  for (const batch of plan.batches) {
    if (!refused) {
      try {
        const result = await client.send(new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: {
            CallerReference: batch.callerReference,
            Paths: { Quantity: batch.paths.length, Items: [...batch.paths] },
          },
        }));
        console.log(JSON.stringify({ outcome: 'invalidated', id: result.Invalidation?.Id, paths: batch.paths }));
        continue;
      } catch (error) {
        refused = (error as { name?: string }).name === 'TooManyInvalidationsInProgress';
        console.log(JSON.stringify({ outcome: 'failed', error: (error as Error).name, message: (error as Error).message, paths: batch.paths }));
      }
    }
    for (const id of batch.messageIds) failed.add(id);
  }
  return { batchItemFailures: Array.from(failed, (itemIdentifier) => ({ itemIdentifier })) };
}
