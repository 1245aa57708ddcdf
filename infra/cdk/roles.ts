// Execution roles with nothing but what each function does: its own log groups and the
// statements passed in. No managed AWSLambdaBasicExecutionRole, whose log grant is on `*`.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export const LOG_ACTIONS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];

export type Placement = 'edge' | 'regional';

/**
 * The log groups a function writes to. Lambda@Edge replicas log to
 * `/aws/lambda/us-east-1.<name>` in whichever region ran them (CloudFront Developer Guide,
 * "Edge function logs"), and test invocations to `/aws/lambda/<name>` in us-east-1.
 */
export function ownLogGroupArns(stack: Stack, functionName: string, placement: Placement): string[] {
  const groups = placement === 'edge'
    ? [{ region: '*', name: `/aws/lambda/us-east-1.${functionName}` }, { region: 'us-east-1', name: `/aws/lambda/${functionName}` }]
    : [{ region: stack.region, name: `/aws/lambda/${functionName}` }];
  // CreateLogGroup is checked against the group's ARN, the other two against `<group>:log-stream:…`.
  return groups.flatMap(({ region, name }) => [name, `${name}:*`].map((resourceName) => stack.formatArn({
    service: 'logs', region, resource: 'log-group', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  })));
}

export function functionRole(scope: Construct, id: string, functionName: string, placement: Placement, statements: iam.PolicyStatement[] = []): iam.Role {
  const principals = [new iam.ServicePrincipal('lambda.amazonaws.com')];
  // Lambda@Edge replicates the function and assumes its role as edgelambda.
  if (placement === 'edge') principals.push(new iam.ServicePrincipal('edgelambda.amazonaws.com'));
  return new iam.Role(scope, id, {
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
}
