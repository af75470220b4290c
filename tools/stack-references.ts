import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { hexOf, mockTlsKey } from "./mock-keys";
import { mockAuroraCluster, mockKmsKeyArn, mockRdsInstance, mockSecretArn } from "./mock-rds";
import { layoutSubnets } from "./models/awsx-vpc";
import { readStackSettings } from "./stack-config";

/**
 * What the offline engine knows of the project's other stacks: each is taken as deployed, with the outputs its own
 * stack file implies. The program runs as a black box, so the derivation here restates what index.ts exports for the
 * environment's edge (stacks/edge-zone.ts, EDGE_OUTPUTS), from the same config keys; test/tools/stack-references.test.ts
 * holds the two equal by planning an owner and comparing its real outputs.
 */

/** The organization a self-managed backend (file://, s3://) gives every stack; the Pulumi Cloud uses the account's. */
export const SELF_MANAGED_ORGANIZATION = "organization";

export class StackReferenceError extends Error {}

/**
 * The placeholder id of a hosted zone the owner creates, from its domain (the mock cloud gives the owner's zone the
 * same id): upper-case letters and digits starting with Z, as Route 53 writes them.
 */
export function mockZoneId(domain: string): string {
    return `Z0MOCK${createHash("sha256").update(`zone/${domain}`).digest("hex").slice(0, 15)}`.toUpperCase();
}

export interface ProjectStacks {
    /** The outputs of the stack a StackReference names (`<organization>/<project>/<stack>`, as the SDK sends it). */
    outputsOf(name: string): Record<string, unknown>;
    /** The VPCs of the project's stacks, by the id their outputs give: id -> range. */
    vpcCidrs(): Record<string, string>;
    /** Existing hosted zones by id: those a stack file names with `hostedZoneId`, under that stack's domain. */
    hostedZones(): Record<string, string>;
    /** Outputs an owner exports as secrets (the engine lists them in the reference's `secretOutputNames`). */
    secretOutputNames: string[];
    /**
     * The inputs an RDS instance of another stack was created with, by ARN, for the writers served so far (what RDS
     * knows of a replica's source: its engine, whether Secrets Manager manages its master password).
     */
    rdsInstanceInputs(arn: string): Record<string, unknown> | undefined;
}

/** The realm key outputs of an edge owner (index.ts realmSigningKeyPkcs8, realmPublicKeyPem; stacks/realm-signing-key.ts). */
/** The data topology's outputs (index.ts databaseWriter, databaseRole; stacks/data-topology.ts DATABASE_WRITER_OUTPUT). */
const DATABASE = { writer: "databaseWriter", role: "databaseRole" } as const;
/** The mock cloud's account (tools/mock-cloud.ts MOCK_ACCOUNT_ID, which imports this module). */
const MOCK_ACCOUNT = "000000000000";

const REALM_KEY = { privateKeyPemPkcs8: "realmSigningKeyPkcs8", publicKeyPem: "realmPublicKeyPem" } as const;
/** The Kafka mirror passwords a peered stack exports as a secret (stacks/region-mesh.ts MESH_OUTPUTS). */
const MIRROR_PASSWORDS = "kafkaMirrorPasswords";
/** The Kafka replication listener's port (components/kafka.ts KAFKA_REPLICATION_PORT). */
const KAFKA_REPLICATION_PORT = 9095;

/**
 * The private subnets' ranges of a stack's VPC, as components/network-layout.ts sizes them and awsx lays them out:
 * zone block = prefix + ceil(log2(zones)); private = zone block + 1; public = max(zone block + 4, 22), public first.
 */
export function privateSubnetCidrsOf(vpcCidr: string, zones: number): string[] {
    const zonePrefix = Number(vpcCidr.split("/")[1]) + Math.ceil(Math.log2(zones));
    const specs = [{ type: "Public" as const, cidrMask: Math.max(zonePrefix + 4, 22) }, { type: "Private" as const, cidrMask: zonePrefix + 1 }];
    const zoneNames = Array.from({ length: zones }, (_, i) => `zone-${i + 1}`);
    return layoutSubnets("vpc", vpcCidr, zoneNames, specs).filter((p) => p.type === "Private").map((p) => p.cidrBlock);
}

/**
 * What a stack exports for its peers (stacks/region-mesh.ts MESH_OUTPUTS, index.ts): its region and network, its
 * database's security group and, where it is peered (peerStacks), its Kafka replication endpoint and the mirror
 * passwords of its peers. Ids are placeholders derived from the stack's name, so two stacks never share one.
 */
