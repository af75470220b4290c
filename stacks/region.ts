import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws/provider";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { Cluster } from "../components/cluster";
import { RegionalCertificate } from "../components/edge/regional-certificate";
import { RegionalEndpoint } from "../components/edge/regional-endpoint";
import { DatabaseBootstrapNamespace } from "../components/database-bootstrap-namespace";
import { NodeAutoscaling } from "../components/karpenter";
import { LoadBalancerController } from "../components/load-balancer-controller";
import { MetricsServer } from "../components/metrics-server";
import { Network } from "../components/network";
import { PeeredLoadBalancerGroup } from "../components/network/peered-load-balancer-group";
import { KAFKA_REPLICATION_PORT } from "../components/kafka";
import { POSTGRES_PORT } from "../components/data/database-foundation";
import { clusterNetwork } from "../components/network-policies";
import { SharedStorage } from "../components/shared-storage";
import { PUBLIC_HEALTH_PATH } from "../components/shop-api";
import { SHOP_NAMESPACE, composeShopApi } from "./shop-api";
import { composeClusterServices } from "./cluster-services";
import { composeNetworkPolicies } from "./network-policies";
import { composeNotifications } from "./notifications";
import { composeTracing } from "./tracing";
import { composeKafkaMirroring, mirrorsFromPrimary } from "./kafka-mirroring";
import { composeRegionMesh } from "./region-mesh";
import { edgeZone } from "./edge-zone";
import { composeEdge, type EdgeOutputs } from "./edge";
import { composeDataTopology, type DatabaseWriterOutputs } from "./data-topology";
import type { PlatformConfig } from "./config";
import { awsProviderArgs, clusterNameOf } from "./tags";

/** What a regional stack exports. */
export interface RegionalStackOutputs {
    /**
     * What the last `pulumi up` deployed of the settings that cannot change freely (the Kubernetes minor moves one step;
     * the network's range and zones and the database's major would rebuild or upgrade in place): tools/check-upgrade.ts
     * compares the stack file with these before the next `up`.
     */
    deployedSettings: { kubernetesVersion: string; vpcCidr: string; availabilityZoneCount: number; dbEngineVersion: string };
    environment: string;
    region: string;
    vpcId: pulumi.Output<string>;
    clusterName: string;
    kubeconfig: pulumi.Output<string>;
    databaseAddress: pulumi.Output<string>;
    databaseSecretArn: pulumi.Output<string>;
    /** The environment's writer, exported by the stack that holds it (stacks/data-topology.ts); the other stacks replicate it. */
    databaseWriter?: pulumi.Output<DatabaseWriterOutputs>;
    /** writer or replica: this stack's place in the data topology. */
    databaseRole: "writer" | "replica";
    fileSystemId: pulumi.Output<string>;
    apiImage: pulumi.Output<string>;
    /** The shop API of this region, over TLS on its own name: https://api.<region>.<domain>/v1. */
    apiEndpoint: string;
    /** The shop realm on its public name (the same in every region). */
    authEndpoint: string;
    /** The `iss` claim of the shop realm's tokens: identical in every region of the environment. */
    tokenIssuer: string;
    /** The environment's domain, its hosted zone and the latency-routed origin name (what other stacks reference). */
    domain: string;
    hostedZoneId: pulumi.Output<string>;
    originHostname: string;
    /** https://<domain>: the shop through CloudFront. */
    publicUrl: string;
    /** https://api.<region>.<domain>: this region alone. */
    regionalApiUrl: string;
    /** The Route 53 health check that takes this region out of latency routing. */
    healthCheckId: pulumi.Output<string>;
    /** IRSA for roles other stacks or operators create: the cluster's OIDC provider and its issuer (https://...). */
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuerUrl: pulumi.Input<string>;
    privateSubnetIds: pulumi.Output<string[]>;
    publicSubnetIds: pulumi.Output<string[]>;
    /** The SNS topic the alarms publish to: subscribe a pager or a chat integration to it. */
    alarmTopicArn: pulumi.Output<string>;
    /** The IAM role of Karpenter's nodes (what an EC2NodeClass names; what a bucket policy admits for node reads). */
    karpenterNodeRoleName: pulumi.Output<string>;
    /** The control plane's security group, and the group every node carries (what a database admits). */
    clusterSecurityGroupId: pulumi.Output<string>;
    nodeSecurityGroupId: pulumi.Output<string>;
    /** The global edge, in the stack that owns it. */
    edge?: EdgeOutputs;
    /** The realm signing key the environment's other regions import (owner only; the private half a secret). */
    realmSigningKeyPkcs8?: pulumi.Output<string>;
    realmPublicKeyPem?: pulumi.Output<string>;
    /** What peered stacks read (stacks/region-mesh.ts MESH_OUTPUTS): the network and the database's security group. */
    vpcCidr: string;
    privateSubnetCidrs: string[];
    privateRouteTableIds: pulumi.Output<string>[];
    databaseSecurityGroupId: pulumi.Output<string>;
    /** Where this stack has peers: the Kafka replication endpoint, its CA, and the peers' mirror passwords (secret). */
    kafkaReplicationSecurityGroupId?: pulumi.Output<string>;
    kafkaReplicationBootstrap?: pulumi.Output<string>;
    kafkaClusterCaCertPem?: pulumi.Output<string>;
    kafkaMirrorPasswords?: pulumi.Output<Record<string, string>>;
    /** The VPC peering connections this stack owns, by peer stack (stacks/region-mesh.ts). */
    peeringConnections: pulumi.Output<Record<string, string>>;
    /** In a secondary: the stack whose Kafka its MirrorMaker 2 reads `products` from. */
    kafkaMirrorsFrom?: pulumi.Output<string>;
}

