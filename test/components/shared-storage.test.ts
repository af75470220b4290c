import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { SharedStorage } from "../../components/shared-storage";
import { declared, Registered } from "../support/mock-runtime";

describe("components/shared-storage", () => {
    let prod: Registered;
    let dev: Registered;
    const subnets = ["subnet-a", "subnet-b", "subnet-c"].map((id) => pulumi.output(id));
    before(async () => {
        prod = await declared("efstest-prod", () => new SharedStorage("efstest-prod", { vpcId: "vpc-1", privateSubnetIds: subnets, clientSecurityGroupId: "sg-nodes", retainData: true }));
        dev = await declared("efstest-dev", () => new SharedStorage("efstest-dev", { vpcId: "vpc-1", privateSubnetIds: subnets, clientSecurityGroupId: "sg-nodes", retainData: false }));
    });

    it("encrypts the EFS file system and backs it up in prod", () => {
        expect(prod.one("aws:efs/fileSystem:FileSystem").inputs.encrypted).to.equal(true);
        expect(prod.one("aws:efs/backupPolicy:BackupPolicy").inputs.backupPolicy).to.deep.equal({ status: "ENABLED" });
    });

    it("has a mount target in every private subnet, behind a security group open only to the cluster", () => {
        const targets = prod.ofType("aws:efs/mountTarget:MountTarget").map((t) => t.inputs.subnetId);
        expect(targets).to.have.members(["subnet-a", "subnet-b", "subnet-c"]);
        const rule = prod.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs;
        expect(rule).to.include({ referencedSecurityGroupId: "sg-nodes", fromPort: 2049, toPort: 2049 });
    });

    it("refuses NFS without TLS", () => {
        const policy = JSON.parse(String(prod.one("aws:efs/fileSystemPolicy:FileSystemPolicy").inputs.policy));
        const deny = policy.Statement.find((s: { Effect: string }) => s.Effect === "Deny");
        expect(deny.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
    });

    it("offers a ReadWriteMany EFS class with dynamic access points and a default encrypted gp3 class", () => {
        const classes = prod.ofType("kubernetes:storage.k8s.io/v1:StorageClass").map((c) => c.inputs);
        const efs = classes.find((c) => c.provisioner === "efs.csi.aws.com");
        expect(efs?.parameters).to.include({ provisioningMode: "efs-ap", fileSystemId: prod.one("aws:efs/fileSystem:FileSystem").id });
        const gp3 = classes.find((c) => c.provisioner === "ebs.csi.aws.com");
        expect(gp3?.parameters).to.include({ type: "gp3", encrypted: "true" });
        expect(gp3?.volumeBindingMode).to.equal("WaitForFirstConsumer");
        expect((gp3?.metadata as { annotations: Record<string, string> }).annotations["storageclass.kubernetes.io/is-default-class"]).to.equal("true");
    });

    it("retains volumes in prod and deletes them in dev", () => {
        for (const c of prod.ofType("kubernetes:storage.k8s.io/v1:StorageClass")) expect(c.inputs.reclaimPolicy).to.equal("Retain");
        for (const c of dev.ofType("kubernetes:storage.k8s.io/v1:StorageClass")) expect(c.inputs.reclaimPolicy).to.equal("Delete");
    });
});
