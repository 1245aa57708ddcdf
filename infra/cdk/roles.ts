// Execution roles with nothing but what each function does: its own log groups and the
// statements passed in. No managed AWSLambdaBasicExecutionRole, whose log grant is on `*`.
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export const LOG_ACTIONS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];

export type Placement = 'edge' | 'regional';

/**
 * The log groups a function writes to. Lambda@Edge replicas log to
 * `/aws/lambda/us-east-1.<name>` in whichever region ran them (CloudFront Developer Guide,
 * "Edge function logs"), and test invocations to `/aws/lambda/<name>` in us-east-1.
 */
function ownLogGroups(stack: Stack, functionName: string, placement: Placement): Array<{ region: string; resourceName: string }> {
  const groups = placement === 'edge'
    ? [{ region: '*', name: `/aws/lambda/us-east-1.${functionName}` }, { region: 'us-east-1', name: `/aws/lambda/${functionName}` }]
    : [{ region: stack.region, name: `/aws/lambda/${functionName}` }];
  // CreateLogGroup is checked against the group's ARN, the other two against `<group>:log-stream:…`.
  return groups.flatMap(({ region, name }) => [name, `${name}:*`].map((resourceName) => ({ region, resourceName })));
}

export function ownLogGroupArns(stack: Stack, functionName: string, placement: Placement): string[] {
  return ownLogGroups(stack, functionName, placement).map(({ region, resourceName }) => stack.formatArn({
    service: 'logs', region, resource: 'log-group', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  }));
}

/** cdk-nag's name for a wildcard resource finding (AwsSolutions-IAM5), tokens written as it writes them. */
export function wildcardFinding(resource: string): string {
  return `AwsSolutions-IAM5[Resource::${resource}]`;
}

/** Acknowledges the wildcards in the log grants, each with why it cannot be narrower. */
function acknowledgeLogWildcards(role: iam.Role, functionName: string, placement: Placement): void {
  for (const { region, resourceName } of ownLogGroups(Stack.of(role), functionName, placement)) {
    if (region !== '*' && !resourceName.endsWith(':*')) continue;
    const reasons = [];
    if (region === '*') reasons.push('Lambda@Edge replicas write to /aws/lambda/us-east-1.<name> in whichever region ran them, which CloudFront chooses per request, so the region must be a wildcard');
    if (resourceName.endsWith(':*')) reasons.push('CreateLogStream and PutLogEvents are checked against <log group>:log-stream:<stream>, and Lambda names the streams itself (date and instance), so the streams of this one group must be a wildcard');
    Validations.of(role).acknowledge({
      id: wildcardFinding(`arn:<AWS::Partition>:logs:${region}:<AWS::AccountId>:log-group:${resourceName}`),
      reason: reasons.join('; '),
    });
  }
}

export function functionRole(scope: Construct, id: string, functionName: string, placement: Placement, statements: iam.PolicyStatement[] = []): iam.Role {
  const principals = [new iam.ServicePrincipal('lambda.amazonaws.com')];
  // Lambda@Edge replicates the function and assumes its role as edgelambda.
  if (placement === 'edge') principals.push(new iam.ServicePrincipal('edgelambda.amazonaws.com'));
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.CompositePrincipal(...principals),
    description: `Execution role of ${functionName}`,
    inlinePolicies: {
      [`${functionName}-policy`.slice(-128)]: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ actions: LOG_ACTIONS, resources: ownLogGroupArns(Stack.of(scope), functionName, placement) }),
          ...statements,
        ],
      }),
    },
  });
  acknowledgeLogWildcards(role, functionName, placement);
  return role;
}
