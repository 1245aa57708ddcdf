// @edge-image-resizer/cdk: what a team's CDK app imports.
export { ImageResizer, checkDeployConfig, EDGE_REGION, type ImageResizerProps, type ImportedBucket } from './image-resizer';
export { addRegionalAlarmStacks, RegionalAlarmsStack, metricsRegions } from './observability';
export { errorResponses } from './policies';
export { parseConfig, CONFIG_SCHEMA, type Config } from '../../shared/config';
