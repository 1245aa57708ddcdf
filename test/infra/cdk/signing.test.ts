// The signing keys' KeyValueStore in the synthesized template: created and associated with the
// CloudFront Function only when signing is on, and never holding a key itself.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResizerStack } from '../../../infra/cdk/resizer-stack';
import { parseConfig } from '../../../shared/config';

const KEY = 'k'.repeat(32);

function template(raw: object): Template {
  const app = new App();
  return Template.fromStack(new ResizerStack(app, 'Resizer', { config: parseConfig(raw), signingKeys: [KEY], env: { region: 'us-east-1' } }));
}

test('signing on with the CloudFront Function: a KeyValueStore without data, associated with the function, its ARN an output', () => {
  const synthesized = template({ signing: { enabled: true } });
  synthesized.resourceCountIs('AWS::CloudFront::KeyValueStore', 1);
  const [[id, store]] = Object.entries(synthesized.findResources('AWS::CloudFront::KeyValueStore'));
  assert.is(store.Properties.Name, 'EdgeImageResizer-signing-keys');
  assert.is(store.Properties.ImportSource, undefined, 'no keys imported from a template or an asset');
  synthesized.hasResourceProperties('AWS::CloudFront::Function', {
    FunctionConfig: { Runtime: 'cloudfront-js-2.0', KeyValueStoreAssociations: [{ KeyValueStoreARN: { 'Fn::GetAtt': [id, 'Arn'] } }] },
  });
  synthesized.hasOutput('SigningKeysStoreArn', { Value: { 'Fn::GetAtt': [id, 'Arn'] } });
});

test('signing off, or the Lambda@Edge normalizer (keys baked at build time): no KeyValueStore', () => {
  for (const raw of [{}, { signing: { enabled: true }, deploy: { normalizer: 'lambda-edge' } }]) {
    const synthesized = template(raw);
    synthesized.resourceCountIs('AWS::CloudFront::KeyValueStore', 0);
    assert.equal(Object.keys(synthesized.findOutputs('SigningKeysStoreArn')), []);
  }
  template({}).hasResourceProperties('AWS::CloudFront::Function', { FunctionConfig: { KeyValueStoreAssociations: Match.absent() } });
});

test.run();
