import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as ec2 from "@pulumi/aws/ec2";
import * as efs from "@pulumi/aws/efs";
import * as vpc from "@pulumi/aws/vpc";

/** StorageClass names other components ask for. */
export const STORAGE_CLASSES = {
    /** gp3 block volumes (ReadWriteOnce): databases, Kafka logs, Elasticsearch data. */
    block: "gp3",
    /** EFS (ReadWriteMany): files several pods share. */
    shared: "efs",
} as const;

export interface SharedStorageArgs {
    vpcId: pulumi.Input<string>;
    /** One mount target is created per subnet, i.e. one per availability zone. */
    privateSubnetIds: pulumi.Output<string>[];
    /** Only this security group (the cluster's nodes) may mount the file system. */
    clientSecurityGroupId: pulumi.Input<string>;
    /** Keep volumes when their claims are deleted, and back EFS up with AWS Backup. Default true. */
    retainData?: boolean;
    /**
     * Pulumi `protect` on the EFS file system: a replacement or deletion fails until `pulumi state unprotect`. Default false
     * (the composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

const NFS_PORT = 2049;

/**
 * Storage for StatefulSets: an encrypted EFS file system (TLS-only, mountable only from the cluster, one mount target
 * per zone) behind a ReadWriteMany StorageClass with dynamic access points, and the default gp3 block StorageClass.
 */
export class SharedStorage extends pulumi.ComponentResource {
    readonly fileSystemId: pulumi.Output<string>;

    constructor(name: string, args: SharedStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:storage:SharedStorage", name, {}, opts);
        const child = { parent: this };
        const retain = args.retainData ?? true;

        const fileSystem = new efs.FileSystem(`${name}-efs`, {
            encrypted: true,
            performanceMode: "generalPurpose",
            // Elastic throughput bills what is used; bursting would throttle a small file system.
            throughputMode: "elastic",
            lifecyclePolicies: [{ transitionToIa: "AFTER_30_DAYS" }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }],
            tags: { Name: `${name}-efs` },
        }, { ...child, protect: args.protect });
        new efs.BackupPolicy(`${name}-efs`, {
            fileSystemId: fileSystem.id,
            backupPolicy: { status: retain ? "ENABLED" : "DISABLED" },
        }, child);
        new efs.FileSystemPolicy(`${name}-efs`, {
            fileSystemId: fileSystem.id,
            policy: fileSystem.arn.apply((arn) => JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    // Mounts only through this VPC's mount targets (the security group decides who reaches them)...
                    {
                        Sid: "MountThroughMountTargets", Effect: "Allow", Principal: { AWS: "*" }, Resource: arn,
                        Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                        Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
                    },
                    // ...and only over TLS.
                    { Sid: "DenyPlainNfs", Effect: "Deny", Principal: { AWS: "*" }, Action: "*", Resource: arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
                ],
            })),
        }, child);

        const securityGroup = new ec2.SecurityGroup(`${name}-efs-sg`, {
            vpcId: args.vpcId,
            description: "NFS, reachable only from the cluster nodes",
        }, child);
        new vpc.SecurityGroupIngressRule(`${name}-efs-from-cluster`, {
            securityGroupId: securityGroup.id,
            referencedSecurityGroupId: args.clientSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: NFS_PORT,
            toPort: NFS_PORT,
            description: "NFS from cluster nodes",
        }, child);

        const mountTargets = args.privateSubnetIds.map((subnetId, index) => new efs.MountTarget(`${name}-efs-${index}`, {
            fileSystemId: fileSystem.id,
            subnetId,
            securityGroups: [securityGroup.id],
        }, child));

        const reclaimPolicy = retain ? "Retain" : "Delete";
        new k8s.storage.v1.StorageClass(`${name}-${STORAGE_CLASSES.shared}`, {
            metadata: { name: STORAGE_CLASSES.shared },
            provisioner: "efs.csi.aws.com",
            reclaimPolicy,
            volumeBindingMode: "Immediate",
            parameters: {
                provisioningMode: "efs-ap",
                fileSystemId: fileSystem.id,
                directoryPerms: "700",
                basePath: "/dynamic",
                // Each claim gets its own access point and POSIX identity from this range.
                gidRangeStart: "50000",
                gidRangeEnd: "59999",
            },
            mountOptions: ["tls"],
        }, { ...child, dependsOn: mountTargets });

        new k8s.storage.v1.StorageClass(`${name}-${STORAGE_CLASSES.block}`, {
            metadata: { name: STORAGE_CLASSES.block, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com",
            reclaimPolicy,
            // Bind where the pod lands, so the volume and the pod share a zone.
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            parameters: { type: "gp3", encrypted: "true", fsType: "ext4" },
        }, child);

        this.fileSystemId = fileSystem.id;
        this.registerOutputs({ fileSystemId: this.fileSystemId });
    }
}
