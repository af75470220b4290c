import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { privateSubnetCidrs } from "./network-layout";

/**
 * The building blocks of the platform's NetworkPolicies, in one place: a namespace-wide default deny (ingress and
 * egress), DNS to kube-dns, and typed peers for the flows each namespace needs on top. Rules only ever allow
 * (NetworkPolicies are a union of allows): whatever no rule names stays denied by the default deny.
 *
 * Enforced by the VPC CNI's network policy agent (vpc-cni add-on, enableNetworkPolicy). Two facts of that agent
 * shape the helpers: traffic from the pod's own node (kubelet probes) is always allowed, and ipBlock peers are
 * matched against real addresses, so a pod reaching the API server needs an ipBlock for it (see apiServerPeers).
 */

type Labels = Record<string, string>;
export type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface PortSpec {
    port: number | string;
    protocol?: "TCP" | "UDP";
}

/** One allowed direction: these peers on these ports (an empty list: every port). */
export interface FlowRule {
    peers: Peer[];
    ports: PortSpec[];
}

/** One allow policy: the pods it applies to in its namespace, and what they may receive and send. */
export interface AllowPolicy {
    /** Policy name (unique in the namespace). */
    name: string;
    /** Labels of the pods it applies to; {} selects every pod of the namespace. */
    pods: Labels | { matchExpressions: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[] };
    ingress?: FlowRule[];
    egress?: FlowRule[];
}

/** The label every namespace carries (set by the API server), so a namespace is selected by its name. */
const NAMESPACE_NAME = "kubernetes.io/metadata.name";

/** Pods with these labels in the same namespace. */
export function podsHere(labels: Labels): Peer {
    return { podSelector: { matchLabels: labels } };
}

/** Pods with these labels (every pod when omitted) in the named namespace. */
export function podsIn(namespace: string, labels?: Labels): Peer {
    return {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: namespace } },
        ...(labels ? { podSelector: { matchLabels: labels } } : {}),
    };
}

export function cidr(block: string, except?: string[]): Peer {
    return { ipBlock: { cidr: block, ...(except && except.length > 0 ? { except } : {}) } };
}

/**
 * Addresses that are never "the internet": private ranges (the VPC, pods, services, peered networks), link-local
 * (the instance metadata service, which pods must not reach: node credentials) and carrier-grade NAT.
 */
export const NON_PUBLIC_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];

/**
 * Public addresses only. AWS APIs (STS for IRSA, Secrets Manager, S3 through the gateway endpoint, EC2...) have no
 * interface endpoints in this VPC and answer on public addresses through the NAT gateways; excepting the private
 * ranges keeps an "AWS APIs on 443" rule from also opening 443 to anything inside the cluster or the VPC.
 */
export function internet(): Peer {
    return cidr("0.0.0.0/0", NON_PUBLIC_RANGES);
}

/** What the platform's policies need to know about the cluster's network. */
export interface ClusterNetwork {
    /** The VPC's CIDR: RDS, the API server's private endpoint ENIs, load balancers and nodes live in it. */
    vpcCidr: string;
    /**
     * The private subnets' CIDRs (components/network-layout.ts): the database subnet group spans them, so RDS (its
     * primary and, after a Multi-AZ failover, its standby) is always at an address in one of them, never in a public one.
     */
    privateSubnetCidrs: string[];
    /** The ClusterIP of the `kubernetes` Service (what in-cluster clients dial). */
    kubernetesServiceIp: string;
}

/**
 * EKS's default Service range when none is configured: 172.20.0.0/16, or 10.100.0.0/16 when the VPC lies in
 * 172.16.0.0/12 (EKS user guide, "Create a cluster": kubernetesNetworkConfig.serviceIpv4Cidr). The API server is
 * the first address of that range.
 */
export function defaultKubernetesServiceIp(vpcCidr: string): string {
    const [a, b] = vpcCidr.split("/")[0].split(".").map(Number);
    return a === 172 && b >= 16 && b <= 31 ? "10.100.0.1" : "172.20.0.1";
}

