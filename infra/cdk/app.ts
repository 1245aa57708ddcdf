// CDK entry (cdk.json's app): the project's config, one stack in us-east-1.
import { App } from 'aws-cdk-lib';
import { bakedConfig } from '../../shared/baked-config';
import { EDGE_REGION, ResizerStack } from './stack';

const app = new App();
new ResizerStack(app, bakedConfig.deploy.stackName, {
  config: bakedConfig,
  // The region is fixed: Lambda@Edge functions are created in us-east-1. The account is left to
  // the CLI's credentials, so synth works offline without any.
  env: { region: EDGE_REGION, account: process.env.CDK_DEFAULT_ACCOUNT },
  description: 'edge-image-resizer: S3 originals resized on the fly at the CloudFront edge',
});
app.synth();
