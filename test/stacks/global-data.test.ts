import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack, type PlannedStack } from "../support/plans";

const ROOT = join(__dirname, "..", "..");
const INSTANCE = "aws:rds/instance:Instance";
type Env = { name: string; value?: string }[];

const outputs = (stack: PlannedStack) => ofType(stack, "pulumi:pulumi:Stack")[0].outputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const instances = (stack: PlannedStack) => ofType(stack, INSTANCE);
const writers = (stack: PlannedStack) => instances(stack).filter((r) => !r.inputs.replicateSourceDb);
const replicas = (stack: PlannedStack) => instances(stack).filter((r) => r.inputs.replicateSourceDb);
const nameOf = (r: CapturedResource) => r.urn.split("::").slice(-2).join("::");
const regionOfArn = (arn: unknown) => String(arn).split(":")[3];
const hostOf = (url: string | undefined) => new URL(String(url)).hostname;

function apiEnv(stack: PlannedStack): Record<string, string | undefined> {
    const deployment = ofType(stack, "kubernetes:apps/v1:Deployment").find((r) => (r.inputs.metadata as { name: string }).name === "shop-api")!;
    const container = (deployment.inputs as { spec: { template: { spec: { containers: { env: Env }[] } } } }).spec.template.spec.containers[0];
    return Object.fromEntries(container.env.map((e) => [e.name, e.value]));
}
const cronJobs = (stack: PlannedStack) => ofType(stack, "kubernetes:batch/v1:CronJob").map((r) => (r.inputs.metadata as { name: string }).name);
const bootstrapJobs = (stack: PlannedStack) => ofType(stack, "kubernetes:batch/v1:Job").map((r) => (r.inputs.metadata as { name: string }).name);
const dataResources = (stack: PlannedStack) => stack.resources.filter((r) => /::prod-db(-replica)?(-|::|$)/.test(r.urn) || r.urn.includes("DatabaseReplica") || r.urn.includes("data:Database"));
/** A stack file's text with one more config line. */
const withConfig = (stack: string, line: string) => readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8").replace("config:\n", `config:\n  ${line}\n`);
/** A copy under a new name is in no other stack's peerStacks (so the mesh would refuse it): it stands alone on the network. */
const withoutPeers = (body: string) => body.replace(/^ {2}ecommerce-platform:peerStacks:\n(?: {4}- .*\n)*/m, "");

