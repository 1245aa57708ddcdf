// Purge on change: S3 event notifications for replaced or deleted originals go to an SQS queue,
// and a small regional function invalidates `/<key>*` on the distribution in batches.
//
// Why a queue: CloudFront refuses a 16th wildcard invalidation path while 15 are in progress
// (Developer Guide, "Concurrent invalidation request maximum"). Straight from S3, an upload of
// a hundred originals would start a hundred functions, most of them refused, and Lambda
// retries an asynchronous event only twice. The queue gathers changes for up to `BATCHING_WINDOW` into
// batches of at most 15 messages (one key each), and a refused batch goes back to the queue
// (partial batch response) to be retried after the visibility timeout, then lands in a
// dead-letter queue instead of being lost.
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_WILDCARD_PATHS_IN_PROGRESS } from '../../functions/purge/plan';
import { functionRole } from './roles';

export const PURGE_TIMEOUT = Duration.seconds(30);
export const PURGE_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const BATCHING_WINDOW = Duration.seconds(30);
/** How often a refused batch is retried before its messages go to the dead-letter queue. */
export const MAX_RECEIVES = 20;

export interface PurgeOnChangeProps {
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.Distribution;
  readonly functionName: string;
  /** The folder holding index.js (dist/purge). */
  readonly codeDir: string;
}

export class PurgeOnChange extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: PurgeOnChangeProps) {
    super(scope, id);
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // SSE-SQS rather than KMS: S3 can publish to it without a key policy.
    this.queue = new sqs.Queue(this, 'Changes', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // Denies aws:SecureTransport=false; S3's notifications and Lambda's polling both use TLS.
      enforceSSL: true,
      // Lambda's guidance for SQS event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(PURGE_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVES },
    });
    for (const event of [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED]) {
      props.bucket.addEventNotification(event, new s3n.SqsDestination(this.queue));
    }

    const role = functionRole(this, 'Role', props.functionName, 'regional');
    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      description: 'Invalidates /<key>* on the distribution when an original changes',
      // A regional function: the newest Lambda runtime (Lambda@Edge's limit does not apply here).
      runtime: PURGE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.codeDir),
      memorySize: 256,
      timeout: PURGE_TIMEOUT,
      role,
      environment: { DISTRIBUTION_ID: props.distribution.distributionId },
    });
    // cloudfront:CreateInvalidation on this distribution only.
    props.distribution.grantCreateInvalidation(role);
    this.function.addEventSource(new SqsEventSource(this.queue, {
      batchSize: MAX_WILDCARD_PATHS_IN_PROGRESS,
      maxBatchingWindow: BATCHING_WINDOW,
      reportBatchItemFailures: true,
      // The least SQS allows; more would only meet more refusals.
      maxConcurrency: 2,
    }));
  }
}
