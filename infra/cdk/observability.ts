// What the resizer does, seen from CloudWatch. The resizer's log line is embedded metric format
// (functions/resize/metrics.ts), so its metrics land in each region where a replica ran, beside
// its logs. A dashboard in us-east-1 sums them over the configured regions (dashboards may read
// any region) next to the distribution's own metrics. Alarms cannot read another region's
// metrics, so every region gets the resizer's alarms in its own small stack; the distribution's
// 5xx alarm lives in us-east-1, where CloudFront publishes.
import { Annotations, App, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { metricNamespace, OUTCOMES, type MetricName, type Outcome } from '../../functions/resize/metrics';
import type { Config } from '../../shared/config';

/**
 * Where Lambda@Edge runs for each price class: the AWS Regions of the regional edge caches that
 * serve its edge locations (a replica runs in the region of the cache that handled the request).
 * A default only: `deploy.metricsRegions` lists them exactly, for example from the regions in which
 * `/aws/lambda/us-east-1.<stack>-resize` log groups appear.
 */
export const PRICE_CLASS_REGIONS: Record<Config['deploy']['priceClass'], readonly string[]> = {
  PriceClass_100: ['us-east-1', 'us-east-2', 'us-west-2', 'eu-central-1', 'eu-west-1', 'eu-west-2'],
  PriceClass_200: ['us-east-1', 'us-east-2', 'us-west-2', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'ap-south-1', 'ap-southeast-1', 'ap-northeast-1', 'ap-northeast-2'],
  PriceClass_All: ['us-east-1', 'us-east-2', 'us-west-2', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'ap-south-1', 'ap-southeast-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-2', 'sa-east-1'],
};

export function metricsRegions(config: Config): readonly string[] {
  return config.deploy.metricsRegions.length ? config.deploy.metricsRegions : PRICE_CLASS_REGIONS[config.deploy.priceClass];
}

const PERIOD = Duration.minutes(5);
/** Alarm when more than this share of the resizer's answers are fallbacks (the original instead of a variant). */
export const FALLBACK_RATE_THRESHOLD = 0.05;
/** ... but only over at least this many requests in the period, so one bad image at night does not page. */
export const FALLBACK_MIN_REQUESTS = 20;
/** Alarm when p99 of the resizer's total time reaches this share of its timeout. */
export const DURATION_TIMEOUT_SHARE = 0.8;
/** fallback-error answers (S3 failures, timeouts inside sharp, bugs) per period that raise the errors alarm. */
export const ERRORS_THRESHOLD = 5;
/** The distribution's 5xx rate, in percent, that raises the 5xx alarm. */
export const ERROR_RATE_5XX_THRESHOLD = 1;

function resizerMetric(config: Config, name: MetricName, outcome: Outcome, region: string | undefined, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: metricNamespace(config.deploy.stackName),
    metricName: name,
    dimensionsMap: { outcome },
    statistic,
    period: PERIOD,
    ...(region ? { region } : {}),
  });
}

/** Metric ids must start with a lower-case letter and hold only letters, digits and underscores. */
const idOf = (...parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();

/** One expression summing a metric over regions, a region without data counting as 0. */
function sumOverRegions(config: Config, name: MetricName, outcome: Outcome, regions: readonly string[], label: string): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  for (const region of regions) usingMetrics[idOf(name, outcome, region)] = resizerMetric(config, name, outcome, region, 'Sum');
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
    usingMetrics,
    label,
    period: PERIOD,
  });
}

function distributionMetric(distribution: cloudfront.IDistribution, metricName: string, statistic: string): cloudwatch.Metric {
  // CloudFront publishes in us-east-1 with Region=Global (Developer Guide, "Types of metrics for CloudFront").
  return new cloudwatch.Metric({
    namespace: 'AWS/CloudFront', metricName, statistic, period: PERIOD, region: 'us-east-1',
    dimensionsMap: { DistributionId: distribution.distributionId, Region: 'Global' },
  });
}

/** SNS topic for alarm notifications, when config names an address. */
function alarmTopic(scope: Construct, config: Config): sns.Topic | undefined {
  if (!config.deploy.alarmEmail) return undefined;
  const topic = new sns.Topic(scope, 'AlarmTopic', { displayName: `${config.deploy.stackName} alarms`, enforceSSL: true });
  topic.addSubscription(new subscriptions.EmailSubscription(config.deploy.alarmEmail));
  Validations.of(topic).acknowledge({
    id: 'AwsSolutions-SNS2',
    reason: 'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed aws/sns key, and the notifications carry only alarm names and states; a customer managed key would cost $1 a month per region for no secret',
  });
  return topic;
}

