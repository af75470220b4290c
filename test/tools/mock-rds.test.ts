import { expect } from "chai";
import { join } from "node:path";
import { MockCloud } from "../../tools/mock-cloud";
import { mockKmsKeyArn, refuseAuroraCluster, refuseBackupReplication, refuseRdsInstance } from "../../tools/mock-rds";
import { projectStacks, SELF_MANAGED_ORGANIZATION } from "../../tools/stack-references";

const SOURCE = "arn:aws:rds:ap-south-1:000000000000:db:prod-db-postgres-abc1234";
const KEY = mockKmsKeyArn("prod-db-replica-key", "us-east-1", "000000000000");
const replica = { replicateSourceDb: SOURCE, storageEncrypted: true, kmsKeyId: KEY, dbSubnetGroupName: "subnets", skipFinalSnapshot: true };

describe("tools/mock-rds: the mock refuses what RDS refuses for read replicas", () => {
    it("accepts an encrypted cross-region replica given by ARN with a key of its own region and no final snapshot", () => {
        expect(() => refuseRdsInstance(replica, "us-east-1")).not.to.throw();
    });

    it("refuses a master user or password on a replica", () => {
        expect(() => refuseRdsInstance({ ...replica, username: "admin" }, "us-east-1")).to.throw(/takes its master user and password from its source/);
        expect(() => refuseRdsInstance({ ...replica, manageMasterUserPassword: true }, "us-east-1")).to.throw(/InvalidParameterCombination/);
    });

    it("refuses a source given as an identifier where RDS needs the ARN", () => {
        expect(() => refuseRdsInstance({ ...replica, replicateSourceDb: "prod-db-postgres-abc1234" }, "us-east-1")).to.throw(/must be given as its ARN/);
    });

    it("refuses an encrypted cross-region replica without a key, or with a key of another region", () => {
        expect(() => refuseRdsInstance({ ...replica, kmsKeyId: undefined }, "us-east-1")).to.throw(/needs kmsKeyId, a KMS key in us-east-1/);
        expect(() => refuseRdsInstance({ ...replica, kmsKeyId: KEY.replace("us-east-1", "ap-south-1") }, "us-east-1")).to.throw(/needs a key of its own region/);
    });

    it("refuses a replica that could never be deleted because it asks for a final snapshot", () => {
        expect(() => refuseRdsInstance({ ...replica, skipFinalSnapshot: false, finalSnapshotIdentifier: "final" }, "us-east-1")).to.throw(/final snapshot/);
    });

    it("does not judge a writer, or a source still unknown in a first preview", () => {
        expect(() => refuseRdsInstance({ username: "shop_admin", skipFinalSnapshot: false }, "us-east-1")).not.to.throw();
        expect(() => refuseRdsInstance({ ...replica, replicateSourceDb: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", username: "x" }, "us-east-1")).not.to.throw();
    });

    it("refuses backups replicated into their own region or encrypted with a key of another region", () => {
        const backups = { sourceDbInstanceArn: SOURCE, kmsKeyId: KEY };
        expect(() => refuseBackupReplication(backups, "us-east-1")).not.to.throw();
        expect(() => refuseBackupReplication(backups, "ap-south-1")).to.throw(/into their own region/);
        expect(() => refuseBackupReplication({ ...backups, kmsKeyId: KEY.replace("us-east-1", "ap-south-1") }, "us-east-1")).to.throw(/need a key of that region/);
    });

    it("refuses a replica of a source whose master password Secrets Manager manages (RDS User Guide, Limitations)", () => {
        const managed = () => ({ engine: "postgres", manageMasterUserPassword: true });
        expect(() => refuseRdsInstance(replica, "us-east-1", managed)).to.throw(/master password is managed in Secrets Manager/);
        expect(() => refuseRdsInstance(replica, "us-east-1", () => ({ engine: "postgres", password: "generated" }))).not.to.throw();
    });

    it("refuses automated backups on a PostgreSQL replica, not on a MySQL one", () => {
        const postgres = () => ({ engine: "postgres" });
        expect(() => refuseRdsInstance({ ...replica, backupRetentionPeriod: 7 }, "us-east-1", postgres)).to.throw(/DB Backups not supported on a read replica for engine postgres/);
        expect(() => refuseRdsInstance({ ...replica, backupRetentionPeriod: 0 }, "us-east-1", postgres)).not.to.throw();
        expect(() => refuseRdsInstance({ ...replica, backupRetentionPeriod: 7 }, "us-east-1", () => ({ engine: "mysql" }))).not.to.throw();
    });

    it("judges a replica against a source planned in the same program", () => {
        const cloud = new MockCloud("ap-south-1");
        const writer = cloud.newResource({ type: "aws:rds/instance:Instance", name: "writer", inputs: { engine: "postgres", username: "shop_admin", manageMasterUserPassword: true, identifier: "writer-db" }, custom: true });
        const sameRegion = { replicateSourceDb: writer.state.arn, storageEncrypted: true, kmsKeyId: mockKmsKeyArn("k", "ap-south-1", "000000000000"), skipFinalSnapshot: true };
        expect(() => cloud.newResource({ type: "aws:rds/instance:Instance", name: "replica", inputs: sameRegion, custom: true })).to.throw(/managed in Secrets Manager/);
        const selfManaged = cloud.newResource({ type: "aws:rds/instance:Instance", name: "writer2", inputs: { engine: "postgres", username: "shop_admin", password: "generated", identifier: "writer2-db" }, custom: true });
        expect(() => cloud.newResource({ type: "aws:rds/instance:Instance", name: "replica2", inputs: { ...sameRegion, replicateSourceDb: selfManaged.state.arn }, custom: true })).not.to.throw();
        expect(() => cloud.newResource({ type: "aws:rds/instance:Instance", name: "replica3", inputs: { ...sameRegion, replicateSourceDb: selfManaged.state.arn, backupRetentionPeriod: 7 }, custom: true }))
            .to.throw(/DB Backups not supported/);
    });

    it("judges a replica against the writer another stack serves (prod's, read through a StackReference)", () => {
        const cloud = new MockCloud("us-east-1", false, projectStacks(join(__dirname, "..", ".."), "ecommerce-platform", SELF_MANAGED_ORGANIZATION));
        const name = `${SELF_MANAGED_ORGANIZATION}/ecommerce-platform/prod`;
        const read = cloud.newResource({ type: "pulumi:pulumi:StackReference", name: "prod-database-primary", inputs: { name }, custom: true, id: name });
        const source = ((read.state.outputs as Record<string, unknown>).databaseWriter as { arn: string }).arn;
        expect(() => cloud.newResource({ type: "aws:rds/instance:Instance", name: "served-replica", inputs: { ...replica, replicateSourceDb: source }, custom: true })).not.to.throw();
        expect(() => cloud.newResource({ type: "aws:rds/instance:Instance", name: "served-replica-backups", inputs: { ...replica, replicateSourceDb: source, backupRetentionPeriod: 7 }, custom: true }))
            .to.throw(/DB Backups not supported on a read replica for engine postgres/);
    });

    it("refuses a managed master password on any cluster of an Aurora global database, the primary's too, even before its identifier is known", () => {
        const primary = { engine: "aurora-postgresql", globalClusterIdentifier: "shop-prod", masterUsername: "shop_admin", storageEncrypted: true, kmsKeyId: KEY };
        expect(() => refuseAuroraCluster({ ...primary, manageMasterUserPassword: true }, "us-east-1", new Set(["shop-prod"]))).to.throw(/cannot have its master password managed in Secrets Manager/);
        expect(() => refuseAuroraCluster({ ...primary, manageMasterUserPassword: true, globalClusterIdentifier: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, "us-east-1", new Set())).to.throw(/managed in Secrets Manager/);
        expect(() => refuseAuroraCluster({ ...primary, masterPassword: "generated" }, "us-east-1", new Set(["shop-prod"]))).not.to.throw();
        expect(() => refuseAuroraCluster({ engine: "aurora-postgresql", manageMasterUserPassword: true }, "us-east-1", new Set())).not.to.throw();
    });
});
