import { hexOf, mockTlsKey } from "./mock-keys";
import { readFileSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { getAvailabilityZones, zonesOf } from "./aws-zones";
import { eksClusterModel } from "./models/eks-cluster";
import { isUnknown, UNKNOWN, type ComponentExpansion, type ModelContext } from "./models/model";
import { awsxVpcModel, cidrsOverlap } from "./models/awsx-vpc";
import { mockZoneId, type ProjectStacks } from "./stack-references";
import { mockAuroraCluster, mockAuroraInstance, mockRdsInstance, mockSecretArn, refuseAuroraCluster, refuseBackupReplication, refuseRdsInstance } from "./mock-rds";

/**
 * The mock cloud: answers every resource registration and invoke the program makes with the inputs echoed back plus
 * the outputs the real provider would compute (ids, ARNs, endpoints, the outputs of opaque multi-language components).
 * Values the cloud would assign are visibly placeholders: account 000000000000, ids containing "mock".
 */
export const MOCK_ACCOUNT_ID = "000000000000";

/**
 * How the engine writes a value that is not known until the cloud computes it (`computedValuePlaceholder` in
 * pulumi/pulumi pkg/resource/stack/deployment.go; `unknownValue` in the Node SDK's runtime/rpc). A mock that returns
 * it makes the SDK resolve that output as unknown in preview, exactly as a provider's preview of a create does.
 */
export { UNKNOWN };

type State = Record<string, unknown>;
type OutputMock = (name: string, inputs: State, ctx: MockContext) => State;

interface MockContext {
    region: string;
    id: string;
    hex: (salt?: string) => string;
}

function arn(ctx: MockContext, service: string, resource: string, region = ctx.region): string {
    return `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${resource}`;
}

/** Outputs by type token, for resources whose outputs the program reads. */
const OUTPUTS: Record<string, OutputMock> = {
    // What RDS refuses of an instance is judged at registration (MockCloud.newResource), where the sources are known.
    "aws:rds/instance:Instance": (name, inputs, ctx) => mockRdsInstance(name, ctx.region, MOCK_ACCOUNT_ID, inputs),
    "aws:rds/cluster:Cluster": (name, inputs, ctx) => mockAuroraCluster(name, ctx.region, MOCK_ACCOUNT_ID, inputs),
    "aws:rds/clusterInstance:ClusterInstance": (name, inputs, ctx) => mockAuroraInstance(name, ctx.region, MOCK_ACCOUNT_ID, inputs),
    // Global: no region in its ARN.
    "aws:rds/globalCluster:GlobalCluster": (_name, inputs, ctx) => ({
        arn: `arn:aws:rds::${MOCK_ACCOUNT_ID}:global-cluster:${String(inputs.globalClusterIdentifier)}`,
        globalClusterResourceId: `cluster-MOCK${ctx.hex("rid").slice(0, 22).toUpperCase()}`,
        endpoint: `${String(inputs.globalClusterIdentifier)}.global-mock${ctx.hex("host").slice(0, 10)}.global.rds.amazonaws.com`,
    }),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (_name, inputs, ctx) => {
        refuseBackupReplication(inputs, ctx.region);
        return {};
    },
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1, defaultVersion: 1 }),
    "aws:ecr/repository:Repository": (name, _inputs, ctx) => ({
        repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${ctx.region}.amazonaws.com/${name}-${ctx.hex().slice(0, 7)}`,
        arn: arn(ctx, "ecr", `repository/${name}-${ctx.hex().slice(0, 7)}`),
        registryId: MOCK_ACCOUNT_ID,
    }),
    // Built by Docker at deploy time: the digest cannot be known offline, so it is a visible placeholder.
    "awsx:ecr:Image": (_name, inputs) => ({ imageUri: `${String(inputs.repositoryUrl)}@sha256:${"0".repeat(60)}beef` }),
    "docker-build:index:Image": (_name, inputs) => {
        const digest = `sha256:${"0".repeat(60)}beef`;
        const [tag] = (inputs.tags as string[] | undefined) ?? [];
        return { digest, ref: tag ? `${tag}@${digest}` : "", contextHash: "mock-context-hash" };
    },
    "aws:secretsmanager/secret:Secret": (name, inputs, ctx) => ({ arn: mockSecretArn(name, ctx.region, MOCK_ACCOUNT_ID, inputs.name) }),

    // Route 53 is global: no region in its ARNs. The zone's id is its zoneId.
    "aws:route53/zone:Zone": (_name, _inputs, ctx) => ({
        zoneId: ctx.id, arn: `arn:aws:route53:::hostedzone/${ctx.id}`,
        nameServers: [1, 2, 3, 4].map((n) => `ns-mock-${n}.awsdns-${ctx.hex(String(n)).slice(0, 2)}.${["com", "net", "org", "co.uk"][n - 1]}`),
        primaryNameServer: "ns-mock-1.awsdns-00.com",
    }),
    "aws:route53/record:Record": (_name, inputs) => ({ fqdn: String(inputs.name ?? "").replace(/\.$/, "") }),
    "aws:route53/healthCheck:HealthCheck": (_name, _inputs, ctx) => ({ arn: `arn:aws:route53:::healthcheck/${ctx.id}` }),
    // ACM's validation record of a name depends on the name and the account only (the same for every certificate of
    // the account, in every region), which is why regional stacks share the origin name's record.
    "aws:acm/certificate:Certificate": (_name, inputs, ctx) => {
        const names = [String(inputs.domainName), ...((inputs.subjectAlternativeNames as string[] | undefined) ?? [])];
        return {
            arn: arn(ctx, "acm", `certificate/mock${ctx.hex().slice(0, 4)}-${ctx.hex().slice(4, 8)}-${ctx.hex().slice(8, 12)}-${ctx.hex().slice(12, 24)}`),
            status: "PENDING_VALIDATION",
            domainValidationOptions: names.map((domainName) => {
                const token = hexOf("acm-validation", MOCK_ACCOUNT_ID, domainName);
                return {
                    domainName,
                    resourceRecordName: `_mock${token.slice(0, 28)}.${domainName}.`,
                    resourceRecordType: "CNAME",
                    resourceRecordValue: `_mock${token.slice(28, 60)}.mockvalidation.acm-validations.aws.`,
                };
            }),
        };
    },

    "aws:sqs/queue:Queue": (name, inputs, ctx) => {
        const queueName = String(inputs.name ?? `${name}-${ctx.hex().slice(0, 7)}`);
        return { name: queueName, url: `https://sqs.${ctx.region}.amazonaws.com/${MOCK_ACCOUNT_ID}/${queueName}`, arn: arn(ctx, "sqs", queueName) };
    },
    "aws:efs/fileSystem:FileSystem": (_name, _inputs, ctx) => ({
        arn: arn(ctx, "elasticfilesystem", `file-system/${ctx.id}`),
        dnsName: `${ctx.id}.efs.${ctx.region}.amazonaws.com`,
    }),
    "aws:kms/key:Key": (_name, _inputs, ctx) => ({ keyId: ctx.id, arn: arn(ctx, "kms", `key/${ctx.id}`) }),
    "aws:cloudwatch/logGroup:LogGroup": (name, inputs, ctx) => ({ arn: arn(ctx, "logs", `log-group:${String(inputs.name ?? name)}`) }),
    "aws:iam/role:Role": (name, inputs, ctx) => {
        const roleName = String(inputs.name ?? `${name}-${ctx.hex().slice(0, 7)}`);
        return { name: roleName, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${roleName}`, uniqueId: `AROAMOCK${ctx.hex("uid").slice(0, 12).toUpperCase()}` };
    },
    "aws:iam/policy:Policy": (name, inputs, ctx) => {
        const policyName = String(inputs.name ?? `${name}-${ctx.hex().slice(0, 7)}`);
        return { name: policyName, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${policyName}` };
    },
    "aws:sns/topic:Topic": (name, inputs, ctx) => {
        const topicName = String(inputs.name ?? `${name}-${ctx.hex().slice(0, 7)}`);
        return { name: topicName, arn: arn(ctx, "sns", topicName) };
    },
    // SES v2: a domain identity's ARN names the domain; Easy DKIM answers three tokens (32 lower-case characters each),
    // and the identity stays unverified until SES finds their CNAMEs.
    "aws:sesv2/emailIdentity:EmailIdentity": (_name, inputs, ctx) => {
        const identity = String(inputs.emailIdentity);
        const dkim = (inputs.dkimSigningAttributes as State | undefined) ?? {};
        return {
            arn: arn(ctx, "ses", `identity/${identity}`),
            identityType: identity.includes("@") ? "EMAIL_ADDRESS" : "DOMAIN",
            verifiedForSendingStatus: false,
            verificationStatus: "PENDING",
            dkimSigningAttributes: {
                ...dkim,
                tokens: [1, 2, 3].map((n) => `mock${ctx.hex(`dkim${n}`)}`.slice(0, 32)),
                signingAttributesOrigin: "AWS_SES",
                status: "PENDING",
                currentSigningKeyLength: String(dkim.nextSigningKeyLength ?? "RSA_2048_BIT"),
                nextSigningKeyLength: String(dkim.nextSigningKeyLength ?? "RSA_2048_BIT"),
                lastKeyGenerationTimestamp: "2026-01-01T00:00:00Z",
            },
        };
    },
    "aws:sesv2/configurationSet:ConfigurationSet": (_name, inputs, ctx) => ({ arn: arn(ctx, "ses", `configuration-set/${String(inputs.configurationSetName)}`) }),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (name, inputs, ctx) => {
        const alarmName = String(inputs.name ?? `${name}-${ctx.hex().slice(0, 7)}`);
        return { name: alarmName, arn: arn(ctx, "cloudwatch", `alarm:${alarmName}`) };
    },
    // S3: the id is the bucket's name; Pulumi autonames `bucket` (name + "-" + 7 hex) when the program gives none.
    "aws:s3/bucket:Bucket": (name, inputs, ctx) => {
        const bucket = String(inputs.bucket ?? `${name}-${ctx.hex().slice(0, 7)}`);
        return {
            bucket, arn: `arn:aws:s3:::${bucket}`, region: ctx.region,
            bucketDomainName: `${bucket}.s3.amazonaws.com`, bucketRegionalDomainName: `${bucket}.s3.${ctx.region}.amazonaws.com`,
        };
    },
    // CloudFront is global: ARNs carry no region; every distribution answers in Route 53's fixed CloudFront zone
    // (Route 53 API reference, AliasTarget: "CloudFront distribution: Specify Z2FDTNDATAQYW2").
    "aws:cloudfront/distribution:Distribution": (_name, _inputs, ctx) => ({
        arn: `arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:distribution/${ctx.id}`,
        domainName: `d${ctx.hex("domain").slice(0, 13)}.cloudfront.net`,
        hostedZoneId: "Z2FDTNDATAQYW2", status: "Deployed", etag: `E${ctx.hex("etag").slice(0, 13).toUpperCase()}`,
        callerReference: `mock-${ctx.hex("ref").slice(0, 12)}`, inProgressValidationBatches: 0, loggingV1Enabled: false,
    }),
    "aws:cloudfront/originAccessControl:OriginAccessControl": (_name, _inputs, ctx) => ({ arn: `arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:origin-access-control/${ctx.id}`, etag: "EMOCKETAG" }),
    "aws:cloudfront/function:Function": (name, inputs, ctx) => ({
        arn: `arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:function/${String(inputs.name ?? name)}`,
        etag: `E${ctx.hex("etag").slice(0, 13).toUpperCase()}`, liveStageEtag: `E${ctx.hex("live").slice(0, 13).toUpperCase()}`, status: "UNASSOCIATED",
    }),
    // Web ACLs of scope CLOUDFRONT live in us-east-1 under "global"; REGIONAL ones under "regional".
    "aws:wafv2/webAcl:WebAcl": (name, inputs, ctx) => {
        const aclName = String(inputs.name ?? `${name}-${ctx.hex().slice(0, 7)}`);
        const scope = inputs.scope === "CLOUDFRONT" ? "global" : "regional";
        return { name: aclName, arn: arn(ctx, "wafv2", `${scope}/webacl/${aclName}/${ctx.id}`), capacity: 1127, lockToken: `mock-${ctx.hex("lock").slice(0, 8)}` };
    },
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": (name, inputs, ctx) => ({ arn: arn(ctx, "logs", `delivery-source:${String(inputs.name ?? name)}`), service: "cloudfront" }),
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": (name, inputs, ctx) => ({
        arn: arn(ctx, "logs", `delivery-destination:${String(inputs.name ?? name)}`), deliveryDestinationType: "CWL",
    }),
    "aws:cloudwatch/logDelivery:LogDelivery": (_name, _inputs, ctx) => ({ arn: arn(ctx, "logs", `delivery:${ctx.id}`) }),
    "aws:shield/protection:Protection": (_name, _inputs, ctx) => ({ arn: `arn:aws:shield::${MOCK_ACCOUNT_ID}:protection/${ctx.id}` }),
    "aws:glue/catalogDatabase:CatalogDatabase": (name, inputs, ctx) => ({ arn: arn(ctx, "glue", `database/${String(inputs.name ?? name)}`), catalogId: MOCK_ACCOUNT_ID }),
    "aws:glue/catalogTable:CatalogTable": (name, inputs, ctx) => ({ arn: arn(ctx, "glue", `table/${String(inputs.databaseName)}/${String(inputs.name ?? name)}`), catalogId: MOCK_ACCOUNT_ID }),
    "aws:athena/workgroup:Workgroup": (name, inputs, ctx) => ({ arn: arn(ctx, "athena", `workgroup/${String(inputs.name ?? name)}`) }),
    // Generated values are visibly placeholders; the program must still treat them as secrets. New keepers replace the
    // resource and so generate a new value, here as for real.
    "random:index/randomPassword:RandomPassword": (_name, inputs, ctx) => {
        const generation = inputs.keepers === undefined ? "" : JSON.stringify(inputs.keepers);
        return { result: `mock-password-${ctx.hex(generation).slice(0, 16)}`, bcryptHash: `$2a$10$mock${ctx.hex(`bcrypt${generation}`).slice(0, 49)}` };
    },
    // The time provider's offset from the moment it is created (terraform-provider-time: base_rfc3339 defaults to
    // now). The base is a visibly fake instant long past, so an expiry read from the plan is never mistaken for a real one.
    "time:index/offset:Offset": (_name, inputs) => timeOffset(inputs),
    "tls:index/privateKey:PrivateKey": (name) => mockTlsKey("tls:index/privateKey:PrivateKey", name),
    "tls:index/selfSignedCert:SelfSignedCert": (_name, _inputs, ctx) => ({
        certPem: `-----BEGIN CERTIFICATE-----\nMOCKCA${ctx.hex("cert")}\n-----END CERTIFICATE-----\n`,
    }),
    "tls:index/certRequest:CertRequest": (_name, _inputs, ctx) => ({
        certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nMOCK${ctx.hex("csr")}\n-----END CERTIFICATE REQUEST-----\n`,
    }),
    "tls:index/locallySignedCert:LocallySignedCert": (_name, inputs, ctx) => ({
        certPem: `-----BEGIN CERTIFICATE-----\nMOCK${ctx.hex("cert")}\n-----END CERTIFICATE-----\n`,
        // The provider's validity window from the signing instant (MOCK_NOW, visibly long past).
        ...certificateValidity(Number(inputs.validityPeriodHours)),
    }),
};

/** The mock's creation instant of every time resource (the real provider uses the current time). */
export const MOCK_NOW = "2000-01-01T00:00:00Z";

/** terraform-provider-tls: validity_start_time is the signing instant, validity_end_time that plus validity_period_hours (RFC 3339). */
function certificateValidity(hours: number): State {
    const start = Date.parse(MOCK_NOW);
    const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { validityStartTime: rfc3339(start), validityEndTime: rfc3339(start + hours * 3600_000) };
}

/** time_offset's computed attributes: base + offsets, in RFC 3339 (UTC, no fraction) and broken down. */
function timeOffset(inputs: State): State {
    const base = typeof inputs.baseRfc3339 === "string" ? inputs.baseRfc3339 : MOCK_NOW;
    const offset = (key: string) => Number(inputs[key] ?? 0);
    const at = new Date(base);
    at.setUTCFullYear(at.getUTCFullYear() + offset("offsetYears"), at.getUTCMonth() + offset("offsetMonths"), at.getUTCDate() + offset("offsetDays"));
    at.setUTCHours(at.getUTCHours() + offset("offsetHours"), at.getUTCMinutes() + offset("offsetMinutes"), at.getUTCSeconds() + offset("offsetSeconds"));
    return {
        baseRfc3339: base,
        rfc3339: at.toISOString().replace(/\.\d{3}Z$/, "Z"),
        unix: Math.floor(at.getTime() / 1000),
        year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate(),
        hour: at.getUTCHours(), minute: at.getUTCMinutes(), second: at.getUTCSeconds(),
    };
}

/** Id prefixes of well-known AWS resources, so ids read like what they stand for. */
const ID_PREFIXES: Record<string, string> = {
    "aws:ec2/securityGroup:SecurityGroup": "sg-mock",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-mock",
    "aws:efs/fileSystem:FileSystem": "fs-mock",
    "aws:efs/mountTarget:MountTarget": "fsmt-mock",
    "aws:ec2/flowLog:FlowLog": "fl-mock",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-mock",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "sgrule-mock",
    "aws:ec2/vpc:Vpc": "vpc-mock",
    "aws:ec2/subnet:Subnet": "subnet-mock",
    "aws:ec2/routeTable:RouteTable": "rtb-mock",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-mock",
    "aws:ec2/route:Route": "r-mock",
    "aws:ec2/internetGateway:InternetGateway": "igw-mock",
    "aws:ec2/natGateway:NatGateway": "nat-mock",
    "aws:ec2/eip:Eip": "eipalloc-mock",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-mock",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "pcx-mock",
    "aws:route53/healthCheck:HealthCheck": "mock-hc-",
    "aws:cloudfront/distribution:Distribution": "EMOCK",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "EOACMOCK",
    "aws:shield/protection:Protection": "mock-protection-",
};

/** Types whose id is one of their own outputs (an S3 bucket's id is its name). */
const ID_FROM_STATE: Record<string, string> = {
    "aws:s3/bucket:Bucket": "bucket", "aws:route53/zone:Zone": "zoneId",
    // terraform-provider-aws: the accepter and the options resources take the peering connection's id as their own.
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": "vpcPeeringConnectionId",
    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": "vpcPeeringConnectionId",
    // An Aurora cluster's and a global cluster's id is their identifier (what a ClusterInstance's clusterIdentifier names).
    "aws:rds/cluster:Cluster": "clusterIdentifier", "aws:rds/globalCluster:GlobalCluster": "globalClusterIdentifier",
};

/**
 * Multi-language components whose children the engine sees but the mock monitor does not: their models say what
 * the component's provider would create (see tools/models/).
 */
const COMPONENT_MODELS: Record<string, (ctx: ModelContext) => ComponentExpansion> = {
    "awsx:ec2:Vpc": awsxVpcModel,
    "eks:index:Cluster": eksClusterModel,
};

/** A modelled component's children with their mock state, waiting for the recorder to place them under its URN. */
export interface ExpandedChild { type: string; name: string; key: string; parent?: string; custom: boolean; id?: string; inputs: State; outputs: State; dependsOn: string[] }
export interface Expansion { children: ExpandedChild[]; registeredOutputs: State; provider?: string }

const SUBNET = "aws:ec2/subnet:Subnet";
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** Inputs with Check's additions merged in (metadata key by key, so the program's labels and annotations stay). */
export function withAdditions(inputs: State, additions: State): State {
    const merged: State = { ...inputs, ...additions };
    if (isRecord(additions.metadata)) merged.metadata = { ...(isRecord(inputs.metadata) ? inputs.metadata : {}), ...additions.metadata };
    return merged;
}

const INVOKES: Record<string, (inputs: State, region: string) => State> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/offline-plan`, userId: "AIDAMOCKOFFLINEPLAN", id: MOCK_ACCOUNT_ID,
    }),
    "aws:index/getRegion:getRegion": (_inputs, region) => ({ name: region, region, id: region, description: region, endpoint: `ec2.${region}.amazonaws.com` }),
    // A visibly fake, short-lived registry login (the real one is valid 12 hours).
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs, region) => ({
        userName: "AWS", password: "mock-ecr-password", authorizationToken: "QVdTOm1vY2stZWNyLXBhc3N3b3Jk",
        proxyEndpoint: `https://${String(inputs.registryId ?? MOCK_ACCOUNT_ID)}.dkr.ecr.${region}.amazonaws.com`, expiresAt: "2000-01-01T12:00:00Z", id: region,
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": getAvailabilityZones,
    "aws:eks/getAddonVersion:getAddonVersion": addonVersion,
};

/**
 * Placeholder add-on versions in the form EKS publishes them ("v1.19.2-eksbuild.1"), a function of the Kubernetes
 * version so that a version bump visibly moves each add-on: kube-proxy carries the Kubernetes minor itself, as EKS's
 * does; the others' patch is the minor (not their real numbering). EKS answers an add-on name it does not offer with
 * an error ("InvalidParameterException"), and so does this.
 */
const ADDON_VERSION_BASES: Record<string, string> = {
    "vpc-cni": "v1.20", coredns: "v1.12", "aws-ebs-csi-driver": "v1.48", "aws-efs-csi-driver": "v2.1",
};
function addonVersion(inputs: State): State {
    const addonName = String(inputs.addonName ?? "");
    const kubernetesVersion = String(inputs.kubernetesVersion ?? "");
    const minor = /^1\.(\d+)$/.exec(kubernetesVersion)?.[1];
    if (!minor) throw new Error(`InvalidParameterException: kubernetesVersion "${kubernetesVersion}" is not a Kubernetes version EKS offers`);
    const version = addonName === "kube-proxy" ? `v1.${minor}.0-eksbuild.1`
        : ADDON_VERSION_BASES[addonName] ? `${ADDON_VERSION_BASES[addonName]}.${minor}-eksbuild.1` : undefined;
    if (!version) throw new Error(`InvalidParameterException: addon ${addonName} is not an EKS add-on (offline mock: add it to ADDON_VERSION_BASES)`);
    return { addonName, kubernetesVersion, mostRecent: inputs.mostRecent ?? false, version, id: addonName };
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const GET_ROUTE_TABLE = "aws:ec2/getRouteTable:getRouteTable";
const PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection";
const PEERING_ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter";
const GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster";
const RDS_INSTANCE = "aws:rds/instance:Instance";
const AURORA_CLUSTER = "aws:rds/cluster:Cluster";
const GET_ZONE = "aws:route53/getZone:getZone";
const ZONE = "aws:route53/zone:Zone";

/** The status the AWS Load Balancer Controller writes into a LoadBalancer Service: the NLB's (placeholder) DNS name. */
function loadBalancerStatus(id: string, region: string): State {
    const hex = hexOf("nlb", id);
    const hostname = `k8s-${id.replace(/[^a-z0-9]/g, "").slice(0, 16)}-mock${hex.slice(0, 6)}-${hex.slice(6, 22)}.elb.${region}.amazonaws.com`;
    return { status: { loadBalancer: { ingress: [{ hostname }] } } };
}

/** A value as the engine writes it: every unknown (the SDK's Unknown object included) as the marker string. */
function onWire(value: unknown): unknown {
    if (isUnknown(value)) return UNKNOWN;
    if (Array.isArray(value)) return value.map(onWire);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, onWire(inner)]));
    return value;
}

