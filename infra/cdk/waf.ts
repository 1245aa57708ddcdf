// The optional AWS WAF web ACL (config deploy.waf): a rate limit per client IP and AWS's managed
// common rule set. CLOUDFRONT scope ACLs must be created in us-east-1, where this stack is.
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';

/** WAF counts requests per IP over this window (seconds); deploy.waf.rateLimit is per window. */
export const RATE_WINDOW_SECONDS = 300;
export const COMMON_RULE_SET = 'AWSManagedRulesCommonRuleSet';

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

export function webAcl(scope: Construct, id: string, stackName: string, waf: { readonly rateLimit: number }): wafv2.CfnWebACL {
  return new wafv2.CfnWebACL(scope, id, {
    name: `${stackName}-web-acl`,
    description: `${stackName}: rate limit per client IP and the AWS managed common rule set`,
    scope: 'CLOUDFRONT',
    defaultAction: { allow: {} },
    visibilityConfig: visibility(`${stackName}-web-acl`),
    rules: [
      {
        // First, so a flood is refused before the managed rules spend capacity on it.
        name: 'RateLimitPerIp',
        priority: 0,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: waf.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: RATE_WINDOW_SECONDS } },
        visibilityConfig: visibility(`${stackName}-rate-limit`),
      },
      {
        name: COMMON_RULE_SET,
        priority: 1,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: COMMON_RULE_SET } },
        visibilityConfig: visibility(`${stackName}-common`),
      },
    ],
  });
}
