// The CDK stack synthesized from a raw config, as the template tests read it.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ResizerStack } from '../../infra/cdk/resizer-stack';
import { parseConfig } from '../../shared/config';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function synth(raw: object) {
  const config = parseConfig(raw);
  const app = new App();
  const stack = new ResizerStack(app, 'Resizer', { config, env: { region: 'us-east-1' } });
  const template = Template.fromStack(stack);
  return { config, app, stack, template, json: template.toJSON() as Json };
}
