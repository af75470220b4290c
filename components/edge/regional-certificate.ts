import * as pulumi from "@pulumi/pulumi";
import * as acm from "@pulumi/aws/acm";
import * as route53 from "@pulumi/aws/route53";

export interface RegionalCertificateArgs {
    /** The region's own name, the certificate's subject (api.<region>.<domain>). */
    hostname: string;
    /**
     * Further names the load balancer answers for: the shared latency-routed origin (origin.<domain>), which CloudFront
     * sends as SNI and verifies against this certificate. Default [].
     */
    alternativeNames?: string[];
    /** The public hosted zone every name belongs to: where the DNS validation records go. */
    zoneId: pulumi.Input<string>;
}

/**
 * A regional ACM certificate for the load balancer's TLS listener, validated through DNS in the environment's zone:
 * one CNAME per name and a CertificateValidation that waits until ACM has issued it, so the load balancer never gets a
 * certificate still pending validation. Created by the aws provider of the region (an NLB takes only certificates of its
 * own region). ACM renews it as long as the validation records stay.
 */
export class RegionalCertificate extends pulumi.ComponentResource {
    /** The issued certificate's ARN: known only once validation has completed. */
    readonly certificateArn: pulumi.Output<string>;
    readonly names: string[];

    constructor(name: string, args: RegionalCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:RegionalCertificate", name, {}, opts);
        const alternativeNames = args.alternativeNames ?? [];
        this.names = [args.hostname, ...alternativeNames];
        const certificate = new acm.Certificate(`${name}-cert`, {
            domainName: args.hostname,
            subjectAlternativeNames: alternativeNames,
            validationMethod: "DNS",
            keyAlgorithm: "RSA_2048",
        }, { parent: this });

        // One record per name, known before the certificate exists (no resources inside an apply). ACM's validation
        // CNAME of a name is the same for every certificate of the account, in every region: each regional stack writes
        // the shared origin name's record (allowOverwrite) and leaves it when destroyed (retainOnDelete), so removing one
        // region never breaks another region's renewal.
        const records = this.names.map((domainName, index) => {
            const option = certificate.domainValidationOptions.apply((options) => {
                const found = options.find((o) => o.domainName === domainName);
                if (!found) throw new Error(`ACM returned no DNS validation record for ${domainName}`);
                return found;
            });
            return new route53.Record(`${name}-validation-${index}`, {
                zoneId: args.zoneId,
                name: option.resourceRecordName,
                type: option.resourceRecordType,
                records: [option.resourceRecordValue],
                ttl: 300,
                allowOverwrite: true,
            }, { parent: this, retainOnDelete: true });
        });
        const validation = new acm.CertificateValidation(`${name}-validation`, {
            certificateArn: certificate.arn,
            validationRecordFqdns: records.map((record) => record.fqdn),
        }, { parent: this });
        this.certificateArn = validation.certificateArn;
        this.registerOutputs({ certificateArn: this.certificateArn });
    }
}