function notify(alarm: cloudwatch.Alarm, topic: sns.ITopic | undefined): cloudwatch.Alarm {
  if (topic) {
    alarm.addAlarmAction(new actions.SnsAction(topic));
    alarm.addOkAction(new actions.SnsAction(topic));
  }
  return alarm;
}

/** The resizer's alarms on the metrics of the region this construct is deployed in. */
export class ResizerAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: { config: Config; topic?: sns.ITopic }) {
    super(scope, id);
    const { config, topic } = props;
    const here = (name: MetricName, outcome: Outcome, statistic = 'Sum') => resizerMetric(config, name, outcome, undefined, statistic);
    const region = Stack.of(this).region;
    const prefix = `${config.deploy.stackName}-resize ${region}`;

    const errors = new cloudwatch.Alarm(this, 'Errors', {
      alarmName: `${prefix} errors`,
      alarmDescription: 'The resizer fell back to the original after an error (S3 failure, timeout inside the transform, bug): see its log group in this region for the reason',
      metric: here('Requests', 'fallback-error'),
      threshold: ERRORS_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const counts: Record<string, cloudwatch.IMetric> = {};
    for (const outcome of OUTCOMES) counts[idOf(outcome)] = here('Requests', outcome);
    const total = Object.keys(counts).map((k) => `FILL(${k}, 0)`).join(' + ');
    const fallbacks = `FILL(${idOf('fallback-too-large')}, 0) + FILL(${idOf('fallback-error')}, 0)`;
    const fallbackRate = new cloudwatch.Alarm(this, 'FallbackRate', {
      alarmName: `${prefix} fallback rate`,
      alarmDescription: `More than ${FALLBACK_RATE_THRESHOLD * 100}% of the resizer's answers were the original instead of a variant (over at least ${FALLBACK_MIN_REQUESTS} requests)`,
      metric: new cloudwatch.MathExpression({
        expression: `IF((${total}) >= ${FALLBACK_MIN_REQUESTS}, (${fallbacks}) / (${total}), 0)`,
        usingMetrics: counts,
        label: 'fallback share',
        period: PERIOD,
      }),
      threshold: FALLBACK_RATE_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const limitMs = config.deploy.resizeTimeoutSeconds * 1000 * DURATION_TIMEOUT_SHARE;
    const duration = new cloudwatch.Alarm(this, 'Duration', {
      alarmName: `${prefix} p99 duration`,
      alarmDescription: `p99 of the resizer's total time reached ${DURATION_TIMEOUT_SHARE * 100}% of its ${config.deploy.resizeTimeoutSeconds} s timeout (deploy.resizeTimeoutSeconds): raise resizeMemoryMb or lower maxInputPixels`,
      metric: here('totalMs', 'resized', 'p99'),
      threshold: limitMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [errors, fallbackRate, duration].map((alarm) => notify(alarm, topic));
  }
}

export interface ObservabilityProps {
  readonly config: Config;
  readonly distribution: cloudfront.IDistribution;
}

/** In the main stack (us-east-1): the dashboard, the 5xx alarm and us-east-1's resizer alarms. */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];
  readonly topic?: sns.Topic;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config, distribution } = props;
    const regions = metricsRegions(config);
    this.topic = alarmTopic(this, config);

    // CacheHitRate is one of CloudFront's additional metrics, which need this subscription.
    new cloudfront.CfnMonitoringSubscription(this, 'AdditionalMetrics', {
      distributionId: distribution.distributionId,
      monitoringSubscription: { realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: 'Enabled' } },
    });

    // Alarms read only their own region's metrics: CloudFront's are in us-east-1, the resizer's
    // in each region it ran in (the other regions get RegionalAlarmsStack).
    const here = Stack.of(this).region;
    const fiveXx = here !== 'us-east-1' ? [] : [notify(new cloudwatch.Alarm(this, 'ErrorRate5xx', {
      alarmName: `${config.deploy.stackName} distribution 5xx rate`,
      alarmDescription: `More than ${ERROR_RATE_5XX_THRESHOLD}% of viewer requests got a 5xx (a 502 is often a Lambda@Edge answer CloudFront refused, a 503 a function that timed out or was throttled)`,
      metric: distributionMetric(distribution, '5xxErrorRate', 'Average'),
      threshold: ERROR_RATE_5XX_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }), this.topic)];
    if (here !== 'us-east-1') {
      Annotations.of(this).addInfo(`The distribution's 5xx alarm reads CloudFront's metrics, which are in us-east-1 only: alarms cannot read another region, so a stack in ${here} has none (the dashboard shows the rate)`);
    }
    const resizer = regions.indexOf(here) >= 0 ? new ResizerAlarms(this, 'ResizerAlarms', { config, topic: this.topic }).alarms : [];
    this.alarms = [...fiveXx, ...resizer];

    const sum = (name: MetricName, outcome: Outcome) => sumOverRegions(config, name, outcome, regions, outcome);
    const perRegion = (name: MetricName, outcome: Outcome, statistic: string) => regions.map((region) => {
      const metric = resizerMetric(config, name, outcome, region, statistic);
      return metric.with({ label: `${region} ${statistic}` });
    });
    const width = 12;
    const height = 6;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${config.deploy.stackName}-resizer`,
      defaultInterval: Duration.days(1),
      widgets: [
        [new cloudwatch.TextWidget({
          width: 24, height: 2,
          markdown: `**${config.deploy.stackName}**: resizer metrics summed over ${regions.join(', ')} (deploy.metricsRegions); durations per region, since percentiles do not add up. Logs: \`/aws/lambda/us-east-1.${config.deploy.stackName}-resize\` in each region.`,
        })],
        [
          new cloudwatch.GraphWidget({ title: 'Resizer answers by outcome (all regions)', width, height, stacked: true, left: OUTCOMES.map((outcome) => sum('Requests', outcome)) }),
          new cloudwatch.GraphWidget({
            title: 'Distribution: requests and cache hit rate', width, height,
            left: [distributionMetric(distribution, 'Requests', 'Sum')],
            right: [distributionMetric(distribution, 'CacheHitRate', 'Average')],
            rightYAxis: { min: 0, max: 100, label: '%' },
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Resizer estimated cost, US$ per hour by outcome (all regions; the log line\'s CostUsd)', width: 24, height, stacked: true,
            left: OUTCOMES.map((outcome) => sum('CostUsd', outcome)), period: Duration.hours(1),
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Resizer total time p99, resized (ms)', width, height, left: perRegion('totalMs', 'resized', 'p99') }),
          new cloudwatch.GraphWidget({
            title: 'Resizer fetch and transform p50, resized (ms)', width, height,
            left: [...perRegion('fetchMs', 'resized', 'p50').map((m) => m.with({ label: `${m.region} fetch p50` })), ...perRegion('transformMs', 'resized', 'p50').map((m) => m.with({ label: `${m.region} transform p50` }))],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Bytes in and out, resized (all regions)', width, height,
            left: [sumOverRegions(config, 'BytesIn', 'resized', regions, 'bytes in'), sumOverRegions(config, 'BytesOut', 'resized', regions, 'bytes out')],
            right: perRegion('Quality', 'resized', 'Average').map((m) => m.with({ label: `${m.region} quality` })),
          }),
          new cloudwatch.GraphWidget({
            title: 'Distribution: 4xx and 5xx rates (%)', width, height,
            left: [distributionMetric(distribution, '4xxErrorRate', 'Average'), distributionMetric(distribution, '5xxErrorRate', 'Average')],
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: `Alarms in ${here}`, width: 24, height: 3, alarms: this.alarms })],
      ],
    });
  }
}

/** The resizer's alarms in one region other than us-east-1. */
export class RegionalAlarmsStack extends Stack {
  readonly alarms: ResizerAlarms;

  constructor(scope: Construct, id: string, props: StackProps & { config: Config }) {
    super(scope, id, props);
    const topic = alarmTopic(this, props.config);
    this.alarms = new ResizerAlarms(this, 'ResizerAlarms', { config: props.config, topic });
  }
}

/** One alarms stack per metrics region besides the ImageResizer's own (which its stack covers). */
export function addRegionalAlarmStacks(app: App, config: Config, account: string | undefined, resizerRegion = 'us-east-1'): RegionalAlarmsStack[] {
  return metricsRegions(config).filter((region) => region !== resizerRegion).map((region) => new RegionalAlarmsStack(app, `${config.deploy.stackName}-alarms-${region}`, {
    config,
    env: { region, account },
    description: `edge-image-resizer: alarms on the resizer's metrics in ${region}`,
  }));
}