function meshOutputsOf(stack: string, config: Record<string, string>, key: (name: string) => string): Record<string, unknown> {
    const id = (prefix: string, what: string) => `${prefix}${hexOf(`stack/${stack}`, what).slice(0, 12)}`;
    const vpcCidr = config[key("vpcCidr")];
    // The CLI refuses a stack file without vpcCidr (declared without default): such a stack exports no network.
    if (!vpcCidr) return {};
    const zones = Number(config[key("availabilityZoneCount")] ?? 3);
    const peers: string[] = config[key("peerStacks")] ? JSON.parse(config[key("peerStacks")]) : [];
    const region = config["aws:region"];
    const outputs: Record<string, unknown> = {
        environment: config[key("environment")], awsRegion: region,
        vpcId: id("vpc-mock", "vpc"), vpcCidr, privateSubnetCidrs: privateSubnetCidrsOf(vpcCidr, zones),
        privateRouteTableIds: Array.from({ length: zones }, (_, zone) => id("rtb-mock", `private-${zone}`)),
        databaseSecurityGroupId: id("sg-mock", "database"),
    };
    if (peers.length === 0) return outputs;
    return {
        ...outputs,
        kafkaReplicationSecurityGroupId: id("sg-mock", "kafka-replication"),
        kafkaReplicationBootstrap: `k8s-kafka-eventskaf-mock${id("", "nlb")}.elb.${region}.amazonaws.com:${KAFKA_REPLICATION_PORT}`,
        kafkaClusterCaCertPem: `-----BEGIN CERTIFICATE-----\nMOCKCA${hexOf(`stack/${stack}`, "kafka-ca")}\n-----END CERTIFICATE-----\n`,
        [MIRROR_PASSWORDS]: Object.fromEntries(peers.map((peer) => [peer, `mock-password-${hexOf(`stack/${stack}`, `mirror/${peer}`).slice(0, 16)}`])),
    };
}

