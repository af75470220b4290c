import { expect } from "chai";
import { BackupReplication } from "../../../components/data/backup-replication";
import { declared } from "../../support/mock-runtime";

describe("components/data/backup-replication", () => {
    it("replicates the source's automated backups with a key it creates beside the replication, for the retention asked", async () => {
        const source = "arn:aws:rds:us-east-1:000000000000:db:prod-db-postgres-abc1234";
        const backups = await declared("backuptest", () => new BackupReplication("backuptest", { sourceInstanceArn: source, retentionDays: 14, protect: true }));
        const key = backups.one("aws:kms/key:Key");
        expect(backups.one("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication").inputs).to.include({ sourceDbInstanceArn: source, kmsKeyId: key.outputs.arn, retentionPeriod: 14 });
        expect(key.inputs).to.include({ enableKeyRotation: true });
        expect(key.protect).to.equal(true);
    });
});
