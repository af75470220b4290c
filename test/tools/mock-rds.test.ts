import { expect } from "chai";
import { mockKmsKeyArn, refuseBackupReplication, refuseRdsInstance } from "../../tools/mock-rds";

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
});
