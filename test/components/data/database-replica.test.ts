import { expect } from "chai";
import { DatabaseReplica } from "../../../components/data/database-replica";
import { declared, Registered } from "../../support/mock-runtime";

const SOURCE = "arn:aws:rds:us-east-1:000000000000:db:prod-db-postgres-abc1234";
const INSTANCE = "aws:rds/instance:Instance";

function declareReplica(name: string, promoted: boolean): Promise<Registered> {
    return declared(name, () => new DatabaseReplica(name, {
        vpcId: "vpc-test", privateSubnetIds: ["subnet-a", "subnet-b"], clientSecurityGroupId: "sg-nodes",
        sourceArn: SOURCE, promoted, engineVersion: "17", instanceClass: "db.m7g.large",
        allocatedStorageGib: 100, maxAllocatedStorageGib: 1000, multiAz: true, backupRetentionDays: 14, monitoringIntervalSeconds: 60, protect: true,
    }));
}

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
        expect(instance.inputs).to.include({ skipFinalSnapshot: false, finalSnapshotIdentifier: "replicatest-promoted-final-snapshot", manageMasterUserPassword: true, backupRetentionPeriod: 14, multiAz: true });
    });
});