function isRecord(value: unknown): value is State {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The state a provider previews for a create: what the program gave is known, everything the provider would add or
 * compute is unknown. `tagsAll` stays known: the AWS provider merges default tags into it during Check, from
 * program inputs only. Nested objects are compared key by key, so an autonamed `metadata.name` is unknown while
 * the rest of `metadata` stays known.
 */
function previewState(state: State, inputs: State): State {
    const preview: State = {};
    for (const [key, value] of Object.entries(state)) {
        const input = inputs[key];
        if (key === "tagsAll" || value === input) preview[key] = value;
        else if (key in inputs && isRecord(value) && isRecord(input)) preview[key] = previewState(value, input);
        else if (key in inputs && JSON.stringify(value) === JSON.stringify(input)) preview[key] = input;
        else preview[key] = UNKNOWN;
    }
    return preview;
}

export class MockCloud implements pulumi.runtime.Mocks {
    /** Invoke tokens the program called that this cloud does not model (echoed back; reported by the plan). */
    readonly unmodelledInvokes = new Set<string>();
    private readonly providerRegions = new Map<string, string>();
    private readonly providerTags = new Map<string, Record<string, string>>();
    private readonly declarations = new Map<string, string>();
    private readonly componentProviders = new Map<string, string>();
    private readonly expansions = new Map<string, Expansion>();
    /** Subnets the cloud created (directly or as a component's children): id -> zone name. */
    private readonly subnetZones = new Map<string, string>();
    /** VPCs of this account: id -> range (the stack's own, from the awsx model; its peers', from their outputs). */
    private readonly vpcCidrs = new Map<string, string>();
    /** Route tables by the subnet associated with them (the awsx model's associations), for ec2.getRouteTable. */
    private readonly routeTablesBySubnet = new Map<string, { routeTableId: string; vpcId: string }>();
    /** Peering connections requested: id -> the region that must accept them and the VPCs they join. */
    private readonly peerings = new Map<string, { peerRegion: string; vpcId: string; peerVpcId: string }>();
    /** What Check added to each registration's inputs, by "type::name", until the recorder takes it. */
    private readonly checked = new Map<string, State>();
    /** Global databases this stack creates: a cluster joining one of them is its primary, any other a secondary. */
    private readonly globalClusters = new Set<string>();
    /** The RDS instances this plan registered, by ARN, with their inputs: what a replica of one is judged against. */
    private readonly rdsInstances = new Map<string, State>();

    /**
     * preview: answer as a first `pulumi preview` on an empty account does. Registrations echo the program's inputs and
     * every value the provider computes (ids, ARNs, endpoints, generated names, component outputs) is unknown; invokes
     * still answer, since a real preview calls them too (getCallerIdentity, getRegion, getAvailabilityZones).
     */
    constructor(private readonly defaultRegion: string, readonly preview = false, private readonly stacks?: ProjectStacks) {}

    /** Called by the recorder when a provider registers, so resources using it get that provider's region. */
    rememberProvider(urn: string, id: string, inputs: State): void {
        const ref = `${urn}::${id}`;
        if (typeof inputs.region === "string") this.providerRegions.set(ref, inputs.region);
        // Provider config arrives JSON-encoded, as the engine passes it to the provider plugin.
        const defaultTags = typeof inputs.defaultTags === "string" ? JSON.parse(inputs.defaultTags) : inputs.defaultTags;
        if (defaultTags && typeof defaultTags === "object" && "tags" in defaultTags) this.providerTags.set(ref, defaultTags.tags as Record<string, string>);
    }

    /** The AWS SDK's declaration of this type's resource class ("" when there is none). */
    private declaration(type: string): string {
        let text = this.declarations.get(type);
        if (text === undefined) {
            const [, path, kind] = type.split(":");
            const file = `${kind.charAt(0).toLowerCase()}${kind.slice(1)}`;
            try {
                text = readFileSync(require.resolve(`@pulumi/aws/${path.split("/")[0]}/${file}.d.ts`), "utf8");
            } catch {
                text = "";
            }
            this.declarations.set(type, text);
        }
        return text;
    }

    /** Whether the AWS SDK declares `tagsAll` for this type, i.e. the provider merges default tags into it. */
    private isTaggable(type: string): boolean {
        return this.declaration(type).includes("readonly tagsAll");
    }

    /**
     * Whether the type has a `name` output the provider autonames (name + random suffix) when the program gives none.
     * Without it `subnetGroup.name` would resolve undefined, so the input that reads it and its dependency edge vanish.
     */
    private isAutonamed(type: string): boolean {
        return this.declaration(type).includes("readonly name: pulumi.Output<string>;");
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
        if (args.type === STACK_REFERENCE) return this.stackReference(args);
        const model = COMPONENT_MODELS[args.type];
        if (model) return { id: undefined, state: this.expand(args.type, args.name, args.inputs, model) };
        const hasId = args.custom || args.type.startsWith("pulumi:providers:");
        // A zone's placeholder id follows its domain, so the owner's plan and its stack references agree on it.
        let id = args.id || (args.type === ZONE ? mockZoneId(String(args.inputs.name)) : this.idOf(args.type, args.name));
        if (args.type === SUBNET && !args.id) this.createSubnet(id, args.inputs, this.regionOf(args.provider));
        // A read (`.get`) is no registration: nothing is checked, nothing added to inputs.
        const additions = args.id ? {} : this.checkAdditions(args.type, args.name, args.inputs, args.provider);
        this.checked.set(`${args.type}::${args.name}`, additions);
        const inputs = withAdditions(args.inputs, additions);
        if (!args.id) this.refusePeering(args.type, inputs, id, this.regionOf(args.provider));
        if (args.type === GLOBAL_CLUSTER && typeof inputs.globalClusterIdentifier === "string") this.globalClusters.add(inputs.globalClusterIdentifier);
        if (args.type === AURORA_CLUSTER && !args.id) refuseAuroraCluster(inputs, this.regionOf(args.provider), this.globalClusters);
        if (args.type === RDS_INSTANCE && !args.id) {
            refuseRdsInstance(inputs, this.regionOf(args.provider), (source) => this.rdsInstances.get(source) ?? this.stacks?.rdsInstanceInputs(source));
        }
        const state = this.stateOf(args.type, args.name, inputs, id, args.provider);
        if (args.type === RDS_INSTANCE && typeof state.arn === "string") this.rdsInstances.set(state.arn, inputs);
        const idField = ID_FROM_STATE[args.type];
        if (idField && !args.id && typeof state[idField] === "string") id = state[idField] as string;
        // A read (`Service.get`) of a LoadBalancer Service: the AWS Load Balancer Controller has written the NLB's name.
        if (args.id && args.type === "kubernetes:core/v1:Service") Object.assign(state, loadBalancerStatus(args.id, this.regionOf(args.provider)));
        // An empty id is how the monitor reports "not created yet": the SDK resolves `id` as unknown.
        if (this.preview) return { id: hasId ? args.id || "" : undefined, state: previewState(state, inputs) };
        return { id: hasId ? id : undefined, state };
    }

    /**
     * A StackReference is a read the engine answers from the referenced stack's last deployment (its builtin provider,
     * pulumi/pulumi pkg/resource/deploy/builtins.go), in a preview too: the stack it names is already deployed. The SDK
     * registers it with the input `name` and reads the outputs `outputs` and `secretOutputNames`
     * (@pulumi/pulumi stackReference.js). A stack the engine does not know is an error, as in a real deployment.
     */
    private stackReference(args: pulumi.runtime.MockResourceArgs): { id: string; state: State } {
        const name = String(args.inputs.name ?? args.id ?? args.name);
        if (!this.stacks) throw new Error(`stack reference "${name}": this mock cloud serves no stack references (no project stacks given)`);
        return { id: name, state: { name, outputs: this.stacks.outputsOf(name), secretOutputNames: this.stacks.secretOutputNames } };
    }

    /**
     * What the provider's Check adds to the program's inputs, in a preview as in an update (the engine then stores
     * them as the resource's inputs and hands them to the analyzer):
     *  - pulumi-aws (pulumi-terraform-bridge pkg/tfbridge/provider.go Check -> makeTerraformInputs, whose defaults run
     *    info.AutoName's ComputeAutoNameDefault): an autonamed `name` = resource name + "-" + 7 hex characters from
     *    the engine's random seed, unless the program set `name` or `namePrefix` (Terraform then names it at create);
     *    and `tagsAll`, the provider's default tags merged with the resource's own;
     *  - pulumi-kubernetes (provider/pkg/provider/provider.go Check -> metadata.AssignNameIfAutonamable): a new
     *    object without metadata.name or generateName gets name + "-" + 8 hex characters and the annotation
     *    `pulumi.com/autonamed: "true"`.
     * `generated` is the name a component model already gave its child (upstream's own autoName).
     */
    checkAdditions(type: string, name: string, inputs: State, provider: string | undefined, generated?: unknown): State {
        const seed = hexOf(type, name);
        const additions: State = {};
        if (type.startsWith("aws:")) {
            if (this.isAutonamed(type) && inputs.name === undefined && inputs.namePrefix === undefined) {
                additions.name = typeof generated === "string" ? generated : `${name}-${seed.slice(0, 7)}`;
            }
            if (this.isTaggable(type)) {
                const defaults = (provider && this.providerTags.get(provider)) ?? {};
                additions.tagsAll = isUnknown(inputs.tags) ? UNKNOWN : { ...defaults, ...(inputs.tags as Record<string, string> | undefined) };
            }
        }
        const metadata = isRecord(inputs.metadata) ? inputs.metadata : {};
        if (type.startsWith("kubernetes:") && type !== HELM_RELEASE && metadata.name === undefined && metadata.generateName === undefined) {
            const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
            additions.metadata = { name: `${name}-${seed.slice(0, 8)}`, annotations: { ...annotations, "pulumi.com/autonamed": "true" } };
        }
        return additions;
    }

    /** What Check added to a registration's inputs (see checkAdditions), once, for the recorder. */
    takeCheckAdditions(type: string, name: string): State {
        const key = `${type}::${name}`;
        const additions = this.checked.get(key) ?? {};
        this.checked.delete(key);
        return additions;
    }

    /**
     * What EC2 refuses of a VPC peering (CreateVpcPeeringConnection, AcceptVpcPeeringConnection; terraform-provider-aws
     * vpc_peering_connection.go) that a plan can know: peering a VPC with itself or with one whose range overlaps
     * (the request fails, status "failed": overlapping CIDRs), `auto_accept` across regions (the provider refuses it:
     * only the accepter in the peer's region can accept), and accepting from any region but the peer's (the
     * connection is not found there). Unknown values (a first preview) are not judged.
     */
    private refusePeering(type: string, inputs: State, id: string, region: string): void {
        if (type === PEERING) {
            const [vpcId, peerVpcId] = [inputs.vpcId, inputs.peerVpcId];
            const peerRegion = typeof inputs.peerRegion === "string" ? inputs.peerRegion : region;
            if (inputs.autoAccept === true && peerRegion !== region) {
                throw new Error(`creating EC2 VPC Peering Connection: \`peer_region\` cannot be set whilst \`auto_accept\` is \`true\` when creating an inter-region VPC Peering Connection`);
            }
            if (typeof vpcId !== "string" || typeof peerVpcId !== "string" || isUnknown(vpcId) || isUnknown(peerVpcId)) return;
            if (vpcId === peerVpcId) throw new Error(`InvalidParameterValue: VPC ${vpcId} cannot be peered with itself`);
            const [own, other] = [this.vpcCidrOf(vpcId), this.vpcCidrOf(peerVpcId)];
            if (own && other && cidrsOverlap(own, other)) {
                throw new Error(`EC2 VPC Peering Connection (${id}) failed: Overlapping CIDR range (${vpcId} ${own}, ${peerVpcId} ${other}): AWS does not peer VPCs with overlapping IPv4 ranges`);
            }
            this.peerings.set(id, { peerRegion, vpcId, peerVpcId });
        }
        if (type === PEERING_ACCEPTER) {
            const connection = typeof inputs.vpcPeeringConnectionId === "string" ? this.peerings.get(inputs.vpcPeeringConnectionId) : undefined;
            if (connection && connection.peerRegion !== region) {
                throw new Error(`InvalidVpcPeeringConnectionID.NotFound: The vpcPeeringConnection ID '${String(inputs.vpcPeeringConnectionId)}' does not exist in ${region} (accept it in its peer region ${connection.peerRegion})`);
            }
        }
    }

    private vpcCidrOf(vpcId: string): string | undefined {
        return this.vpcCidrs.get(vpcId) ?? this.stacks?.vpcCidrs()[vpcId];
    }

    /** ec2.getRouteTable by subnet: the table associated with it, or the provider's "no matching" error. */
    private routeTableOf(inputs: State): State {
        const subnetId = String(inputs.subnetId ?? "");
        const table = this.routeTablesBySubnet.get(subnetId);
        if (!table) throw new Error(`reading EC2 Route Table: no matching EC2 Route Table found (subnet ${subnetId} has no explicit association in this account)`);
        return {
            id: table.routeTableId, routeTableId: table.routeTableId, vpcId: table.vpcId, subnetId, ownerId: MOCK_ACCOUNT_ID,
            arn: `arn:aws:ec2:${this.defaultRegion}:${MOCK_ACCOUNT_ID}:route-table/${table.routeTableId}`,
            associations: [{ subnetId, routeTableId: table.routeTableId, main: false }], routes: [], tags: {},
        };
    }

    /**
     * EC2 CreateSubnet: the zone must be one of the account's, else InvalidParameterValue (message as EC2 words it).
     * Remembered so EKS can tell which zone a cluster's subnet is in.
     */
    private createSubnet(id: string, inputs: State, region: string): void {
        const zone = inputs.availabilityZone;
        if (typeof zone !== "string") return;
        const names = zonesOf(region).map((z) => z.name);
        if (!names.includes(zone)) {
            throw new Error(`InvalidParameterValue: Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${names.join(", ")}.`);
        }
        this.subnetZones.set(id, zone);
    }

    private idOf(type: string, name: string): string {
        const slug = type.split(":").pop()?.toLowerCase() ?? "resource";
        return `${ID_PREFIXES[type] ?? `mock-${slug}-`}${hexOf(type, name).slice(0, 12)}`;
    }

    private regionOf(provider: string | undefined): string {
        return (provider && this.providerRegions.get(provider)) ?? this.defaultRegion;
    }

    /** The state the cloud answers for a resource: inputs echoed, plus ARN, merged default tags and computed outputs. */
    private stateOf(type: string, name: string, inputs: State, id: string, provider: string | undefined): State {
        const seed = hexOf(type, name);
        const slug = type.split(":").pop()?.toLowerCase() ?? "resource";
        const ctx: MockContext = { region: this.regionOf(provider), id, hex: (salt = "") => hexOf(seed, salt) };
        const state: State = { ...inputs };
        if (type.startsWith("aws:")) {
            const service = type.split(":")[1].split("/")[0];
            state.arn ??= arn(ctx, service, `${slug}/${name}`);
            // Terraform names a resource from its prefix when it creates it (unknown in a preview).
            if (this.isAutonamed(type) && typeof inputs.namePrefix === "string") state.name ??= `${inputs.namePrefix}${seed.slice(0, 26)}`;
        }
        if (type === HELM_RELEASE) {
            state.status = { name: inputs.name ?? name, namespace: inputs.namespace, version: inputs.version, status: "deployed" };
        }
        Object.assign(state, OUTPUTS[type]?.(name, inputs, ctx));
        return state;
    }

    /**
     * The recorder names the aws provider a component was given (the mock's arguments drop a component's providers
     * map), so its children get that provider's region and default tags.
     */
    expectComponent(type: string, name: string, awsProvider: string): void {
        this.componentProviders.set(`${type}::${name}`, awsProvider);
    }

    isModelled(type: string): boolean {
        return type in COMPONENT_MODELS;
    }

    /**
     * Runs a component's model: children (kept for the recorder) and the construct state the program receives. In a
     * preview every value the cloud assigns (ids, ARNs, endpoints, the kubeconfig) is unknown, children's too.
     */
    private expand(type: string, name: string, inputs: State, model: (ctx: ModelContext) => ComponentExpansion): State {
        const key = `${type}::${name}`;
        const provider = this.componentProviders.get(key);
        const region = this.regionOf(provider);
        const preview = this.preview;
        const zones = zonesOf(region);
        const expansion = model({
            name, inputs, region, zones: zones.map((z) => z.name),
            id: (t, n) => (preview ? UNKNOWN : this.idOf(t, n)),
            cloud: (value) => (preview ? UNKNOWN : value),
            zoneOfSubnet: (subnetId) => {
                const zone = zones.find((z) => z.name === this.subnetZones.get(subnetId));
                return zone && { name: zone.name, zoneId: zone.zoneId };
            },
        });
        const vpcChild = expansion.children.find((c) => c.type === "aws:ec2/vpc:Vpc");
        const vpcIdOf = vpcChild && !preview ? this.idOf(vpcChild.type, vpcChild.name) : undefined;
        const children = expansion.children.map((c): ExpandedChild => {
            const id = c.custom && !preview ? this.idOf(c.type, c.name) : undefined;
            if (c.type === SUBNET) this.createSubnet(id ?? "", onWire(c.inputs) as State, region);
            if (c.type === "aws:ec2/vpc:Vpc" && id) this.vpcCidrs.set(id, String(c.inputs.cidrBlock));
            if (c.type === "aws:ec2/routeTableAssociation:RouteTableAssociation" && !preview) {
                const association = c.inputs as { subnetId: string; routeTableId: string };
                this.routeTablesBySubnet.set(association.subnetId, { routeTableId: association.routeTableId, vpcId: vpcIdOf ?? "" });
            }
            // Program inputs passed through reach the model as the SDK's Unknown objects; the export writes the marker.
            const given = onWire(c.inputs) as State;
            const inputs = c.custom ? withAdditions(given, this.checkAdditions(c.type, c.name, given, provider, c.computed.name)) : given;
            const state = { ...this.stateOf(c.type, c.name, inputs, id ?? "", provider), ...(onWire(c.computed) as State) };
            const outputs = preview ? previewState(state, inputs) : state;
            return { type: c.type, name: c.name, key: c.key, parent: c.parent, custom: c.custom, id, inputs, outputs, dependsOn: c.dependsOn };
        });
        this.expansions.set(key, { children, registeredOutputs: expansion.registeredOutputs, provider });
        return expansion.programOutputs;
    }

    /** The children of a modelled component, once; undefined for any other resource. */
    takeExpansion(type: string, name: string): Expansion | undefined {
        const key = `${type}::${name}`;
        const expansion = this.expansions.get(key);
        this.expansions.delete(key);
        return expansion;
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        if (args.token === GET_ZONE) return this.existingZone(args.inputs);
        if (args.token === GET_ROUTE_TABLE) return this.routeTableOf(args.inputs);
        const answer = INVOKES[args.token];
        if (answer) return answer(args.inputs, this.defaultRegion);
        this.unmodelledInvokes.add(args.token);
        return args.inputs;
    }

    /**
     * `route53.getZone` by id: the offline account holds the zones the project's stack files name (`hostedZoneId`),
     * under their stack's domain. Any other id fails as the provider does ("no matching Route 53 Hosted Zone found").
     */
    private existingZone(inputs: State): State {
        const zoneId = String(inputs.zoneId ?? "");
        const name = this.stacks?.hostedZones()[zoneId];
        if (!name) throw new Error(`reading Route 53 Hosted Zone (${zoneId}): no matching Route 53 Hosted Zone found (the offline account holds only the zones a stack file names with hostedZoneId)`);
        return {
            id: zoneId, zoneId, name: `${name}.`, arn: `arn:aws:route53:::hostedzone/${zoneId}`, privateZone: false, comment: "", callerReference: "mock",
            nameServers: ["ns-mock-1.awsdns-00.com", "ns-mock-2.awsdns-01.net"], primaryNameServer: "ns-mock-1.awsdns-00.com", resourceRecordSetCount: 2, tags: {},
        };
    }
}