export function projectStacks(root: string, project: string, organization: string): ProjectStacks {
    const configOf = (stack: string) => readStackSettings(stack, root).config;
    const key = (name: string) => `${project}:${name}`;
    const servedInstances = new Map<string, Record<string, unknown>>();

    const outputsOf = (name: string, seen: string[] = []): Record<string, unknown> => {
        const parts = name.split("/");
        if (parts.length !== 3) throw new StackReferenceError(`stack reference "${name}": expected <organization>/<project>/<stack>`);
        const [org, proj, stack] = parts;
        if (org !== organization || proj !== project) {
            throw new StackReferenceError(`stack reference "${name}": the offline engine knows only this project's stacks (${organization}/${project}/<stack>)`);
        }
        if (!existsSync(join(root, `Pulumi.${stack}.yaml`))) throw new StackReferenceError(`stack reference "${name}": no stack ${stack} (no Pulumi.${stack}.yaml beside Pulumi.yaml)`);
        if (seen.includes(stack)) throw new StackReferenceError(`stack reference "${name}": edgeStack forms a cycle (${[...seen, stack].join(" -> ")})`);
        const config = configOf(stack);
        const domain = config[key("domain")];
        if (!domain) throw new StackReferenceError(`stack reference "${name}": stack ${stack} sets no ${key("domain")}`);
        const edgeStack = config[key("edgeStack")] ?? "";
        // A stack that does not own the edge exports the zone it read from its own owner.
        const hostedZoneId = edgeStack
            ? outputsOf(`${organization}/${project}/${edgeStack}`, [...seen, stack]).hostedZoneId
            : config[key("hostedZoneId")] || mockZoneId(domain);
        const edgeOutputs = { domain, hostedZoneId, originHostname: `origin.${domain}`, publicUrl: `https://${domain}`, ...meshOutputsOf(stack, config, key), ...writerOf(stack, config) };
        if (edgeStack) return edgeOutputs;
        // The owner's realm key: the placeholder the mock cloud gives its tls.PrivateKey, so the regions import the
        // very key the owner's own plan shows.
        const realmKey = mockTlsKey("tls:index/privateKey:PrivateKey", `${config[key("environment")]}-identity-realm-signing`);
        return { ...edgeOutputs, [REALM_KEY.privateKeyPemPkcs8]: realmKey.privateKeyPemPkcs8, [REALM_KEY.publicKeyPem]: realmKey.publicKeyPem };
    };

    /**
     * The environment's writer, exported only by the stack that holds it (stacks/data-topology.ts, index.ts databaseWriter):
     * the edge owner's first writer `<environment>-db`, or a promoted `<environment>-db-replica`.
     */
    const writerOf = (stack: string, config: Record<string, string>): Record<string, unknown> => {
        const edgeStack = config[key("edgeStack")] ?? "";
        const primary = config[key("databasePrimaryStack")] || edgeStack || stack;
        if (primary !== stack) return { [DATABASE.role]: "replica" };
        const region = config["aws:region"];
        const environment = config[key("environment")];
        if (config[key("databaseTopology")] === "aurora-global") {
            // The edge owner's cluster holds the global database's master secret (components/data/master-secret.ts, a
            // generated password); a promoted secondary has none.
            const cluster = mockAuroraCluster(`${environment}-aurora-cluster`, region, MOCK_ACCOUNT, {});
            return {
                [DATABASE.role]: "writer",
                [DATABASE.writer]: {
                    address: cluster.endpoint, port: cluster.port, arn: cluster.arn, resourceId: cluster.clusterResourceId, region,
                    masterUserSecretArn: edgeStack ? "" : mockSecretArn(`${environment}-aurora-master-secret`, region, MOCK_ACCOUNT),
                    kmsKeyArn: mockKmsKeyArn(`${environment}-aurora-key`, region, MOCK_ACCOUNT),
                },
            };
        }
        const retired = String(config[key("databaseOriginalWriterRetired")] ?? "false") === "true";
        const component = `${environment}-${!edgeStack && !retired ? "db" : "db-replica"}`;
        const identifier = rdsIdentifierOf((name) => config[key(name)], project, String(environment), region);
        // As the writer is created (components/database.ts, or a promoted components/data/database-replica.ts): a
        // self-managed master password in its own secret, which is what lets the other regions replicate it.
        const inputs = { engine: "postgres", identifier, username: "shop_admin", manageMasterUserPassword: false };
        const instance = mockRdsInstance(`${component}-postgres`, region, MOCK_ACCOUNT, inputs);
        servedInstances.set(String(instance.arn), inputs);
        return {
            [DATABASE.role]: "writer",
            [DATABASE.writer]: {
                address: instance.address, port: instance.port, arn: instance.arn, resourceId: instance.resourceId, region,
                masterUserSecretArn: mockSecretArn(`${component}-master-secret`, region, MOCK_ACCOUNT), kmsKeyArn: mockKmsKeyArn(`${component}-key`, region, MOCK_ACCOUNT),
            },
        };
    };

    const hostedZones = (): Record<string, string> => {
        const zones: Record<string, string> = {};
        for (const file of readdirSync(root)) {
            const stack = /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1];
            if (!stack) continue;
            try {
                const config = configOf(stack);
                const id = config[key("hostedZoneId")];
                if (id && config[key("domain")]) zones[id] = config[key("domain")];
            } catch {
                // A stack file the CLI would refuse names no zone; planning that stack reports why.
            }
        }
        return zones;
    };

    const vpcCidrs = (): Record<string, string> => {
        const vpcs: Record<string, string> = {};
        for (const file of readdirSync(root)) {
            const stack = /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1];
            if (!stack) continue;
            try {
                const outputs = meshOutputsOf(stack, configOf(stack), key);
                if (outputs.vpcId) vpcs[String(outputs.vpcId)] = String(outputs.vpcCidr);
            } catch {
                // As hostedZones: a stack file the CLI would refuse holds no VPC.
            }
        }
        return vpcs;
    };

    return {
        outputsOf: (name) => outputsOf(name), hostedZones, vpcCidrs, secretOutputNames: [REALM_KEY.privateKeyPemPkcs8, MIRROR_PASSWORDS],
        rdsInstanceInputs: (arn) => servedInstances.get(arn),
    };
}

/**
 * A stack's RDS instance identifier as stacks/config.ts derives it (tools read stack files, not the program's config):
 * dbIdentifier, else `<cluster name>-postgres` with the cluster name clusterName, else `<project>-<environment>-<region>`.
 */
export function rdsIdentifierOf(value: (name: string) => string | undefined, project: string, environment: string, region: string): string {
    const clusterName = value("clusterName") || `${project}-${environment}-${region}`.slice(0, 100);
    return value("dbIdentifier") || `${clusterName.toLowerCase().replace(/_/g, "-").replace(/-+/g, "-")}-postgres`;
}
