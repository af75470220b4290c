// ecommerce-platform: one environment in one AWS region per stack.
//   1. Read and validate the stack config (stacks/load-config.ts): a bad value stops here, naming the key.
//   2. Compose the regional stack (stacks/region.ts): network, EKS + Karpenter, RDS, storage, cluster services.
//   3. Export what operators and other stacks need.
import { loadPlatformConfig } from "./stacks/load-config";
import { composeRegionalStack } from "./stacks/region";

const config = loadPlatformConfig();
const region = composeRegionalStack(config);

export const environment = region.environment;
export const awsRegion = region.region;
// Read back by `npm run check:upgrade -- <stack>` before the next `up` (one Kubernetes minor at a time, no rebuilt network).
export const deployedSettings = region.deployedSettings;
export const vpcId = region.vpcId;
export const clusterName = region.clusterName;
export const kubeconfig = region.kubeconfig;
export const databaseAddress = region.databaseAddress;
export const databaseSecretArn = region.databaseSecretArn;
// The environment's writer (only in the stack holding it): the other prod stacks replicate it (stacks/data-topology.ts).
export const databaseWriter = region.databaseWriter;
export const databaseRole = region.databaseRole;
export const fileSystemId = region.fileSystemId;
export const apiImage = region.apiImage;
export const apiEndpoint = region.apiEndpoint;
export const authEndpoint = region.authEndpoint;
export const tokenIssuer = region.tokenIssuer;
// What the environment's other stacks read from the edge owner (stacks/edge-zone.ts), and the region's routing.
export const domain = region.domain;
export const hostedZoneId = region.hostedZoneId;
export const originHostname = region.originHostname;
export const publicUrl = region.publicUrl;
export const regionalApiUrl = region.regionalApiUrl;
export const healthCheckId = region.healthCheckId;
// What operators and other stacks need: IRSA trust (OIDC provider and issuer), subnets, the alarm topic, Karpenter's node
// role and the security groups.
export const oidcProviderArn = region.oidcProviderArn;
export const oidcIssuerUrl = region.oidcIssuerUrl;
export const privateSubnetIds = region.privateSubnetIds;
export const publicSubnetIds = region.publicSubnetIds;
export const alarmTopicArn = region.alarmTopicArn;
export const karpenterNodeRoleName = region.karpenterNodeRoleName;
export const clusterSecurityGroupId = region.clusterSecurityGroupId;
export const nodeSecurityGroupId = region.nodeSecurityGroupId;
// The global edge and the data lake, in the stack that owns them (undefined elsewhere).
export const edge = region.edge;
// The realm signing key every region of the environment imports from the edge owner (stacks/realm-signing-key.ts).
export const realmSigningKeyPkcs8 = region.realmSigningKeyPkcs8;
export const realmPublicKeyPem = region.realmPublicKeyPem;
// What the environment's peered stacks read (stacks/region-mesh.ts MESH_OUTPUTS): the network for the peerings, the
// database's and the Kafka replication load balancers' security groups, the replication endpoint with its CA, and the
// peers' Kafka mirror passwords (secret).
export const vpcCidr = region.vpcCidr;
export const privateSubnetCidrs = region.privateSubnetCidrs;
export const privateRouteTableIds = region.privateRouteTableIds;
export const databaseSecurityGroupId = region.databaseSecurityGroupId;
export const kafkaReplicationSecurityGroupId = region.kafkaReplicationSecurityGroupId;
export const kafkaReplicationBootstrap = region.kafkaReplicationBootstrap;
export const kafkaClusterCaCertPem = region.kafkaClusterCaCertPem;
export const kafkaMirrorPasswords = region.kafkaMirrorPasswords;
// The VPC peerings this stack owns (by peer stack), and in a secondary the stack its Kafka mirror reads from.
export const peeringConnections = region.peeringConnections;
export const kafkaMirrorsFrom = region.kafkaMirrorsFrom;
