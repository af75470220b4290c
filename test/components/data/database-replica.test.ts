import { expect } from "chai";
import { DatabaseReplica } from "../../../components/data/database-replica";
import { declared, Registered } from "../../support/mock-runtime";

const SOURCE = "arn:aws:rds:us-east-1:000000000000:db:prod-db-postgres-abc1234";
const INSTANCE = "aws:rds/instance:Instance";

function declareReplica(name: string, promoted: boolean, identifier?: string): Promise<Registered> {
    return declared(name, () => new DatabaseReplica(name, {
        vpcId: "vpc-test", privateSubnetIds: ["subnet-a", "subnet-b"], clientSecurityGroupId: "sg-nodes",
        sourceArn: SOURCE, promoted, engineVersion: "17", instanceClass: "db.m7g.large", identifier,
        allocatedStorageGib: 100, maxAllocatedStorageGib: 1000, multiAz: true, backupRetentionDays: 14, monitoringIntervalSeconds: 60, protect: true,
        rotationEpoch: "3",
    }));
}
const SECRET = "aws:secretsmanager/secret:Secret";

describe("components/data/database-replica", () => {
    let replica: Registered;
    let promoted: Registered;
    before(async () => {
        replica = await declareReplica("replicatest-replica", false);
        promoted = await declareReplica("replicatest-promoted", true);
    });

    it("replicates its source by ARN, encrypted with a key of its own region, with no master credentials and no final snapshot", () => {
        const instance = replica.one(INSTANCE);
        expect(instance.inputs).to.include({ replicateSourceDb: SOURCE, storageEncrypted: true, kmsKeyId: replica.one("aws:kms/key:Key").outputs.arn, skipFinalSnapshot: true, deletionProtection: true, iamDatabaseAuthenticationEnabled: true, publiclyAccessible: false });
        expect(instance.inputs).not.to.have.any.keys("username", "password", "manageMasterUserPassword", "finalSnapshotIdentifier", "engine");
        // Nothing of its own to hold while it replicates.
        expect(replica.ofType(SECRET)).to.have.length(0);
        expect(instance.protect).to.equal(true);
        expect(replica.one("aws:kms/key:Key").protect).to.equal(true);
    });

    it("forces TLS through its own parameter group of the source's family, and is monitored as the writer is", () => {
        const params = replica.one("aws:rds/parameterGroup:ParameterGroup");
        expect(params.inputs.family).to.equal("postgres17");
        expect(params.inputs.parameters).to.deep.include({ name: "rds.force_ssl", value: "1" });
        expect(replica.one(INSTANCE).inputs).to.include({ parameterGroupName: params.outputs.name, performanceInsightsEnabled: true, monitoringInterval: 60 });
        expect(replica.one("aws:iam/role:Role").inputs.managedPolicyArns).to.deep.equal(["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]);
    });

    it("once promoted (same resource name) replicates nothing, keeps a final snapshot and gets a master secret of its own", () => {
        const instance = promoted.one(INSTANCE);
        expect(instance.urn.split("::").pop()).to.equal("replicatest-promoted-postgres");
        expect(instance.inputs).not.to.have.property("replicateSourceDb");
        expect(instance.inputs).to.include({ skipFinalSnapshot: false, finalSnapshotIdentifier: "replicatest-promoted-final-snapshot", backupRetentionPeriod: 14, backupWindow: "20:00-21:00", multiAz: true });
        // A generated password in a secret of this region, not RDS-managed: the promoted writer can itself be replicated.
        expect(instance.inputs).not.to.have.any.keys("manageMasterUserPassword", "masterUserSecretKmsKeyId");
        expect(instance.inputs).to.have.property("password");
        const password = promoted.one("random:index/randomPassword:RandomPassword");
        expect(password.inputs.keepers).to.deep.equal({ rotationEpoch: "3" });
        expect(instance.dependencies).to.include(password.urn);
        const secret = promoted.one(SECRET);
        expect(secret.inputs.kmsKeyId).to.equal(promoted.one("aws:kms/key:Key").outputs.arn);
        expect(String(secret.outputs.arn)).to.match(/^arn:aws:secretsmanager:[a-z0-9-]*:000000000000:secret:replicatest-promoted-master-secret-[0-9a-f]{7}-MoCkId$/);
    });

    it("has no automated backups while a replica (RDS refuses them on a PostgreSQL replica), only once promoted", () => {
        expect(replica.one(INSTANCE).inputs).not.to.have.any.keys("backupRetentionPeriod", "backupWindow");
        expect(promoted.one(INSTANCE).inputs.backupRetentionPeriod).to.equal(14);
    });

    it("with a fixed identifier, is deleted before its replacement is created (RDS refuses a second instance of the same identifier)", async () => {
        const named = await declareReplica("replicatest-named", false, "prod-us-east-1-postgres");
        expect(named.one(INSTANCE).inputs.identifier).to.equal("prod-us-east-1-postgres");
        expect(named.one(INSTANCE).deleteBeforeReplace).to.equal(true);
        expect(replica.one(INSTANCE).deleteBeforeReplace, "autonamed: a replacement gets a new name, no gap").to.equal(undefined);
    });
});
