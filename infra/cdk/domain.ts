// The team's domain (config deploy.domain): the certificate the distribution serves its names
// with, either one the team made in ACM (certificateArn) or one this stack requests and
// validates in the team's Route 53 hosted zone (hostedZoneId), which also gets the alias records.
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { Config } from '../../shared/config';

/** The hosted zone ID of every CloudFront distribution, for Route 53 alias records (Route 53 API, AliasTarget). */
export const CLOUDFRONT_HOSTED_ZONE_ID = 'Z2FDTNDATAQYW2';

type Domain = NonNullable<Config['deploy']['domain']>;

export class ViewerCertificate extends Construct {
  readonly certificate: acm.ICertificate;
  private readonly domain: Domain;

  constructor(scope: Construct, id: string, domain: Domain) {
    super(scope, id);
    this.domain = domain;
    const [first, ...rest] = domain.names;
    this.certificate = domain.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn)
      // The stack is in us-east-1, where CloudFront requires its certificates to be.
      : new acm.Certificate(this, 'Certificate', {
        domainName: first,
        subjectAlternativeNames: rest.length ? rest : undefined,
        validation: acm.CertificateValidation.fromDns(route53.HostedZone.fromHostedZoneId(this, 'Zone', domain.hostedZoneId!)),
      });
  }

  /** With a hosted zone: A and AAAA alias records for every name. Otherwise the DNS step of docs/deploy.md. */
  addAliasRecords(distribution: cloudfront.IDistribution): void {
    if (!this.domain.hostedZoneId) return;
    this.domain.names.forEach((name, i) => {
      for (const type of ['A', 'AAAA']) {
        new route53.CfnRecordSet(this, `Alias${i}${type}`, {
          hostedZoneId: this.domain.hostedZoneId!,
          name: `${name}.`,
          type,
          aliasTarget: { dnsName: distribution.distributionDomainName, hostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID },
        });
      }
    });
  }
}

export function viewerCertificate(scope: Construct, id: string, domain: Config['deploy']['domain']): ViewerCertificate | undefined {
  return domain ? new ViewerCertificate(scope, id, domain) : undefined;
}
