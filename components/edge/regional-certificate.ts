import * as pulumi from "@pulumi/pulumi";
import { dnsValidatedCertificate } from "./dns-validated-certificate";

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
        this.names = [args.hostname, ...(args.alternativeNames ?? [])];
        // Each regional stack writes the shared origin name's validation record and leaves it when destroyed, so
        // removing one region never breaks another region's renewal.
        this.certificateArn = dnsValidatedCertificate({
            names: this.names,
            zoneId: args.zoneId,
            certificateName: `${name}-cert`,
            validationName: `${name}-validation`,
            recordPrefix: `${name}-validation`,
            retainRecords: true,
        }, this);
        this.registerOutputs({ certificateArn: this.certificateArn });
    }
}