describe("stacks: global data (one writer, cross-region replicas, failover by config)", function () {
    this.timeout(600_000);

    it("dev stays single-region: its own writer, no replica, no stack reference to another database, the relay on", () => {
        const dev = plannedStack("dev");
        expect(writers(dev)).to.have.length(1);
        expect(replicas(dev)).to.have.length(0);
        expect(dev.resources.filter((r) => r.type === "pulumi:pulumi:StackReference")).to.have.length(0);
        expect(apiEnv(dev)).to.include({ OUTBOX_RELAY: "enabled" });
        expect(apiEnv(dev)).not.to.have.property("DATABASE_READER_URL");
    });

    it("prod holds the only writer: Multi-AZ, encrypted, exported for the other regions; its API writes and relays there", () => {
        const prod = plannedStack("prod");
        expect(writers(prod).map(nameOf)).to.deep.equal(["ecommerce:data:Database$aws:rds/instance:Instance::prod-db-postgres"]);
        expect(replicas(prod)).to.have.length(0);
        const writer = outputs(prod).databaseWriter;
        expect(writer).to.include({ region: "ap-south-1", address: writers(prod)[0].outputs.address, arn: writers(prod)[0].outputs.arn });
        const env = apiEnv(prod);
        expect(hostOf(env.DATABASE_URL)).to.equal(writer.address);
        expect(env).to.include({ DATABASE_IAM_REGION: "ap-south-1", OUTBOX_RELAY: "enabled" });
        expect(env).not.to.have.any.keys("DATABASE_READER_URL", "DATABASE_READER_IAM_REGION");
        expect(cronJobs(prod)).to.include.members(["shop-fetch-products", "shop-analyse"]);
        const [backups] = ofType(prod, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication");
        expect(backups.inputs).to.include({ sourceDbInstanceArn: writer.arn, retentionPeriod: 14 });
        expect(regionOfArn(backups.inputs.kmsKeyId), "copies encrypted with a key of the destination region").to.equal("ap-southeast-1");
    });

    for (const name of ["prod-us-east-1", "prod-eu-west-1"]) {
        it(`${name} holds no writer, but a replica of prod's writer encrypted with a key of its own region; its API reads locally, writes to prod, relays nothing`, () => {
            const prod = outputs(plannedStack("prod")).databaseWriter;
            const planned = plannedStack(name);
            const region = outputs(planned).awsRegion;
            expect(writers(planned)).to.have.length(0);
            const [replica] = replicas(planned);
            expect(replicas(planned)).to.have.length(1);
            expect(replica.inputs).to.include({ replicateSourceDb: prod.arn, storageEncrypted: true, deletionProtection: true, skipFinalSnapshot: true, publiclyAccessible: false });
            expect(replica.inputs).not.to.have.any.keys("username", "password", "finalSnapshotIdentifier");
            // RDS creates a PostgreSQL replica without backups and refuses to turn them on for it.
            expect(replica.inputs).not.to.have.any.keys("backupRetentionPeriod", "backupWindow");
            // A fixed identifier: a replacement deletes the old replica first (DBInstanceAlreadyExists otherwise).
            expect(replica.deleteBeforeReplace).to.equal(true);
            expect(replica.protect, "prod protects its replica: it is the region's copy of the data and its failover target").to.equal(true);
            expect(regionOfArn(replica.inputs.kmsKeyId)).to.equal(region);
            const key = ofType(planned, "aws:kms/key:Key").find((k) => k.outputs.arn === replica.inputs.kmsKeyId);
            expect(key, "the replica's key is declared in this stack").to.not.equal(undefined);
            const params = ofType(planned, "aws:rds/parameterGroup:ParameterGroup").find((p) => p.outputs.name === replica.inputs.parameterGroupName)!;
            expect(params.inputs.parameters).to.deep.include({ name: "rds.force_ssl", value: "1" });
            expect(ofType(planned, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.metricName)).to.include("ReplicaLag");
            expect(ofType(planned, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"), "a replica's backups are not replicated").to.have.length(0);

            const env = apiEnv(planned);
            expect(hostOf(env.DATABASE_URL)).to.equal(prod.address);
            expect(hostOf(env.DATABASE_READER_URL)).to.equal(replica.outputs.address);
            expect(env).to.include({ DATABASE_IAM_REGION: "ap-south-1", DATABASE_READER_IAM_REGION: region, OUTBOX_RELAY: "disabled" });
            expect(cronJobs(planned), "the writing CronJobs run in the writer's region only").not.to.include.members(["shop-fetch-products"]);
            expect(bootstrapJobs(planned).some((job) => job.startsWith("shop")), "roles and grants reach the replica by replication").to.equal(false);

            // Keycloak writes: its own database (one per region) on prod's writer, its TLS checked against the writer's region's CA.
            const keycloakBootstrap = ofType(planned, "kubernetes:batch/v1:Job").find((job) => (job.inputs.metadata as { name: string }).name.includes("identity-db-bootstrap"))!;
            const bootstrapText = JSON.stringify(keycloakBootstrap.inputs);
            expect(bootstrapText).to.include(prod.address).and.include(`keycloak_${region.replace(/-/g, "_")}`);
            expect(bootstrapText).to.include('"AWS_REGION","value":"ap-south-1"');

            const policy = JSON.stringify(ofType(planned, "aws:iam/role:Role").concat(ofType(planned, "aws:iam/rolePolicy:RolePolicy"), ofType(planned, "aws:iam/policy:Policy")).map((r) => r.inputs));
            expect(policy).to.include(`arn:aws:rds-db:ap-south-1:000000000000:dbuser:${prod.resourceId}/shop_api`);
            expect(policy).to.include(`arn:aws:rds-db:${region}:000000000000:dbuser:${replica.outputs.resourceId}/shop_api`);
        });
    }

    it("plans both shapes as a first preview too, with the replica's source known from the stack reference", () => {
        for (const name of ["prod", "prod-us-east-1", "prod-eu-west-1"]) {
            const preview = plannedStack(name, "preview");
            expect(preview.exitCode, name).to.equal(0);
            expect(instances(preview).map(nameOf)).to.deep.equal(instances(plannedStack(name)).map(nameOf));
        }
        expect(replicas(plannedStack("prod-us-east-1", "preview"))[0].inputs.replicateSourceDb).to.equal(outputs(plannedStack("prod")).databaseWriter.arn);
    });

    it("promoting a region by config turns its replica into the writer in place (same resource) and leaves the other stacks' data as planned", () => {
        const before = plannedStack("prod-us-east-1");
        // The promoted stack names itself the primary, as `npm run failover -- --promote` writes it; the others are untouched.
        const after = planNamed((stack) => withoutPeers(withConfig("prod-us-east-1", `ecommerce-platform:databasePrimaryStack: ${stack}`)));
        expect(after.exitCode, after.stdout).to.equal(0);
        expect(instances(after).map(nameOf)).to.deep.equal(instances(before).map(nameOf));
        const [writer] = instances(after);
        expect(writer.inputs).not.to.have.property("replicateSourceDb");
        expect(writer.inputs).to.include({ skipFinalSnapshot: false, multiAz: true, deletionProtection: true, backupRetentionPeriod: 14 });
        // Its own generated password in a secret of its region (a managed one would forbid replicas of the new writer).
        expect(writer.inputs).not.to.have.property("manageMasterUserPassword");
        const [secret] = ofType(after, "aws:secretsmanager/secret:Secret").filter((s) => s.urn.endsWith("-db-replica-master-secret"));
        expect(regionOfArn(secret.outputs.arn)).to.equal("us-east-1");
        expect(outputs(after).databaseWriter.masterUserSecretArn).to.equal(secret.outputs.arn);
        expect(writer.inputs.finalSnapshotIdentifier).to.be.a("string");
        expect(apiEnv(after)).to.include({ OUTBOX_RELAY: "enabled", DATABASE_IAM_REGION: "us-east-1" });
        expect(apiEnv(after)).not.to.have.property("DATABASE_READER_URL");
        expect(outputs(after).databaseWriter).to.include({ region: "us-east-1", arn: writer.outputs.arn });
        expect(cronJobs(after)).to.include("shop-fetch-products");
        // The relay turns on with the writer, and so does the API's Write on its topics (Describe only before).
        const apiAcls = (planned: PlannedStack) => ((ofType(planned, "kubernetes:kafka.strimzi.io/v1:KafkaUser").find((u) => (u.inputs.metadata as { name: string }).name === "shop-api")!
            .inputs.spec as { authorization: { acls: { resource: { name: string }; operations: string[] }[] } }).authorization.acls).map((a) => `${a.resource.name}:${a.operations.join("+")}`);
        expect(apiAcls(before)).to.deep.equal(["orders:Describe", "products:Describe", "payments:Describe"]);
        expect(apiAcls(after)).to.deep.equal(["orders:Write+Describe", "products:Write+Describe", "payments:Write+Describe"]);
        const [backups] = ofType(after, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication");
        expect(backups.inputs.sourceDbInstanceArn, "the new writer's backups are replicated too").to.equal(writer.outputs.arn);
        expect(regionOfArn(backups.inputs.kmsKeyId)).to.equal("us-west-2");

        // eu-west-1 still replicates prod until its own file follows (README runbook): same data resources, same inputs.
        const euBefore = plannedStack("prod-eu-west-1");
        const euAfter = planNamed(() => withoutPeers(readFileSync(join(ROOT, "Pulumi.prod-eu-west-1.yaml"), "utf8")));
        const data = (stack: PlannedStack) => dataResources(stack).map((r) => ({ name: nameOf(r), inputs: { ...r.inputs, tags: undefined, tagsAll: undefined } }));
        expect(data(euAfter)).to.deep.equal(data(euBefore));
    });
});

/**
 * The three prod stacks copied under throwaway names with `extra` config lines, the regions naming the copied owner as
 * their edge stack; planned in `mode`, each by its shipped name.
 */
function planCopies(extra: string[], mode: "plan" | "preview"): Record<string, PlannedStack> {
    const tag = `test-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    const names = Object.fromEntries(["prod", "prod-us-east-1", "prod-eu-west-1"].map((stack) => [stack, `${tag}-${stack}`]));
    const files = Object.entries(names).map(([stack, copy]) => {
        const file = join(ROOT, `Pulumi.${copy}.yaml`);
        const body = readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8").replace("config:\n", `config:\n${extra.map((line) => `  ${line}\n`).join("")}`)
            .replace(/edgeStack: prod$/m, `edgeStack: ${names.prod}`)
            // The copies peer with each other, as the originals do.
            .replace(/^( {4}- )(prod(?:-us-east-1|-eu-west-1)?)$/gm, (_, dash: string, peer: string) => `${dash}${names[peer]}`);
        writeFileSync(file, body);
        return file;
    });
    try {
        return Object.fromEntries(Object.entries(names).map(([stack, copy]) => [stack, plannedStack(copy, mode)]));
    } finally {
        for (const file of files) rmSync(file, { force: true });
    }
}

describe("stacks: global data with Aurora Global Database chosen in config", function () {
    this.timeout(900_000);
    const AURORA = ["ecommerce-platform:databaseTopology: aurora-global", "ecommerce-platform:dbInstanceClass: db.r7g.large"];
    let planned: Record<string, PlannedStack>;
    before(() => {
        planned = planCopies(AURORA, "plan");
    });
    const clusters = (stack: PlannedStack) => ofType(stack, "aws:rds/cluster:Cluster");

    it("prod creates the global database and its writer cluster (a generated master password in a secret of its own, two instances in two zones, TLS forced); no RDS instance anywhere", () => {
        const prod = planned.prod;
        const [global] = ofType(prod, "aws:rds/globalCluster:GlobalCluster");
        expect(global.inputs).to.include({ globalClusterIdentifier: "ecommerce-platform-prod", engine: "aurora-postgresql", storageEncrypted: true, deletionProtection: true });
        const [cluster] = clusters(prod);
        expect(cluster.inputs).to.include({ globalClusterIdentifier: "ecommerce-platform-prod", masterUsername: "shop_admin", storageEncrypted: true, deletionProtection: true, skipFinalSnapshot: false });
        // Aurora manages no master password of a cluster in a global database: the mock refuses manageMasterUserPassword.
        expect(cluster.inputs).not.to.have.property("manageMasterUserPassword");
        const [secret] = ofType(prod, "aws:secretsmanager/secret:Secret").filter((s) => s.urn.endsWith("prod-aurora-master-secret"));
        expect(outputs(prod).databaseWriter.masterUserSecretArn).to.equal(secret.outputs.arn);
        expect(ofType(prod, "aws:rds/clusterInstance:ClusterInstance")).to.have.length(2);
        const params = ofType(prod, "aws:rds/clusterParameterGroup:ClusterParameterGroup")[0];
        expect(params.inputs).to.deep.include({ family: "aurora-postgresql17" });
        expect(params.inputs.parameters).to.deep.include({ name: "rds.force_ssl", value: "1" });
        for (const stack of Object.values(planned)) expect(instances(stack)).to.have.length(0);
        expect(apiEnv(prod)).to.include({ OUTBOX_RELAY: "enabled" });
        expect(hostOf(apiEnv(prod).DATABASE_URL)).to.equal(cluster.outputs.endpoint);
    });

    for (const name of ["prod-us-east-1", "prod-eu-west-1"]) {
        it(`${name} joins it as a secondary: no master credentials, its own region's key, write forwarding; reads locally, writes to prod's cluster`, () => {
            const stack = planned[name];
            const region = outputs(stack).awsRegion;
            expect(ofType(stack, "aws:rds/globalCluster:GlobalCluster")).to.have.length(0);
            const [cluster] = clusters(stack);
            expect(cluster.inputs).to.include({ globalClusterIdentifier: "ecommerce-platform-prod", enableGlobalWriteForwarding: true, storageEncrypted: true, deletionProtection: true });
            expect(cluster.inputs).not.to.have.any.keys("masterUsername", "masterPassword", "manageMasterUserPassword");
            expect(regionOfArn(cluster.inputs.kmsKeyId)).to.equal(region);
            const env = apiEnv(stack);
            expect(hostOf(env.DATABASE_URL)).to.equal(clusters(planned.prod)[0].outputs.endpoint);
            expect(hostOf(env.DATABASE_READER_URL)).to.equal(cluster.outputs.readerEndpoint);
            expect(env).to.include({ DATABASE_IAM_REGION: "ap-south-1", DATABASE_READER_IAM_REGION: region, OUTBOX_RELAY: "disabled" });
            expect(ofType(stack, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.metricName)).to.include("AuroraGlobalDBReplicationLag");
            // The bootstraps here read prod's master secret, under the ARN the offline engine serves for it: the one prod exports.
            const reads = ofType(stack, "aws:iam/rolePolicy:RolePolicy").flatMap((p) => (JSON.parse(String(p.inputs.policy)) as { Statement: { Sid?: string; Resource: string }[] }).Statement)
                .filter((st) => st.Sid === "ReadMasterSecret").map((st) => st.Resource);
            expect(reads).to.have.length.greaterThan(0);
            expect(new Set(reads)).to.deep.equal(new Set([outputs(planned.prod).databaseWriter.masterUserSecretArn]));
        });
    }

    it("plans all three as a first preview too, with no mandatory violation", () => {
        for (const [name, stack] of Object.entries(planCopies(AURORA, "preview"))) expect(stack.exitCode, `${name}: ${stack.stdout.slice(-2000)}`).to.equal(0);
    });
});

/** Plans a throwaway stack whose file is made knowing its own name (a stack that names itself the primary). */
function planNamed(make: (stack: string) => string): PlannedStack {
    const stack = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const file = join(ROOT, `Pulumi.${stack}.yaml`);
    writeFileSync(file, make(stack));
    try {
        return plannedStack(stack);
    } finally {
        rmSync(file, { force: true });
    }
}