/** One environment in one region: network, cluster with autoscaling, database and storage, then cluster services. */
export function composeRegionalStack(config: PlatformConfig): RegionalStackOutputs {
    const prefix = config.environment;
    const clusterName = clusterNameOf(config);
    const awsProvider = new aws.Provider(`${prefix}-aws`, awsProviderArgs(config));
    const withAws = { providers: { aws: awsProvider } };
    const protect = config.lifecycle.protectStatefulResources;
    const account = getCallerIdentityOutput({}, { provider: awsProvider });

    const network = new Network(`${prefix}-network`, {
        cidrBlock: config.network.cidrBlock,
        region: config.region,
        accountId: account.accountId,
        availabilityZoneCount: config.network.availabilityZoneCount,
        natGateways: config.network.natGateways,
        flowLogRetentionDays: config.network.flowLogRetentionDays,
        clusterName,
        protect,
    }, withAws);

    const systemArchitecture = config.cluster.systemNodes.instanceTypes.every(isGravitonType) ? "arm64" : "amd64";
    const cluster = new Cluster(`${prefix}-cluster`, {
        clusterName,
        kubernetesVersion: config.cluster.kubernetesVersion,
        supportType: config.cluster.supportType,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        publicSubnetIds: network.publicSubnetIds,
        publicAccessCidrs: config.cluster.publicAccessCidrs,
        adminRoleArns: config.cluster.adminRoleArns,
        logRetentionDays: config.cluster.logRetentionDays,
        systemNodes: config.cluster.systemNodes,
        systemNodeArchitecture: systemArchitecture,
        protect,
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
        protectCrds: protect,
    }, withCluster);
    // Workloads that need Karpenter capacity wait for the pools: until they exist, their pods cannot get a node.
    const nodePools = [autoscaling.nodePools.general, autoscaling.nodePools.stateful];
    const loadBalancerController = new LoadBalancerController(`${prefix}-lb-controller`, {
        clusterName, region: config.region, accountId: account.accountId, vpcId: network.vpcId, oidc: cluster.oidc, dependsOn: nodesReady,
    }, withCluster);
    new MetricsServer(`${prefix}-metrics-server`, { dependsOn: nodesReady }, withCluster);

    const data = composeDataTopology({
        config,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        clientSecurityGroupId: cluster.nodeSecurityGroupId,
        protect,
        opts: withAws,
    });
    const database = data.local;

    const storage = new SharedStorage(`${prefix}-storage`, {
        vpcId: network.vpcId,
        privateSubnetIds: Array.from({ length: network.availabilityZoneCount }, (_, zone) => network.privateSubnetId(zone)),
        clientSecurityGroupId: cluster.nodeSecurityGroupId,
        retainData: config.isProduction,
        protect,
    }, withCluster);

    // Finding: the master secret's role must not be usable from an application namespace; its Jobs run apart.
    const bootstrap = new DatabaseBootstrapNamespace(`${prefix}-db-bootstrap`, {}, withCluster);

    // The environment's zone (created by the edge owner, referenced by every other stack), and this region's certificate:
    // its own name plus the shared origin name CloudFront verifies. The gateway's NLB waits for it to be issued.
    const zone = edgeZone(config, withAws);
    const certificate = new RegionalCertificate(`${prefix}-api-cert`, {
        hostname: config.edge.regionalHostname,
        alternativeNames: [config.edge.originHostname],
        zoneId: zone.zoneId,
    }, withAws);

    // The global edge (CloudFront, WAF, static site, data lake) exists once per environment, in the stack that owns it.
    const edge = config.edge.ownsEdge
        ? composeEdge({ config, zoneId: zone.zoneId, domain: config.edge.domain, originHostname: config.edge.originHostname, opts: withAws })
        : undefined;

    // Peered prod regions: every one can be the primary, so each runs the Kafka replication listener behind a security
    // group only its peerings open (stacks/region-mesh.ts).
    const layout = clusterNetwork(config.network.cidrBlock, network.availabilityZoneCount);
    const replicationGroup = config.network.peerStacks.length > 0
        ? new PeeredLoadBalancerGroup(`${prefix}-kafka-replication`, {
            vpcId: network.vpcId, port: KAFKA_REPLICATION_PORT, targetCidrs: layout.privateSubnetCidrs,
            description: "Kafka replication NLBs: peered regions' private subnets only",
        }, withAws)
        : undefined;
    const followsPrimary = mirrorsFromPrimary(config);

    const services = composeClusterServices({
        config, cluster, database, accountId: account.accountId,
        // Keycloak writes: in a region without the writer its database lives on the writer, one per region (the edge
        // owner's keeps its name), reached over the regions' peering.
        keycloakDatabase: data.isWriterRegion && config.edge.ownsEdge ? undefined : {
            endpoint: data.writer, region: data.writerRegion, name: config.edge.ownsEdge ? "keycloak" : `keycloak_${config.region.replace(/-/g, "_")}`,
        },
        databaseBootstrap: bootstrap.placement,
        kafkaClientNamespaces: [SHOP_NAMESPACE],
        dependsOn: [...nodesReady, loadBalancerController, storage],
        nodePools,
        gatewayCertificateArn: certificate.certificateArn,
        edgeOwner: zone.owner,
        kafkaReplication: replicationGroup && { securityGroupId: replicationGroup.securityGroupId, loadBalancerCidrs: layout.privateSubnetCidrs },
        followsPrimary,
        opts: withCluster,
    });
    const peerings = composeRegionMesh({
        config, vpcId: network.vpcId, privateSubnetCidrs: layout.privateSubnetCidrs, privateRouteTableIds: network.privateRouteTableIds,
        routeTablesReady: network.routeTablesReady,
        databaseSecurityGroupId: database.securityGroupId, kafkaReplicationSecurityGroupId: replicationGroup?.securityGroupId,
        databasePort: POSTGRES_PORT, kafkaReplicationPort: KAFKA_REPLICATION_PORT, opts: withAws,
    });
    const mirroring = composeKafkaMirroring(config, services.kafka, withCluster);

    const tracing = composeTracing({ config, services, nodePools, opts: withCluster });
    const api = composeShopApi({
        config, cluster, data, services, databaseBootstrap: bootstrap.placement, nodePools, analyticsBucket: edge?.analyticsBucketName,
        tracing: tracing.settings, opts: withCluster,
    });
    composeNotifications({ config, cluster, services, api, zoneId: zone.zoneId, tracing: tracing.settings, nodePools, opts: withCluster });

    composeNetworkPolicies({
        network: layout,
        services, api, apiNamespace: SHOP_NAMESPACE, bootstrap, collector: tracing.collector,
        primaryVpcCidr: mirroring.sourceVpcCidr, writerIsLocal: data.isWriterRegion,
        opts: { provider: cluster.provider },
    });

    // Every region, the owner included, joins latency routing for the origin name with a health check on its own name.
    const endpoint = new RegionalEndpoint(`${prefix}-endpoint`, {
        region: config.region,
        zoneId: zone.zoneId,
        regionalHostname: config.edge.regionalHostname,
        originHostname: config.edge.originHostname,
        loadBalancerHostname: services.gateway.publicHostname,
        healthCheckPath: PUBLIC_HEALTH_PATH,
    }, withAws);

    return {
        environment: config.environment,
        region: config.region,
        deployedSettings: {
            kubernetesVersion: config.cluster.kubernetesVersion,
            vpcCidr: config.network.cidrBlock,
            availabilityZoneCount: config.network.availabilityZoneCount,
            dbEngineVersion: config.database.engineVersion,
        },
        vpcId: network.vpcId,
        clusterName,
        kubeconfig: cluster.kubeconfig,
        databaseAddress: pulumi.output(database.endpoint.address),
        databaseSecretArn: pulumi.output(database.endpoint.masterUserSecretArn),
        databaseWriter: data.writerOutputs,
        databaseRole: data.isWriterRegion ? "writer" : "replica",
        fileSystemId: storage.fileSystemId,
        apiImage: api.imageUri,
        apiEndpoint: `${endpoint.regionalUrl}/v1`,
        authEndpoint: services.identity.issuerUrl,
        tokenIssuer: services.identity.issuerUrl,
        domain: config.edge.domain,
        hostedZoneId: zone.zoneId,
        originHostname: config.edge.originHostname,
        publicUrl: config.edge.publicUrl,
        regionalApiUrl: endpoint.regionalUrl,
        healthCheckId: endpoint.healthCheckId,
        oidcProviderArn: cluster.oidc.providerArn,
        oidcIssuerUrl: cluster.oidc.providerUrl,
        privateSubnetIds: network.privateSubnetIds,
        publicSubnetIds: network.publicSubnetIds,
        alarmTopicArn: services.monitoring.alarmTopicArn,
        karpenterNodeRoleName: autoscaling.nodeRoleName,
        clusterSecurityGroupId: cluster.clusterSecurityGroupId,
        nodeSecurityGroupId: cluster.nodeSecurityGroupId,
        edge,
        realmSigningKeyPkcs8: config.edge.ownsEdge ? pulumi.secret(services.realmSigningKey.privateKeyPemPkcs8) : undefined,
        realmPublicKeyPem: config.edge.ownsEdge ? services.realmSigningKey.publicKeyPem : undefined,
        vpcCidr: config.network.cidrBlock,
        privateSubnetCidrs: layout.privateSubnetCidrs,
        privateRouteTableIds: network.privateRouteTableIds,
        databaseSecurityGroupId: database.securityGroupId,
        kafkaReplicationSecurityGroupId: replicationGroup?.securityGroupId,
        kafkaReplicationBootstrap: services.kafka.replicationBootstrapServers,
        kafkaClusterCaCertPem: replicationGroup ? services.kafka.caCertPem : undefined,
        kafkaMirrorPasswords: mirroring.mirrorPasswords,
        peeringConnections: peerings,
        kafkaMirrorsFrom: mirroring.mirrorsFrom,
    };
}

/** Graviton instance families carry a "g" after the generation digit (m7g, t4g, c7gn, r8g). */
function isGravitonType(instanceType: string): boolean {
    return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}
