import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, PlatformConfig, RawConfig, SECRET_KEYS, parsePlatformConfig } from "../../stacks/config";
import { ConfigError, cidrProblem, closestKey } from "../../stacks/config-parser";
import { PROFILES } from "../../stacks/profiles";
import { readStackSettings } from "../../tools/stack-config";
import { allStacks } from "../support/stacks";

const secret = pulumi.secret("s3cret-from-test");

function raw(values: Record<string, string>, overrides: Partial<RawConfig> = {}): RawConfig {
    return {
        project: "ecommerce-platform",
        stack: "test",
        region: "ap-south-1",
        values: { vpcCidr: "10.0.0.0/16", clusterPublicAccessCidrs: '["203.0.113.0/24"]', domain: "shop.example.com", dbBackupReplicationRegion: "ap-southeast-1", ...values },
        secrets: { keycloakAdminPassword: secret, grafanaAdminPassword: secret },
        keys: [],
        emptySecrets: [],
        plaintextSecrets: [],
        ...overrides,
    };
}

function problemsOf(input: RawConfig): string[] {
    try {
        parsePlatformConfig(input);
    } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return (error as ConfigError).problems;
    }
    throw new Error("expected the config to be rejected");
}

describe("stacks/config", () => {
    describe("versions and upgrades", () => {
        it("runs a Kubernetes version EKS offers, 1.35 by default, under the STANDARD upgrade policy unless EXTENDED is chosen", () => {
            const dev = parsePlatformConfig(raw({ environment: "dev" }));
            expect(dev.cluster).to.include({ kubernetesVersion: "1.35", supportType: "STANDARD" });
            expect(problemsOf(raw({ environment: "dev", kubernetesVersion: "1.31" })).join("\n")).to.match(/kubernetesVersion: "1.31" is not a version EKS offers.*1\.32, 1\.33, 1\.34, 1\.35/);
            expect(problemsOf(raw({ environment: "dev", eksSupportType: "LONG" })).join("\n")).to.match(/eksSupportType/);
        });

        it("refuses a version past standard support under STANDARD (EKS would upgrade it itself) and explains EXTENDED", () => {
            expect(problemsOf(raw({ environment: "dev", kubernetesVersion: "1.34" })).join("\n"))
                .to.match(/kubernetesVersion: 1\.34 left standard support on 2026-12-02.*eksSupportType EXTENDED.*\$0\.60/);
            expect(parsePlatformConfig(raw({ environment: "dev", kubernetesVersion: "1.34", eksSupportType: "EXTENDED" })).cluster.supportType).to.equal("EXTENDED");
        });

        it("refuses an in-place PostgreSQL major upgrade unless dbAllowMajorVersionUpgrade says so", () => {
            expect(parsePlatformConfig(raw({ environment: "dev" })).database.allowMajorVersionUpgrade).to.equal(false);
            expect(parsePlatformConfig(raw({ environment: "dev", dbAllowMajorVersionUpgrade: "true" })).database.allowMajorVersionUpgrade).to.equal(true);
        });
    });

    describe("data topology", () => {
        it("requires a backup replication region where a prod stack holds the writer, never its own region", () => {
            expect(problemsOf(raw({ environment: "prod", dbBackupReplicationRegion: "" }, { stack: "prod" })).join("\n")).to.match(/dbBackupReplicationRegion: is required where a prod stack holds the writer/);
            expect(parsePlatformConfig(raw({ environment: "prod", edgeStack: "prod", dbBackupReplicationRegion: "" }, { stack: "prod-us-east-1" })).database.backupReplicationRegion).to.equal("");
            expect(parsePlatformConfig(raw({ environment: "dev", dbBackupReplicationRegion: "" })).database.backupReplicationRegion).to.equal("");
            expect(problemsOf(raw({ environment: "prod", dbBackupReplicationRegion: "ap-south-1" })).join("\n")).to.match(/dbBackupReplicationRegion: "ap-south-1" is this stack's own region/);
            expect(problemsOf(raw({ environment: "prod", dbBackupReplicationRegion: "ap-southeast" })).join("\n")).to.match(/dbBackupReplicationRegion: "ap-southeast" is not an AWS region/);
        });

        it("puts the writer in the edge owner by default and a replica in every stack that names an edge stack", () => {
            const owner = parsePlatformConfig(raw({ environment: "prod" }, { stack: "prod" })).database.topology;
            expect(owner).to.deep.equal({ kind: "rds-replicas", primaryStack: "prod", isPrimary: true, originalWriterRetired: false });
            const region = parsePlatformConfig(raw({ environment: "prod", edgeStack: "prod" }, { stack: "prod-us-east-1" })).database.topology;
            expect(region).to.include({ primaryStack: "prod", isPrimary: false });
            expect(parsePlatformConfig(raw({ environment: "prod", databaseTopology: "aurora-global", dbInstanceClass: "db.r7g.large" })).database.topology.kind).to.equal("aurora-global");
            expect(problemsOf(raw({ environment: "prod", databaseTopology: "aurora-global" })).join("\n")).to.match(/dbInstanceClass: db.m7g.large is not an instance class of an Aurora PostgreSQL global database/);
        });

        it("promotes a stack that names itself the primary", () => {
            const promoted = parsePlatformConfig(raw({ environment: "prod", edgeStack: "prod", databasePrimaryStack: "prod-us-east-1" }, { stack: "prod-us-east-1" }));
            expect(promoted.database.topology).to.include({ primaryStack: "prod-us-east-1", isPrimary: true });
        });

        it("refuses an unknown topology, a bad stack name, a second region in dev and an edge owner that would turn its writer into a replica", () => {
            expect(problemsOf(raw({ environment: "prod", databaseTopology: "multi-master" })).join("\n")).to.match(/databaseTopology: .*rds-replicas, aurora-global/);
            expect(problemsOf(raw({ environment: "prod", databasePrimaryStack: "prod us" })).join("\n")).to.match(/databasePrimaryStack: "prod us" is not a stack name/);
            expect(problemsOf(raw({ environment: "dev", databasePrimaryStack: "prod" })).join("\n")).to.match(/databasePrimaryStack: "prod": dev stays single-region/);
            expect(problemsOf(raw({ environment: "prod", databasePrimaryStack: "prod-us-east-1" }, { stack: "prod" })).join("\n"))
                .to.match(/databasePrimaryStack: "prod-us-east-1" holds the writer, but this stack's own writer cannot become its replica; set ecommerce-platform:databaseOriginalWriterRetired true/);
            expect(parsePlatformConfig(raw({ environment: "prod", databasePrimaryStack: "prod-us-east-1", databaseOriginalWriterRetired: "true" }, { stack: "prod" })).database.topology)
                .to.include({ isPrimary: false, originalWriterRetired: true });
            expect(problemsOf(raw({ environment: "prod", edgeStack: "prod", databaseOriginalWriterRetired: "true" }, { stack: "prod-eu-west-1" })).join("\n"))
                .to.match(/databaseOriginalWriterRetired: only the edge-owning stack/);
        });
    });

    describe("environment profiles", () => {
        let dev: PlatformConfig;
        let prod: PlatformConfig;
        before(() => {
            dev = parsePlatformConfig(raw({ environment: "dev" }));
            prod = parsePlatformConfig(raw({ environment: "prod" }));
        });

        it("dev gets one NAT gateway, a single-AZ deletable Graviton database and no Grafana", () => {
            expect(dev.network.natGateways).to.equal("single");
            expect(dev.database).to.include({ multiAz: false, deletionProtection: false });
            expect(dev.database.instanceClass).to.match(/^db\.t4g\./);
            expect(dev.monitoring.grafanaEnabled).to.equal(false);
        });

        it("ships container logs once (to Elasticsearch) unless containerLogsToCloudWatch asks for CloudWatch too", () => {
            expect(dev.monitoring.containerLogsToCloudWatch).to.equal(false);
            expect(prod.monitoring.containerLogsToCloudWatch).to.equal(false);
            expect(parsePlatformConfig(raw({ environment: "dev", containerLogsToCloudWatch: "true" })).monitoring.containerLogsToCloudWatch).to.equal(true);
            expect(() => parsePlatformConfig(raw({ environment: "dev", containerLogsToCloudWatch: "sometimes" }))).to.throw(/containerLogsToCloudWatch/);
        });

        it("prod gets a NAT gateway per zone, a Multi-AZ protected database with 7+ days of backups and Grafana", () => {
            expect(prod.network.natGateways).to.equal("one-per-az");
            expect(prod.database).to.include({ multiAz: true, deletionProtection: true });
            expect(prod.database.backupRetentionDays).to.be.at.least(7);
            expect(prod.monitoring.grafanaEnabled).to.equal(true);
            expect(prod.isProduction).to.equal(true);
            expect(prod.database.monitoringIntervalSeconds).to.equal(60);
            expect(dev.database.monitoringIntervalSeconds).to.equal(0);
        });

        it("names the database from the cluster's name (not the stack's) unless dbIdentifier says otherwise, and refuses a name RDS would refuse", () => {
            expect(dev.database.identifier).to.equal(`${dev.cluster.name}-postgres`);
            expect(parsePlatformConfig(raw({ environment: "dev", clusterName: "Shop_EKS" })).database.identifier).to.equal("shop-eks-postgres");
            expect(parsePlatformConfig(raw({ environment: "dev", dbIdentifier: "prod-db-postgres-a1b2c3d" })).database.identifier).to.equal("prod-db-postgres-a1b2c3d");
            expect(() => parsePlatformConfig(raw({ environment: "dev", dbIdentifier: "1db" }))).to.throw(/dbIdentifier: "1db" is not an RDS instance identifier/);
            expect(() => parsePlatformConfig(raw({ environment: "dev", clusterName: "c".repeat(60) }))).to.throw(/dbIdentifier: derived from clusterName/);
        });

        it("rotates every generated password from one epoch, \"1\" unless the stack says otherwise, and refuses odd values", () => {
            expect(dev.secretRotationEpoch).to.equal("1");
            expect(parsePlatformConfig(raw({ environment: "dev", secretRotationEpoch: "2026-12-01" })).secretRotationEpoch).to.equal("2026-12-01");
            expect(() => parsePlatformConfig(raw({ environment: "dev", secretRotationEpoch: "two words" }))).to.throw(/secretRotationEpoch/);
            expect(() => parsePlatformConfig(raw({ environment: "prod", dbMonitoringIntervalSeconds: "45" }))).to.throw(/dbMonitoringIntervalSeconds: 45 is not an interval RDS offers/);
        });

        it("protects stateful resources and keeps the image repository in prod; dev neither protects nor keeps them, and prod refuses ecrForceDelete", () => {
            expect(prod.lifecycle).to.deep.equal({ protectStatefulResources: true, ecrForceDelete: false });
            expect(dev.lifecycle).to.deep.equal({ protectStatefulResources: false, ecrForceDelete: true });
            expect(parsePlatformConfig(raw({ environment: "prod", protectStatefulResources: "false" })).lifecycle.protectStatefulResources).to.equal(false);
            expect(() => parsePlatformConfig(raw({ environment: "prod", ecrForceDelete: "true" }))).to.throw(/ecrForceDelete: must be false in prod/);
            expect(() => parsePlatformConfig(raw({ environment: "dev", protectStatefulResources: "yes" }))).to.throw(/protectStatefulResources/);
        });

        it("names the cluster from environment and region, never from the stack name, unless clusterName pins a name", () => {
            expect(dev.cluster.name).to.equal("ecommerce-platform-dev-ap-south-1");
            expect(parsePlatformConfig(raw({ environment: "dev" }, { stack: "renamed" })).cluster.name).to.equal("ecommerce-platform-dev-ap-south-1");
            expect(parsePlatformConfig(raw({ environment: "dev", clusterName: "ecommerce-platform-dev" })).cluster.name).to.equal("ecommerce-platform-dev");
            expect(() => parsePlatformConfig(raw({ environment: "dev", clusterName: "-bad name" }))).to.throw(/clusterName: "-bad name" is not an EKS cluster name/);
        });

        it("keeps Keycloak self-registration off unless the stack turns it on, and refuses a non-boolean", () => {
            expect(dev.services.keycloakSelfRegistration).to.equal(false);
            expect(prod.services.keycloakSelfRegistration).to.equal(false);
            expect(parsePlatformConfig(raw({ environment: "prod", keycloakSelfRegistration: "true" })).services.keycloakSelfRegistration).to.equal(true);
            expect(() => parsePlatformConfig(raw({ environment: "dev", keycloakSelfRegistration: "yes" }))).to.throw(/keycloakSelfRegistration/);
        });

        it("creates the account-wide spot service-linked role only in the stack that says it owns it (two stacks of one account would collide)", () => {
            expect(dev.autoscaling.spotServiceLinkedRole).to.equal(false);
            expect(parsePlatformConfig(raw({ environment: "prod", karpenterSpotServiceLinkedRole: "true" })).autoscaling.spotServiceLinkedRole).to.equal(true);
        });

        it("takes a prebuilt API image to cover both architectures unless apiImageArchitectures names fewer", () => {
            expect(prod.api.imageArchitectures).to.have.members(["arm64", "amd64"]);
            expect(parsePlatformConfig(raw({ environment: "prod", apiImageArchitectures: '["arm64"]' })).api.imageArchitectures).to.deep.equal(["arm64"]);
            expect(problemsOf(raw({ environment: "prod", apiImageArchitectures: '["x86"]' })).join("\n")).to.match(/apiImageArchitectures.*"x86" is not allowed/);
        });

        it("CloudFront: dev serves from the cheapest edges, prod from every region's market (India included); Shield Advanced off; WAF and Athena limits", () => {
            expect(dev.cdn).to.deep.equal({ priceClass: "PriceClass_100", shieldAdvanced: false, wafRateLimitPer5Minutes: 2000 });
            expect(prod.cdn).to.deep.equal({ priceClass: "PriceClass_200", shieldAdvanced: false, wafRateLimitPer5Minutes: 2000 });
            expect(prod.analytics.athenaBytesScannedCutoffMib).to.equal(1024);
            const custom = parsePlatformConfig(raw({ environment: "prod", cloudFrontPriceClass: "PriceClass_All", shieldAdvanced: "true", wafRateLimitPer5Minutes: "500", athenaBytesScannedCutoffMib: "100" }));
            expect(custom.cdn).to.deep.equal({ priceClass: "PriceClass_All", shieldAdvanced: true, wafRateLimitPer5Minutes: 500 });
            expect(custom.analytics.athenaBytesScannedCutoffMib).to.equal(100);
        });

        it("lets the stack file override a profile default", () => {
            const custom = parsePlatformConfig(raw({ environment: "dev", natGateways: "one-per-az", dbMultiAz: "true", karpenterCpuLimit: "48" }));
            expect(custom.network.natGateways).to.equal("one-per-az");
            expect(custom.database.multiAz).to.equal(true);
            expect(custom.autoscaling.cpuLimit).to.equal(48);
        });

        it("an empty public CIDR list makes the API endpoint private only", () => {
            expect(parsePlatformConfig(raw({ environment: "dev", clusterPublicAccessCidrs: "[]" })).cluster.publicAccessCidrs).to.deep.equal([]);
        });

        it("private by default: without clusterPublicAccessCidrs the endpoint is private; public only as a named list", () => {
            const { clusterPublicAccessCidrs: _omitted, ...withoutCidrs } = raw({ environment: "prod" }).values;
            expect(parsePlatformConfig(raw({}, { values: { ...withoutCidrs, environment: "prod" } })).cluster.publicAccessCidrs).to.deep.equal([]);
            expect(parsePlatformConfig(raw({ environment: "prod", clusterPublicAccessCidrs: '["198.51.100.7/32"]' })).cluster.publicAccessCidrs).to.deep.equal(["198.51.100.7/32"]);
        });

        it("samples every trace in dev and one in ten in prod unless traceSampleRatio says otherwise; refuses a ratio outside 0..1", () => {
            expect(parsePlatformConfig(raw({ environment: "dev" })).tracing.sampleRatio).to.equal(1);
            expect(parsePlatformConfig(raw({ environment: "prod" })).tracing.sampleRatio).to.equal(0.1);
            expect(parsePlatformConfig(raw({ environment: "prod", traceSampleRatio: "0.25" })).tracing.sampleRatio).to.equal(0.25);
            expect(parsePlatformConfig(raw({ environment: "prod", traceSampleRatio: "0" })).tracing.sampleRatio).to.equal(0);
            for (const bad of ["1.5", "-0.1", "10%", "half"]) {
                expect(problemsOf(raw({ environment: "dev", traceSampleRatio: bad })).join("\n")).to.match(/traceSampleRatio: expected a ratio between 0 and 1/);
            }
            const project = yaml.load(readFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
            expect(project.config["ecommerce-platform:traceSampleRatio"].default).to.equal("");
        });

        it("allows no cross-origin browser access unless the stack names its storefront origins", () => {
            expect(parsePlatformConfig(raw({ environment: "prod" })).api.corsAllowedOrigins).to.deep.equal([]);
            const origins = '["https://shop.example.com", "https://www.shop.example.com:8443"]';
            expect(parsePlatformConfig(raw({ environment: "prod", corsAllowedOrigins: origins })).api.corsAllowedOrigins).to.deep.equal(["https://shop.example.com", "https://www.shop.example.com:8443"]);
            const project = yaml.load(readFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
            expect(project.config["ecommerce-platform:corsAllowedOrigins"].default).to.deep.equal([]);
        });

        it("Pulumi.yaml declares clusterPublicAccessCidrs with default [] (the CLI refuses a stack without it otherwise); no shipped stack opens the endpoint", () => {
            const project = yaml.load(readFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
            expect(project.config["ecommerce-platform:clusterPublicAccessCidrs"].default).to.deep.equal([]);
            for (const stack of allStacks()) {
                const file = yaml.load(readFileSync(join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
                expect(file.config["ecommerce-platform:clusterPublicAccessCidrs"] ?? [], stack).to.deep.equal([]);
            }
        });
    });

    describe("rejects bad values, naming the key and what is allowed", () => {
        const cases: [string, RawConfig, RegExp][] = [
            ["an unknown environment", raw({ environment: "staging" }), /ecommerce-platform:environment: "staging" is not allowed; use one of dev, prod/],
            ["a region AWS does not have", raw({ environment: "dev" }, { region: "ap-south1" }), /aws:region: "ap-south1" is not an AWS region; did you mean ap-south-1\?/],
            ["a missing region", raw({ environment: "dev" }, { region: undefined }), /aws:region: is required/],
            ["min nodes above max", raw({ environment: "dev", systemNodeMinSize: "5", systemNodeMaxSize: "3" }), /systemNodeMinSize: 5 is above systemNodeMaxSize 3/],
            ["a malformed CIDR", raw({ environment: "dev", vpcCidr: "10.0.0/16" }), /ecommerce-platform:vpcCidr: "10.0.0\/16" is not an IPv4 CIDR/],
            ["a CIDR with host bits", raw({ environment: "dev", vpcCidr: "10.0.0.1/16" }), /did you mean 10.0.0.0\/16\?/],
            ["an API endpoint open to the internet", raw({ environment: "dev", clusterPublicAccessCidrs: '["0.0.0.0/0"]' }), /clusterPublicAccessCidrs: 0.0.0.0\/0 would expose/],
            ["an admin principal that is not an IAM role ARN", raw({ environment: "dev", clusterAdminRoleArns: '["ci-deploy"]' }), /clusterAdminRoleArns: "ci-deploy" is not an IAM role ARN/],
            ["a missing required secret", raw({ environment: "dev" }, { secrets: {} }), /keycloakAdminPassword: is a required secret; set it with `pulumi config set --secret/],
            ["Grafana on without its password", raw({ environment: "prod" }, { secrets: { keycloakAdminPassword: secret } }), /grafanaAdminPassword: is a required secret while grafanaEnabled is true/],
            ["a non-integer", raw({ environment: "dev", karpenterCpuLimit: "lots" }), /karpenterCpuLimit: expected an integer, got "lots"/],
            ["a non-boolean", raw({ environment: "dev", dbMultiAz: "yes" }), /dbMultiAz: expected true or false, got "yes"/],
            ["an unknown capacity type", raw({ environment: "dev", karpenterCapacityTypes: '["spot","reserved"]' }), /karpenterCapacityTypes: "reserved" is not allowed/],
            ["a log retention CloudWatch does not offer", raw({ environment: "dev", flowLogRetentionDays: "10" }), /flowLogRetentionDays: 10 is not a CloudWatch retention period/],
            ["prod without deletion protection", raw({ environment: "prod", dbDeletionProtection: "false" }), /dbDeletionProtection: must be true in prod/],
            ["prod with short backups", raw({ environment: "prod", dbBackupRetentionDays: "3" }), /dbBackupRetentionDays: 3 is too short for prod/],
            ["storage ceiling below the initial size", raw({ environment: "dev", dbAllocatedStorageGib: "200", dbMaxAllocatedStorageGib: "100" }), /dbMaxAllocatedStorageGib: 100 is below dbAllocatedStorageGib 200/],
            ["an API image on the mutable latest tag", raw({ environment: "dev", apiImage: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/shop-api:latest" }), /apiImage: .* uses the mutable tag latest/],
            ["an API image without a tag", raw({ environment: "dev", apiImage: "shop-api" }), /apiImage: "shop-api" is not an image reference/],
            ["a CORS wildcard", raw({ environment: "dev", corsAllowedOrigins: '["*"]' }), /corsAllowedOrigins: "\*" would let any web site call the API/],
            ["a CORS origin with a trailing slash", raw({ environment: "dev", corsAllowedOrigins: '["https://shop.example.com/"]' }), /corsAllowedOrigins: "https:\/\/shop.example.com\/" is not a browser origin/],
            ["a CORS origin over plain http", raw({ environment: "dev", corsAllowedOrigins: '["http://shop.example.com"]' }), /corsAllowedOrigins: "http:\/\/shop.example.com" is not a browser origin/],
            ["a catalogue feed over plain http", raw({ environment: "dev", catalogueFeedUrl: "http://feeds.example.com/x.json" }), /catalogueFeedUrl: .* is not an https URL/],
            ["a domain that is not a DNS name", raw({ environment: "dev", domain: "https://shop.example.com" }), /ecommerce-platform:domain: "https:\/\/shop.example.com" is not a DNS name/],
            ["a hosted zone id that is not one", raw({ environment: "dev", hostedZoneId: "shop.example.com" }), /ecommerce-platform:hostedZoneId: "shop.example.com" is not a Route 53 hosted zone id/],
            ["an edge stack that is not a stack name", raw({ environment: "dev", edgeStack: "prod stack" }), /ecommerce-platform:edgeStack: "prod stack" is not a stack name/],
            ["a price class CloudFront does not have", raw({ environment: "dev", cloudFrontPriceClass: "PriceClass_300" }), /cloudFrontPriceClass: "PriceClass_300" is not allowed; use one of PriceClass_100, PriceClass_200, PriceClass_All/],
            ["a WAF rate limit below WAF's minimum", raw({ environment: "dev", wafRateLimitPer5Minutes: "5" }), /wafRateLimitPer5Minutes: 5 is out of range; allowed 10\.\.2000000000/],
            ["an Athena cutoff below Athena's minimum", raw({ environment: "dev", athenaBytesScannedCutoffMib: "1" }), /athenaBytesScannedCutoffMib: 1 is out of range; allowed 10\.\./],
            ["a list that is not JSON", raw({ environment: "dev", systemNodeInstanceTypes: "m7g.large" }), /systemNodeInstanceTypes: expected a list/],
            ["a peer that is not a stack name", raw({ environment: "prod", peerStacks: '["prod us"]' }), /ecommerce-platform:peerStacks: "prod us" is not a stack name such as prod-us-east-1/],
            ["a peer that is this stack", raw({ environment: "prod", peerStacks: '["test"]' }), /ecommerce-platform:peerStacks: "test" is this stack; list only the other stacks to peer with/],
            ["a peer listed twice", raw({ environment: "prod", peerStacks: '["prod-a", "prod-a"]' }), /ecommerce-platform:peerStacks: "prod-a" is listed twice/],
            ["peers in dev", raw({ environment: "dev", peerStacks: '["prod"]' }), /ecommerce-platform:peerStacks: only prod stacks are peered across regions; dev stays single-region, leave it \[\]/],
            ["a key in the wrong case", raw({ environment: "dev" }, { keys: ["environment", "dbMultiAZ"] }), /^ecommerce-platform:dbMultiAZ: is not a key this program reads; did you mean dbMultiAz\?$/],
            ["a misspelt key", raw({ environment: "dev" }, { keys: ["karpenterCpuLimt"] }), /ecommerce-platform:karpenterCpuLimt: is not a key this program reads; did you mean karpenterCpuLimit\?/],
            ["a key like no other", raw({ environment: "dev" }, { keys: ["frobnicate"] }), /ecommerce-platform:frobnicate: is not a key this program reads; the keys this program reads are declared in Pulumi.yaml/],
            ["a secret in plain text", raw({ environment: "dev" }, { plaintextSecrets: ["keycloakAdminPassword"] }), /ecommerce-platform:keycloakAdminPassword: must be encrypted as it's secret/],
            ["Grafana's password in plain text even with Grafana off", raw({ environment: "dev" }, { plaintextSecrets: ["grafanaAdminPassword"] }), /ecommerce-platform:grafanaAdminPassword: must be encrypted as it's secret/],
            ["an empty required secret", raw({ environment: "dev" }, { secrets: {}, emptySecrets: ["keycloakAdminPassword"] }), /ecommerce-platform:keycloakAdminPassword: is a required secret but its value is empty/],
            ["an empty Grafana password with Grafana on", raw({ environment: "prod" }, { secrets: { keycloakAdminPassword: secret }, emptySecrets: ["grafanaAdminPassword"] }), /grafanaAdminPassword: is a required secret while grafanaEnabled is true but its value is empty/],
            ["a VPC too small for its zones", raw({ environment: "dev", vpcCidr: "10.0.0.0/20", availabilityZoneCount: "3" }),
                /ecommerce-platform:vpcCidr: 10.0.0.0\/20 with ecommerce-platform:availabilityZoneCount 3 cannot hold the subnets: .*private \/23 is below the \/22 minimum.*use at most 2 zones with a \/20, or a \/19 or larger VPC for 3 zones/],
            ["no domain", raw({ environment: "dev", domain: "" }), /ecommerce-platform:domain: is required/],
            ["a domain that is not a DNS name", raw({ environment: "dev", domain: "Shop_Example" }), /ecommerce-platform:domain: "Shop_Example" is not a DNS name such as shop.example.com/],
            ["an edge stack that is this stack", raw({ environment: "prod", edgeStack: "test" }), /ecommerce-platform:edgeStack: "test" is this stack; leave edgeStack empty in the stack that owns the edge/],
            ["an edge stack that is not a stack name", raw({ environment: "prod", edgeStack: "org/prod" }), /ecommerce-platform:edgeStack: "org\/prod" is not a stack name/],
            ["a hosted zone id in a stack that does not own the edge", raw({ environment: "prod", edgeStack: "prod", hostedZoneId: "Z0123456789ABC" }),
                /ecommerce-platform:hostedZoneId: only the stack that owns the edge reads it; this stack takes the zone from its edge stack prod/],
            ["a hosted zone id Route 53 would not issue", raw({ environment: "prod", hostedZoneId: "zone-1" }), /hostedZoneId: "zone-1" is not a Route 53 hosted zone id/],
            ["an auth host outside the domain", raw({ environment: "dev", authHostname: "auth.other.example" }), /authHostname: "auth.other.example" is outside ecommerce-platform:domain shop.example.com/],
            ["a region without a published NLB hosted zone id", raw({ environment: "dev" }, { region: "me-south-1" }),
                /aws:region: me-south-1 has no Network Load Balancer hosted zone id in components\/edge\/load-balancer-zones.ts/],
            ["five zones in a /19", raw({ environment: "dev", vpcCidr: "10.0.0.0/19", availabilityZoneCount: "5" }, { region: "us-east-1" }), /vpcCidr: .*availabilityZoneCount 5 cannot hold the subnets.*or a \/18 or larger VPC/],
            ["all six zones of us-east-1 (EKS refuses use1-az3)", raw({ environment: "dev", availabilityZoneCount: "6" }, { region: "us-east-1" }),
                /^ecommerce-platform:availabilityZoneCount: 6 is more than the 5 zones of us-east-1 where EKS accepts a cluster's subnets \(EKS refuses zone use1-az3\); allowed 2..5$/],
            ["the default three zones in us-west-1, which has two", raw({ environment: "dev" }, { region: "us-west-1" }),
                /availabilityZoneCount: 3 \(the default\) is more than the 2 zones of us-west-1 where EKS accepts a cluster's subnets \(EKS refuses zone usw1-az2\); allowed 2..2/],
        ];
        for (const [what, input, message] of cases) {
            it(what, () => {
                expect(problemsOf(input).join("\n")).to.match(message);
            });
        }

        it("accepts the layouts awsx can lay out, up to the zones EKS accepts in the region (5 of us-east-1's 6, all 3 of ca-central-1's)", () => {
            expect(parsePlatformConfig(raw({ environment: "dev", availabilityZoneCount: "5" }, { region: "us-east-1" })).network.availabilityZoneCount).to.equal(5);
            expect(parsePlatformConfig(raw({ environment: "dev", availabilityZoneCount: "3" }, { region: "ca-central-1" })).network.availabilityZoneCount).to.equal(3);
            expect(parsePlatformConfig(raw({ environment: "dev", availabilityZoneCount: "2" }, { region: "us-west-1" })).network.availabilityZoneCount).to.equal(2);
            expect(parsePlatformConfig(raw({ environment: "dev", vpcCidr: "10.0.0.0/20", availabilityZoneCount: "2" })).network.cidrBlock).to.equal("10.0.0.0/20");
        });

        it("accepts every key it reads, and an empty Grafana password while Grafana is off", () => {
            const config = parsePlatformConfig(raw({ environment: "dev" }, { keys: [...CONFIG_KEYS], secrets: { keycloakAdminPassword: secret }, emptySecrets: ["grafanaAdminPassword"] }));
            expect(config.secrets.grafanaAdminPassword).to.equal(undefined);
        });

        it("reports every problem at once, so a stack file is fixed in one pass", () => {
            const problems = problemsOf(raw({ environment: "dev", vpcCidr: "nope", dbMultiAz: "maybe" }, { region: "mars-1" }));
            expect(problems).to.have.length(3);
        });
    });

    describe("the edge: domain, edge stack and hosted zone", () => {
        it("the stack with no edgeStack owns the edge, creating its zone unless given one; its names derive from the domain and region", () => {
            const owner = parsePlatformConfig(raw({ environment: "prod" }));
            expect(owner.edge).to.deep.equal({
                domain: "shop.example.com", edgeStack: "", hostedZoneId: "", ownsEdge: true,
                originHostname: "origin.shop.example.com", regionalHostname: "api.ap-south-1.shop.example.com", publicUrl: "https://shop.example.com",
            });
            expect(parsePlatformConfig(raw({ environment: "prod", hostedZoneId: "Z0123456789ABC" })).edge.hostedZoneId).to.equal("Z0123456789ABC");
        });

        it("a further region names its edge stack and gets its own regional name", () => {
            const region = parsePlatformConfig(raw({ environment: "prod", edgeStack: "prod" }, { stack: "prod-eu-west-1", region: "eu-west-1" }));
            expect(region.edge).to.include({ ownsEdge: false, edgeStack: "prod", regionalHostname: "api.eu-west-1.shop.example.com", originHostname: "origin.shop.example.com" });
        });

        it("the token issuer's host defaults to the domain, so every region of an environment issues and accepts the same iss", () => {
            const regions = ["ap-south-1", "us-east-1", "eu-west-1"].map((region) => parsePlatformConfig(raw({ environment: "prod" }, { region })));
            expect(new Set(regions.map((c) => c.services.authHostname))).to.deep.equal(new Set(["shop.example.com"]));
            expect(parsePlatformConfig(raw({ environment: "dev", authHostname: "auth.shop.example.com" })).services.authHostname).to.equal("auth.shop.example.com");
        });
    });

    describe("cidrProblem", () => {
        it("accepts well-formed network CIDRs and rejects the rest", () => {
            expect(cidrProblem("10.0.0.0/16")).to.equal(undefined);
            expect(cidrProblem("203.0.113.7/32")).to.equal(undefined);
            expect(cidrProblem("256.0.0.0/8")).to.match(/not a valid/);
            expect(cidrProblem("10.0.0.0/33")).to.match(/not a valid/);
            expect(cidrProblem("10.0.0.0/8", 16, 20)).to.match(/prefix between \/16 and \/20/);
        });
    });

    describe("Pulumi.yaml", () => {
        const project = yaml.load(readFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as { name: string; config: Record<string, { type: string; secret?: boolean }> };
        const declared = Object.keys(project.config).map((key) => key.replace(`${project.name}:`, ""));

        it("declares exactly the keys the program reads, secrets as secret", () => {
            expect([...declared].sort()).to.deep.equal([...CONFIG_KEYS, ...SECRET_KEYS].sort());
            for (const key of SECRET_KEYS) expect(project.config[`${project.name}:${key}`].secret, key).to.equal(true);
        });

        it("types every key the CLI can check, and defaults every profile key to \"\" so the CLI does not report it missing", () => {
            const profileKeys = Object.keys(PROFILES.dev);
            const config = project.config as Record<string, { type?: string; default?: unknown }>;
            for (const [key, declaration] of Object.entries(config)) {
                const name = key.replace(`${project.name}:`, "");
                if (profileKeys.includes(name)) {
                    // A typed default would have to be a real integer, boolean or list and would override the profile.
                    expect(declaration.default, key).to.equal("");
                    expect([undefined, "string"], key).to.include(declaration.type);
                } else if (name !== "grafanaAdminPassword") {
                    expect(["string", "integer", "boolean", "array"], key).to.include(declaration.type);
                }
            }
        });

        it("every shipped stack passes the CLI's config validation", () => {
            for (const stack of allStacks().filter((name) => !name.startsWith("test-"))) {
                expect(() => readStackSettings(stack, join(__dirname, "..", "..")), stack).to.not.throw();
            }
        });
    });

    describe("closestKey", () => {
        it("prefers a case-insensitive match, then the smallest edit distance, and gives up on strangers", () => {
            const known = ["dbMultiAz", "dbDeletionProtection", "natGateways", "vpcCidr"];
            expect(closestKey("DBMULTIAZ", known)).to.equal("dbMultiAz");
            expect(closestKey("natGateway", known)).to.equal("natGateways");
            expect(closestKey("vpcCird", known)).to.equal("vpcCidr");
            expect(closestKey("kubernetes", known)).to.equal(undefined);
        });
    });
});
