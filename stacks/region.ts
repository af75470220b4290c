import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws/provider";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { Cluster } from "../components/cluster";
import { Database } from "../components/database";
import { DatabaseBootstrapNamespace } from "../components/database-bootstrap-namespace";
import { NodeAutoscaling } from "../components/karpenter";
import { LoadBalancerController } from "../components/load-balancer-controller";
import { MetricsServer } from "../components/metrics-server";
import { Network } from "../components/network";
import { clusterNetwork } from "../components/network-policies";
import { SharedStorage } from "../components/shared-storage";
import { SHOP_NAMESPACE, composeShopApi } from "./shop-api";
import { composeClusterServices } from "./cluster-services";
import { composeNetworkPolicies } from "./network-policies";
import type { PlatformConfig } from "./config";
import { clusterNameOf, platformTags } from "./tags";

/** What a regional stack exports. */
export interface RegionalStackOutputs {
    environment: string;
    region: string;
    vpcId: pulumi.Output<string>;
    clusterName: string;
    kubeconfig: pulumi.Output<string>;
    databaseAddress: pulumi.Output<string>;
    databaseSecretArn: pulumi.Output<string>;
    fileSystemId: pulumi.Output<string>;
    apiImage: pulumi.Output<string>;
    /** The shop API through the gateway's NLB (plain HTTP until the edge puts CloudFront and TLS in front). */
    apiEndpoint: pulumi.Output<string>;
    /** The shop realm through the gateway: the public auth host when configured, else the NLB. */
    authEndpoint: pulumi.Output<string>;
    /** The `iss` claim of the shop realm's tokens. */
    tokenIssuer: string;
}

/** One environment in one region: network, cluster with autoscaling, database and storage, then cluster services. */
export function composeRegionalStack(config: PlatformConfig): RegionalStackOutputs {
    const prefix = config.environment;
    const clusterName = clusterNameOf(config);
    const awsProvider = new aws.Provider(`${prefix}-aws`, {
        region: config.region as aws.ProviderArgs["region"],
        defaultTags: { tags: platformTags(config) },
    });
    const withAws = { providers: { aws: awsProvider } };
    const account = getCallerIdentityOutput({}, { provider: awsProvider });

    const network = new Network(`${prefix}-network`, {
        cidrBlock: config.network.cidrBlock,
        region: config.region,
        accountId: account.accountId,
        availabilityZoneCount: config.network.availabilityZoneCount,
        natGateways: config.network.natGateways,
        flowLogRetentionDays: config.network.flowLogRetentionDays,
        clusterName,
    }, withAws);

    const systemArchitecture = config.cluster.systemNodes.instanceTypes.every(isGravitonType) ? "arm64" : "amd64";
    const cluster = new Cluster(`${prefix}-cluster`, {
        clusterName,
        kubernetesVersion: config.cluster.kubernetesVersion,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        publicSubnetIds: network.publicSubnetIds,
        publicAccessCidrs: config.cluster.publicAccessCidrs,
        adminRoleArns: config.cluster.adminRoleArns,
        logRetentionDays: config.cluster.logRetentionDays,
        systemNodes: config.cluster.systemNodes,
        systemNodeArchitecture: systemArchitecture,
    }, withAws);
    const withCluster = { providers: { aws: awsProvider, kubernetes: cluster.provider } };
    const nodesReady = [cluster.systemNodeGroup];

    const autoscaling = new NodeAutoscaling(`${prefix}-karpenter`, {
        clusterName,
        region: config.region,
        accountId: account.accountId,
        oidc: cluster.oidc,
        nodeSecurityGroupId: cluster.nodeSecurityGroupId,
        capacityTypes: config.autoscaling.capacityTypes,
        architectures: config.autoscaling.architectures,
        cpuLimit: config.autoscaling.cpuLimit,
        memoryLimitGib: config.autoscaling.memoryLimitGib,
        createSpotServiceLinkedRole: config.autoscaling.spotServiceLinkedRole,
        dependsOn: nodesReady,
    }, withCluster);
    // Workloads that need Karpenter capacity wait for the pools: until they exist, their pods cannot get a node.
    const nodePools = [autoscaling.nodePools.general, autoscaling.nodePools.stateful];
    const loadBalancerController = new LoadBalancerController(`${prefix}-lb-controller`, {
        clusterName, region: config.region, accountId: account.accountId, vpcId: network.vpcId, oidc: cluster.oidc, dependsOn: nodesReady,
    }, withCluster);
    new MetricsServer(`${prefix}-metrics-server`, { dependsOn: nodesReady }, withCluster);

    const database = new Database(`${prefix}-db`, {
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        clientSecurityGroupId: cluster.nodeSecurityGroupId,
        engineVersion: config.database.engineVersion,
        instanceClass: config.database.instanceClass,
        allocatedStorageGib: config.database.allocatedStorageGib,
        maxAllocatedStorageGib: config.database.maxAllocatedStorageGib,
        multiAz: config.database.multiAz,
        deletionProtection: config.database.deletionProtection,
        backupRetentionDays: config.database.backupRetentionDays,
        monitoringIntervalSeconds: config.database.monitoringIntervalSeconds,
    }, withAws);

    const storage = new SharedStorage(`${prefix}-storage`, {
        vpcId: network.vpcId,
        privateSubnetIds: Array.from({ length: network.availabilityZoneCount }, (_, zone) => network.privateSubnetId(zone)),
        clientSecurityGroupId: cluster.nodeSecurityGroupId,
        retainData: config.isProduction,
    }, withCluster);

    // Finding: the master secret's role must not be usable from an application namespace; its Jobs run apart.
    const bootstrap = new DatabaseBootstrapNamespace(`${prefix}-db-bootstrap`, {}, withCluster);

    const services = composeClusterServices({
        config, cluster, database, accountId: account.accountId,
        databaseBootstrap: bootstrap.placement,
        kafkaClientNamespaces: [SHOP_NAMESPACE],
        dependsOn: [...nodesReady, loadBalancerController, storage],
        nodePools,
        opts: withCluster,
    });

    const api = composeShopApi({ config, cluster, database, services, databaseBootstrap: bootstrap.placement, nodePools, opts: withCluster });

    composeNetworkPolicies({
        network: clusterNetwork(config.network.cidrBlock, network.availabilityZoneCount),
        services, api, apiNamespace: SHOP_NAMESPACE, bootstrap,
        opts: { provider: cluster.provider },
    });

    return {
        environment: config.environment,
        region: config.region,
        vpcId: network.vpcId,
        clusterName,
        kubeconfig: cluster.kubeconfig,
        databaseAddress: database.address,
        databaseSecretArn: database.masterUserSecretArn,
        fileSystemId: storage.fileSystemId,
        apiImage: api.imageUri,
        apiEndpoint: pulumi.interpolate`http://${services.gateway.publicHostname}/v1`,
        authEndpoint: config.services.authHostname
            ? pulumi.output(`https://${config.services.authHostname}/auth/realms/shop`)
            : pulumi.interpolate`http://${services.gateway.publicHostname}/auth/realms/shop`,
        tokenIssuer: services.identity.issuerUrl,
    };
}

/** Graviton instance families carry a "g" after the generation digit (m7g, t4g, c7gn, r8g). */
function isGravitonType(instanceType: string): boolean {
    return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}
