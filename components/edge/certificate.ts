import * as pulumi from "@pulumi/pulumi";
import { dnsValidatedCertificate } from "./dns-validated-certificate";

export interface EdgeCertificateArgs {
    /** The names the certificate covers (CloudFront's aliases); the first is its subject. */
    domains: string[];
    /** The public hosted zone the DNS validation records go into. */
    zoneId: pulumi.Input<string>;
    /** An aws provider for us-east-1: CloudFront takes certificates only from ACM in us-east-1. */
    usEast1: pulumi.ProviderResource;
}

/** CloudFront's ACM certificate in us-east-1, DNS-validated in the zone, with certificate transparency logging. */
export class EdgeCertificate extends pulumi.ComponentResource {
    readonly certificateArn: pulumi.Output<string>;

    constructor(name: string, args: EdgeCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:EdgeCertificate", name, {}, opts);
        if (args.domains.length === 0) throw new Error(`${name}: an edge certificate needs at least one domain`);
        this.certificateArn = dnsValidatedCertificate({
            names: args.domains,
            zoneId: args.zoneId,
            certificateName: name,
            validationName: name,
            recordPrefix: `${name}-validation`,
            certificateOptions: { options: { certificateTransparencyLoggingPreference: "ENABLED" } },
            provider: args.usEast1,
        }, this);
        this.registerOutputs({ certificateArn: this.certificateArn });
    }
}
