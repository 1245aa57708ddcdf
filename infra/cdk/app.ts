// CDK entry (cdk.json's app): the project's config, one stack in us-east-1, plus the resizer's
// alarms in every other region it logs in; AWS's best-practice rule pack checks all of them.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { projectConfig } from '../../shared/config-file';
import { signingKeysFromEnv } from '../../scripts/signing-keys';
import { addRegionalAlarmStacks } from './observability';
import { EDGE_REGION } from './image-resizer';
import { ResizerStack } from './resizer-stack';

const bakedConfig = projectConfig().config;
const app = new App();
// cdk-nag's AwsSolutions pack: a finding that is neither fixed nor acknowledged fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new ResizerStack(app, bakedConfig.deploy.stackName, {
  config: bakedConfig,
  signingKeys: signingKeysFromEnv() ?? undefined,
  // us-east-1, where Lambda@Edge functions are created, so they stay in this one stack (the
  // construct works in any region). The account is left to the CLI's credentials, so synth
  // works offline without any.
  env: { region: EDGE_REGION, account: process.env.CDK_DEFAULT_ACCOUNT },
  description: 'edge-image-resizer: S3 originals resized on the fly at the CloudFront edge',
});
addRegionalAlarmStacks(app, bakedConfig, process.env.CDK_DEFAULT_ACCOUNT);
app.synth();
