import * as pulumi from "@pulumi/pulumi";
import * as s3 from "@pulumi/aws/s3";
import type * as inputs from "@pulumi/aws/types/input";
import { policyDocument, PolicyStatement } from "./iam-documents";

export type LifecycleRule = inputs.s3.BucketLifecycleConfigurationRule;

export interface PrivateBucketArgs {
    /** Keep every version of every object (static assets: roll back a bad deploy). Default false. */
    versioning?: boolean;
    /** Lifecycle rules (tiering, expiry). Default: only incomplete multipart uploads are cleaned up after 7 days. */
    lifecycleRules?: LifecycleRule[];
    /**
     * The owner grants access later with `grant`, once the grantee exists (a CloudFront distribution needs the bucket
     * before the bucket policy can name the distribution). Default false: the TLS-only policy is set now.
     */
    grantLater?: boolean;
    /** Let `pulumi destroy` delete a bucket that still holds objects. Default false: data is never dropped silently. */
    forceDestroy?: boolean;
    /**
     * Pulumi `protect` on the bucket (not its settings, which can be re-created without losing an object): a replacement or deletion fails until `pulumi state unprotect`. Default false (the
     * composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

const ABORT_UPLOADS: LifecycleRule = { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } };

/**
 * An S3 bucket no one outside the account can reach: all four public-access-block flags, ACLs disabled
 * (BucketOwnerEnforced), default encryption with S3-managed keys and bucket keys, requests without TLS refused.
 * SSE-S3 rather than a customer key: CloudFront's origin access control and Athena read it without KMS grants.
 */
export class PrivateBucket extends pulumi.ComponentResource {
    readonly bucket: s3.Bucket;
    /** The bucket's name (its id). */
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** The regional REST endpoint (<name>.s3.<region>.amazonaws.com), the origin CloudFront signs requests to. */
    readonly regionalDomainName: pulumi.Output<string>;
    /** The last of the bucket's settings: depend on it before writing to the bucket or serving it. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: PrivateBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:storage:PrivateBucket", name, {}, opts);
        this.bucketName = name;
        const child = { parent: this };

        this.bucket = new s3.Bucket(name, { forceDestroy: args.forceDestroy ?? false }, { ...child, protect: args.protect });
        const bucket = this.bucket.bucket;
        const accessBlock = new s3.BucketPublicAccessBlock(name, {
            bucket,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, child);
        const ownership = new s3.BucketOwnershipControls(name, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
        const encryption = new s3.BucketServerSideEncryptionConfiguration(name, {
            bucket,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
        }, child);
        const versioning = new s3.BucketVersioning(name, {
            bucket,
            // "Disabled" leaves a never-versioned bucket as it is ("Suspended" would record a versioning state).
            versioningConfiguration: { status: args.versioning ? "Enabled" : "Disabled" },
        }, child);
        const lifecycle = new s3.BucketLifecycleConfiguration(name, {
            bucket,
            rules: [ABORT_UPLOADS, ...(args.lifecycleRules ?? [])],
        }, { parent: this, dependsOn: [versioning] });

        this.name = bucket;
        this.arn = this.bucket.arn;
        this.regionalDomainName = this.bucket.bucketRegionalDomainName;
        this.ready = [accessBlock, ownership, encryption, versioning, lifecycle];
        this.settings = [accessBlock, ownership];
        if (!args.grantLater) this.grant(() => []);
        this.registerOutputs({ name: this.name, arn: this.arn });
    }

    private readonly settings: pulumi.Resource[];
    private readonly bucketName: string;
    private policy?: s3.BucketPolicy;

    /**
     * Sets the bucket policy: TLS only, plus `statements` built from the bucket's ARN. Once per bucket. The statements
     * are combined at the top level (not inside an apply on the ARN), so the policy depends on what they refer to
     * (the distribution) even in a preview, when the ARN is unknown.
     */
    grant(statements: (bucketArn: pulumi.Output<string>) => pulumi.Input<PolicyStatement[]>): s3.BucketPolicy {
        if (this.policy) throw new Error("PrivateBucket.grant: the bucket policy is already set; pass every statement at once");
        this.policy = new s3.BucketPolicy(this.bucketName, {
            bucket: this.name,
            policy: pulumi.all([this.arn, pulumi.output(statements(this.arn))]).apply(([arn, extra]) => policyDocument([
                {
                    Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*",
                    Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": false } },
                },
                ...(extra as PolicyStatement[]),
            ])),
        // A policy written before the access block would be judged against the account's defaults first.
        }, { parent: this, dependsOn: this.settings });
        this.ready.push(this.policy);
        return this.policy;
    }
}
