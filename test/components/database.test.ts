import { expect } from "chai";
import { Database } from "../../components/database";
import { declared, declaredWithCloudView, Registered } from "../support/mock-runtime";

function declareDatabase(name: string, production: boolean, versions: { engineVersion?: string; allowMajorVersionUpgrade?: boolean } = {}): Promise<Registered> {
    return declared(name, () => new Database(name, {
        vpcId: "vpc-test",
        privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
        clientSecurityGroupId: "sg-nodes",
        engineVersion: "17",
        instanceClass: production ? "db.m7g.large" : "db.t4g.medium",
        allocatedStorageGib: 20,
        maxAllocatedStorageGib: 100,
        multiAz: production,
        deletionProtection: production,
        backupRetentionDays: production ? 14 : 1,
        ...versions,
    }));
}

describe("components/database", () => {
    let prod: Registered;
    let dev: Registered;
    before(async () => {
        prod = await declareDatabase("dbtest-prod", true);
        dev = await declareDatabase("dbtest-dev", false);
    });

    describe("engine versions", () => {
        it("takes automatic minor upgrades on a major alone, and refuses an in-place major upgrade unless asked", () => {
            expect(prod.one("aws:rds/instance:Instance").inputs).to.include({ engineVersion: "17", autoMinorVersionUpgrade: true, allowMajorVersionUpgrade: false });
            expect(prod.one("aws:rds/parameterGroup:ParameterGroup").inputs.family).to.equal("postgres17");
        });

        it("turns automatic minor upgrades off for a pinned minor, which RDS would otherwise move past", async () => {
            const pinned = await declareDatabase("dbtest-pinned", false, { engineVersion: "17.6" });
            expect(pinned.one("aws:rds/instance:Instance").inputs).to.include({ engineVersion: "17.6", autoMinorVersionUpgrade: false });
            expect(pinned.one("aws:rds/parameterGroup:ParameterGroup").inputs.family).to.equal("postgres17");
        });

        it("moves the parameter group's family with a major upgrade, allowed by config", async () => {
            const upgraded = await declareDatabase("dbtest-major", false, { engineVersion: "18", allowMajorVersionUpgrade: true });
            expect(upgraded.one("aws:rds/instance:Instance").inputs).to.include({ engineVersion: "18", allowMajorVersionUpgrade: true });
            expect(upgraded.one("aws:rds/parameterGroup:ParameterGroup").inputs.family).to.equal("postgres18");
        });
    });

    describe("exported logs", () => {
        it("with an identifier: declares /aws/rds/instance/<identifier>/postgresql and /upgrade with a retention, before the instance", async () => {
            const named = await declared("dbtest-named", () => new Database("dbtest-named", {
                vpcId: "vpc-test", privateSubnetIds: ["subnet-a"], clientSecurityGroupId: "sg-nodes", engineVersion: "17",
                instanceClass: "db.t4g.medium", allocatedStorageGib: 20, maxAllocatedStorageGib: 100,
                identifier: "ecommerce-platform-dev-postgres", logRetentionDays: 7,
            }));
            const groups = named.ofType("aws:cloudwatch/logGroup:LogGroup");
            expect(groups.map((g) => [g.inputs.name, g.inputs.retentionInDays])).to.deep.equal([
                ["/aws/rds/instance/ecommerce-platform-dev-postgres/postgresql", 7],
                ["/aws/rds/instance/ecommerce-platform-dev-postgres/upgrade", 7],
            ]);
            const instance = named.one("aws:rds/instance:Instance");
            expect(instance.inputs.identifier).to.equal("ecommerce-platform-dev-postgres");
            expect(instance.inputs.enabledCloudwatchLogsExports).to.deep.equal(["postgresql", "upgrade"]);
            for (const group of groups) expect(instance.dependencies, String(group.inputs.name)).to.include(group.urn);
        });

        it("refuses an identifier RDS would refuse, naming the rule", () => {
            expect(() => new Database("dbtest-bad", {
                vpcId: "vpc-test", privateSubnetIds: ["subnet-a"], clientSecurityGroupId: "sg-nodes", engineVersion: "17",
                instanceClass: "db.t4g.medium", allocatedStorageGib: 20, maxAllocatedStorageGib: 100, identifier: "Shop--DB",
            })).to.throw(/"Shop--DB" is not an RDS instance identifier/);
        });
    });

    it("keeps the instance private, encrypted with its own rotating key, in private subnets", () => {
        const instance = prod.one("aws:rds/instance:Instance").inputs;
        expect(instance.publiclyAccessible).to.equal(false);
        expect(instance.storageEncrypted).to.equal(true);
        expect(instance.kmsKeyId).to.match(/^arn:aws:kms:/);
        expect(prod.one("aws:kms/key:Key").inputs.enableKeyRotation).to.equal(true);
        expect(prod.one("aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds).to.deep.equal(["subnet-a", "subnet-b", "subnet-c"]);
    });

    it("generates the master password into a secret of its own, not RDS-managed (RDS refuses replicas of a source whose password Secrets Manager manages)", async () => {
        const { registered, cloud } = await declaredWithCloudView("dbtest-secret", () => new Database("dbtest-secret", {
            vpcId: "vpc-test", privateSubnetIds: ["subnet-a"], clientSecurityGroupId: "sg-nodes", engineVersion: "17", instanceClass: "db.t4g.medium",
            allocatedStorageGib: 20, maxAllocatedStorageGib: 100, rotationEpoch: "2026-12-06",
        }));
        const instance = registered.one("aws:rds/instance:Instance");
        expect(instance.inputs).to.not.have.any.keys("manageMasterUserPassword", "masterUserSecretKmsKeyId");
        const password = registered.one("random:index/randomPassword:RandomPassword");
        expect(password.inputs).to.include({ length: 32, special: false });
        expect(password.inputs.keepers, "rotated by rotationEpoch").to.deep.equal({ rotationEpoch: "2026-12-06" });
        const secret = registered.one("aws:secretsmanager/secret:Secret");
        expect(secret.inputs.kmsKeyId).to.equal(registered.one("aws:kms/key:Key").outputs.arn);
        // What RDS and Secrets Manager receive: the instance's password, and the JSON an RDS-managed secret holds (the bootstrap Jobs read it).
        const generated = cloud.get("dbtest-secret-master-password")!;
        expect(generated).to.not.equal(undefined);
        const plaintext = (password.outputs.result as { value?: string }).value ?? password.outputs.result;
        expect(cloud.get("dbtest-secret-postgres")!.password).to.be.a("string").and.equal(plaintext);
        const version = cloud.get("dbtest-secret-master-secret-version")!;
        expect(JSON.parse(String(version.secretString))).to.deep.equal({ username: "shop_admin", password: plaintext });
        expect(registered.one("aws:secretsmanager/secretVersion:SecretVersion").inputs.secretId).to.equal(secret.id);
        expect(registered.one("ecommerce:data:Database").outputs.masterUserSecretArn).to.equal(secret.outputs.arn).and.match(/^arn:aws:secretsmanager:/);
    });

    it("forces TLS in the parameter group", () => {
        const parameters = prod.one("aws:rds/parameterGroup:ParameterGroup").inputs;
        expect(parameters.family).to.equal("postgres17");
        expect(parameters.parameters).to.deep.include({ name: "rds.force_ssl", value: "1" });
    });

    it("admits PostgreSQL only from the cluster's security group", () => {
        expect(prod.one("aws:ec2/securityGroup:SecurityGroup").inputs).to.not.have.property("ingress");
        const rule = prod.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs;
        expect(rule).to.include({ referencedSecurityGroupId: "sg-nodes", fromPort: 5432, toPort: 5432, ipProtocol: "tcp" });
        expect(rule).to.not.have.property("cidrIpv4");
    });

    it("in prod: Multi-AZ, deletion protection, a final snapshot and two weeks of backups", () => {
        const instance = prod.one("aws:rds/instance:Instance").inputs;
        expect(instance).to.include({ multiAz: true, deletionProtection: true, skipFinalSnapshot: false, backupRetentionPeriod: 14 });
        expect(instance.finalSnapshotIdentifier).to.be.a("string");
        expect(instance.performanceInsightsEnabled).to.equal(true);
    });

    it("in dev: single-AZ, deletable, no final snapshot", () => {
        const instance = dev.one("aws:rds/instance:Instance").inputs;
        expect(instance).to.include({ multiAz: false, deletionProtection: false, skipFinalSnapshot: true });
        expect(instance.instanceClass).to.match(/^db\.t4g\./);
    });
});
