import * as pulumi from "@pulumi/pulumi";
import * as acm from "@pulumi/aws/acm";
import * as route53 from "@pulumi/aws/route53";

export interface DnsValidatedCertificateArgs {
    /** The names the certificate covers; the first is its subject. */
    names: string[];
    /** The public hosted zone the DNS validation records go into. */
    zoneId: pulumi.Input<string>;
    /** Resource names of the certificate and of its CertificateValidation; records are `<recordPrefix>-<i>`. */
    certificateName: string;
    validationName: string;
    recordPrefix: string;
    /** Further certificate settings (e.g. certificate transparency logging). */
    certificateOptions?: Pick<acm.CertificateArgs, "options">;
    /** Keep the validation records on destroy (records another stack's certificate of the same name also uses). */
    retainRecords?: boolean;
    /** The provider of the certificate's region (CloudFront's: us-east-1); default the parent's. */
    provider?: pulumi.ProviderResource;
}

/**
 * An ACM certificate validated through one CNAME per name in the zone, and the ARN of the issued certificate: it
 * resolves only once ACM has issued it, so nothing is ever given a certificate still pending validation. ACM renews it
 * while the records stay. Records are found by name, so the order ACM lists them in does not matter, and are known
 * before the certificate exists (no resources inside an apply). ACM's validation CNAME of a name is the same for every
 * certificate of the account, so records overwrite rather than conflict.
 */
export function dnsValidatedCertificate(args: DnsValidatedCertificateArgs, parent: pulumi.Resource): pulumi.Output<string> {
    const [subject, ...alternatives] = args.names;
    const regional = args.provider ? { provider: args.provider } : {};
    const certificate = new acm.Certificate(args.certificateName, {
        domainName: subject,
        subjectAlternativeNames: alternatives,
        validationMethod: "DNS",
        keyAlgorithm: "RSA_2048",
        ...args.certificateOptions,
    }, { parent, ...regional });

    const records = args.names.map((domainName, index) => {
        const option = certificate.domainValidationOptions.apply((options) => {
            const found = options.find((o) => o.domainName === domainName);
            if (!found) throw new Error(`${args.certificateName}: ACM returned no DNS validation record for ${domainName}`);
            return found;
        });
        return new route53.Record(`${args.recordPrefix}-${index}`, {
            zoneId: args.zoneId,
            name: option.resourceRecordName,
            type: option.resourceRecordType,
            records: [option.resourceRecordValue],
            ttl: 300,
            allowOverwrite: true,
        }, { parent, ...(args.retainRecords ? { retainOnDelete: true } : {}) });
    });
    return new acm.CertificateValidation(args.validationName, {
        certificateArn: certificate.arn,
        validationRecordFqdns: records.map((record) => record.fqdn),
    }, { parent, ...regional }).certificateArn;
}
