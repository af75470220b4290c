import * as pulumi from "@pulumi/pulumi";
import * as acm from "@pulumi/aws/acm";
import * as route53 from "@pulumi/aws/route53";

export interface EdgeCertificateArgs {
    /** The names the certificate covers (CloudFront's aliases); the first is its subject. */
    domains: string[];
    /** The public hosted zone the DNS validation records go into. */
    zoneId: pulumi.Input<string>;
    /** An aws provider for us-east-1: CloudFront takes certificates only from ACM in us-east-1. */
    usEast1: pulumi.ProviderResource;
}

/**
 * An ACM certificate in us-east-1, validated through CNAME records in the zone (ACM renews it on its own while the
 * records stay). `certificateArn` resolves only once ACM has issued it, so CloudFront never gets a pending certificate.
 */
export class EdgeCertificate extends pulumi.ComponentResource {
    readonly certificateArn: pulumi.Output<string>;

    constructor(name: string, args: EdgeCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:EdgeCertificate", name, {}, opts);
        if (args.domains.length === 0) throw new Error(`${name}: an edge certificate needs at least one domain`);
        const [subject, ...alternatives] = args.domains;
        const certificate = new acm.Certificate(name, {
            domainName: subject,
            subjectAlternativeNames: alternatives,
            validationMethod: "DNS",
            keyAlgorithm: "RSA_2048",
            options: { certificateTransparencyLoggingPreference: "ENABLED" },
        }, { parent: this, provider: args.usEast1 });

        // One record per name, found by name so the order ACM lists them in does not matter.
        const records = args.domains.map((domain, i) => {
            const option = certificate.domainValidationOptions.apply((options) => {
                const found = options.find((o) => o.domainName === domain);
                if (!found) throw new Error(`${name}: ACM returned no validation record for ${domain}`);
                return found;
            });
            return new route53.Record(`${name}-validation-${i}`, {
                zoneId: args.zoneId,
                name: option.resourceRecordName,
                type: option.resourceRecordType,
                records: [option.resourceRecordValue],
                ttl: 300,
                // A renewal, or a second stack validating the same name, writes the same record.
                allowOverwrite: true,
            }, { parent: this });
        });
        const validation = new acm.CertificateValidation(name, {
            certificateArn: certificate.arn,
            validationRecordFqdns: records.map((r) => r.fqdn),
        }, { parent: this, provider: args.usEast1 });

        this.certificateArn = validation.certificateArn;
        this.registerOutputs({ certificateArn: this.certificateArn });
    }
}
