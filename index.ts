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
export const vpcId = region.vpcId;
export const clusterName = region.clusterName;
export const kubeconfig = region.kubeconfig;
export const databaseAddress = region.databaseAddress;
export const databaseSecretArn = region.databaseSecretArn;
export const fileSystemId = region.fileSystemId;
export const apiImage = region.apiImage;
export const apiEndpoint = region.apiEndpoint;
export const authEndpoint = region.authEndpoint;
export const tokenIssuer = region.tokenIssuer;
// integration: the regions branch decides the edge's outputs; until then the owner exports what composeEdge returns.
export const edge = region.edge;