export function clusterNetwork(vpcCidr: string, availabilityZoneCount: number): ClusterNetwork {
    return { vpcCidr, privateSubnetCidrs: privateSubnetCidrs(vpcCidr, availabilityZoneCount), kubernetesServiceIp: defaultKubernetesServiceIp(vpcCidr) };
}

/**
 * The Kubernetes API server, as the VPC CNI agent sees it: the `kubernetes` Service's ClusterIP (matched before
 * kube-proxy rewrites it) and the endpoint addresses behind it, the EKS-owned ENIs of the private endpoint in the
 * cluster's subnets (inside the VPC CIDR). Both on 443 only.
 */
export function apiServer(network: ClusterNetwork): FlowRule {
    return { peers: [cidr(`${network.kubernetesServiceIp}/32`), cidr(network.vpcCidr)], ports: [{ port: 443 }] };
}

/**
 * The control plane calling a pod: admission webhooks and APIService backends. EKS reaches pods from its ENIs in
 * the cluster's subnets, so the source is the VPC CIDR.
 */
export function fromControlPlane(network: ClusterNetwork, ports: PortSpec[]): FlowRule {
    return { peers: [cidr(network.vpcCidr)], ports };
}

/** kube-dns (CoreDNS) in kube-system, on 53 over UDP and TCP (large answers fall back to TCP). */
export function dns(): FlowRule {
    return {
        peers: [podsIn("kube-system", { "k8s-app": "kube-dns" })],
        ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
    };
}

const toPorts = (ports: PortSpec[]) => ports.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" }));

function spec(policy: AllowPolicy): k8s.types.input.networking.v1.NetworkPolicySpec {
    const pods = "matchExpressions" in policy.pods ? { matchExpressions: policy.pods.matchExpressions as { key: string; operator: string; values?: string[] }[] } : { matchLabels: policy.pods };
    const types = [...(policy.ingress ? ["Ingress"] : []), ...(policy.egress ? ["Egress"] : [])];
    return {
        podSelector: pods,
        policyTypes: types,
        ...(policy.ingress ? { ingress: policy.ingress.map((rule) => ({ from: rule.peers, ports: toPorts(rule.ports) })) } : {}),
        ...(policy.egress ? { egress: policy.egress.map((rule) => ({ to: rule.peers, ports: toPorts(rule.ports) })) } : {}),
    };
}

export const DEFAULT_DENY = "default-deny";
export const ALLOW_DNS = "allow-dns";

/**
 * A namespace's NetworkPolicies: the default deny (every pod, both directions, no rule), DNS for every pod, then
 * the given allows. Each depends on the namespace, so `pulumi up` creates it right after the namespace, before the
 * workloads in it are ready.
 */
export function namespaceNetworkPolicies(
    name: string,
    namespace: { name: string; resource: pulumi.Resource },
    allows: AllowPolicy[],
    opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy[] {
    const labels = { "app.kubernetes.io/part-of": "ecommerce-platform", "app.kubernetes.io/managed-by": "pulumi" };
    const inNamespace = { ...opts, dependsOn: [namespace.resource] };
    const policy = (id: string, body: k8s.types.input.networking.v1.NetworkPolicySpec) => new k8s.networking.v1.NetworkPolicy(`${name}-${id}`, {
        metadata: { name: id, namespace: namespace.name, labels },
        spec: body,
    }, inNamespace);
    const names = new Set<string>();
    for (const allow of allows) {
        if (allow.name === DEFAULT_DENY || allow.name === ALLOW_DNS || names.has(allow.name)) throw new Error(`NetworkPolicy ${namespace.name}/${allow.name} is declared twice`);
        names.add(allow.name);
    }
    return [
        policy(DEFAULT_DENY, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
        policy(ALLOW_DNS, spec({ name: ALLOW_DNS, pods: {}, egress: [dns()] })),
        ...allows.map((allow) => policy(allow.name, spec(allow))),
    ];
}
