import { expect } from "chai";
import { AuroraGlobalDatabase, supportsGlobalWriteForwarding } from "../../../components/data/aurora-global-database";
import { declared, Registered } from "../../support/mock-runtime";

const CLUSTER = "aws:rds/cluster:Cluster";

function declareAurora(name: string, primary: boolean, instances = 2): Promise<Registered> {
    return declared(name, () => new AuroraGlobalDatabase(name, {
        vpcId: "vpc-test", privateSubnetIds: ["subnet-a", "subnet-b"], clientSecurityGroupId: "sg-nodes",
        role: primary ? { primary: true, globalClusterIdentifier: `${name}-global-id` } : { primary: false, globalClusterIdentifier: "someone-elses-global" },
        engineVersion: "17", instanceClass: "db.r7g.large", instances, backupRetentionDays: 14,
    }));
}

describe("components/data/aurora-global-database", () => {
    let primary: Registered;
    let secondary: Registered;
    before(async () => {
        primary = await declareAurora("auroratest-primary", true);
        secondary = await declareAurora("auroratest-secondary", false, 1);
    });

    it("the primary creates the encrypted, protected global database and a writer cluster in it with a generated master password in a secret of its own", () => {
        expect(primary.one("aws:rds/globalCluster:GlobalCluster").inputs).to.include({ globalClusterIdentifier: "auroratest-primary-global-id", engine: "aurora-postgresql", storageEncrypted: true, deletionProtection: true });
        expect(primary.one(CLUSTER).inputs).to.include({ globalClusterIdentifier: "auroratest-primary-global-id", masterUsername: "shop_admin", skipFinalSnapshot: false, iamDatabaseAuthenticationEnabled: true });
        // Aurora does not manage the master password of a cluster in a global database.
        expect(primary.one(CLUSTER).inputs).not.to.have.any.keys("manageMasterUserPassword", "masterUserSecretKmsKeyId");
        expect(primary.one(CLUSTER).inputs).to.have.property("masterPassword");
        expect(primary.one(CLUSTER).dependencies).to.include(primary.one("random:index/randomPassword:RandomPassword").urn);
        expect(primary.one("aws:secretsmanager/secret:Secret").inputs.kmsKeyId).to.equal(primary.one("aws:kms/key:Key").outputs.arn);
        expect(primary.one(CLUSTER).inputs).not.to.have.property("enableGlobalWriteForwarding");
        expect(primary.ofType("aws:rds/clusterInstance:ClusterInstance")).to.have.length(2);
    });

    it("a secondary joins by identifier without master credentials, with its own key and write forwarding", () => {
        expect(secondary.ofType("aws:rds/globalCluster:GlobalCluster")).to.have.length(0);
        const cluster = secondary.one(CLUSTER);
        expect(cluster.inputs).to.include({ globalClusterIdentifier: "someone-elses-global", enableGlobalWriteForwarding: true, kmsKeyId: secondary.one("aws:kms/key:Key").outputs.arn });
        expect(cluster.inputs).not.to.have.any.keys("masterUsername", "masterPassword", "manageMasterUserPassword");
        expect(secondary.ofType("aws:secretsmanager/secret:Secret")).to.have.length(0);
    });

    it("forces TLS through a cluster parameter group of the engine's family", () => {
        const params = primary.one("aws:rds/clusterParameterGroup:ClusterParameterGroup");
        expect(params.inputs.family).to.equal("aurora-postgresql17");
        expect(params.inputs.parameters).to.deep.include({ name: "rds.force_ssl", value: "1" });
        expect(primary.one(CLUSTER).inputs.dbClusterParameterGroupName).to.equal(params.outputs.name);
    });

    it("offers write forwarding where Aurora PostgreSQL does: 16 and later, 15.4+, 14.9+", () => {
        expect(["17", "16.1", "15.4", "14.9", "15"].map(supportsGlobalWriteForwarding)).to.deep.equal([true, true, true, true, true]);
        expect(["15.3", "14.8", "13.12", "13"].map(supportsGlobalWriteForwarding)).to.deep.equal([false, false, false, false]);
    });
});
