// This repository's own stack: one ImageResizer (a new bucket and a new distribution) in
// us-east-1, as a team would add it to a stack of its own app. The construct's id `Default`
// keeps the logical IDs this stack had before the construct existed, so an update of a deployed
// stack keeps its bucket and distribution.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../../shared/config';
import { ImageResizer } from './image-resizer';

export interface ResizerStackProps extends StackProps {
  readonly config: Config;
  /** The Lambda@Edge normalizer's signing keys (SIGNING_KEYS_FILE), when it signs. */
  readonly signingKeys?: readonly string[];
  /** The bundle templates; default: cdk/dist/assets, written by `npm run build`. */
  readonly assetsDir?: string;
}

export class ResizerStack extends Stack {
  readonly resizer: ImageResizer;

  constructor(scope: Construct, id: string, props: ResizerStackProps) {
    super(scope, id, props);
    this.resizer = new ImageResizer(this, 'Default', { config: props.config, signingKeys: props.signingKeys, assetsDir: props.assetsDir });
  }
}
