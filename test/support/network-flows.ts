import { ChartCreated, PlanIndex, SERVICE_ADDRESS, Selector, isEmptySelector, selects } from "./kubernetes-wiring";

/**
 * NetworkPolicy semantics over a whole plan, and the flows the plan needs.
 *
 * Evaluation follows the Kubernetes API (networking.k8s.io/v1): a pod selected by a policy whose policyTypes include
 * a direction is isolated in that direction, and then only the union of those policies' rules admits traffic; a
 * connection needs both the egress side (at its source pod) and the ingress side (at its destination pod). ipBlock
 * peers match addresses, pods' addresses included (the VPC CNI agent matches IPs, and pods take VPC addresses), so a
 * rule for "the VPC on 5432" is also a rule for any pod listening on 5432.
 */

type Json = Record<string, unknown>;
const isMap = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);
const asMap = (value: unknown): Json => (isMap(value) ? value : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export interface Pod {
    namespace: string;
    labels: Record<string, string>;
    /** Named container ports (what a named NetworkPolicy port resolves to). */
    portNames: Record<string, number>;
    /** For messages: the workload or run-time creator. */
    label: string;
    /** The allowlist rule that models it (run-time pods), or the plan object's URN. */
    source: string;
    /** Run-time pods: the release (or custom resource) that makes them. */
    owner?: string;
}

/** Addresses outside the pod network, with what they stand for. */
export interface Address {
    ip: string;
    label: string;
}

export type Endpoint = { pod: Pod } | { address: Address };

export interface Flow {
    from: Endpoint;
    to: Endpoint;
    port: number;
    protocol?: "TCP" | "UDP";
    /** Why the platform needs it (or why it must stay closed). */
    why: string;
}

export interface PolicyObject {
    namespace: string;
    name: string;
    spec: Json;
    /** Declared by the plan (rules must be needed), or generated at run time by an operator. */
    declared: boolean;
}

/** One rule of one policy, by direction and index: what a flow used. */
export type RuleRef = `${string}/${string} ${"ingress" | "egress"}[${number}]`;

export interface Verdict {
    allowed: boolean;
    /** Which side refused, for messages. */
    reason: string;
    /** The rules that admitted it (both sides). */
    rules: RuleRef[];
}

function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipToInt(base) / size) * size;
    const value = ipToInt(ip);
    return value >= start && value < start + size;
}

/** An address inside a CIDR at an offset from its base (to stand for "a pod", "RDS", "a node" in the VPC). */
export function addressIn(cidr: string, offset: number): string {
    const [base] = cidr.split("/");
    const value = ipToInt(base) + offset;
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export const describe = (endpoint: Endpoint): string => ("pod" in endpoint ? `${endpoint.pod.namespace}/${endpoint.pod.label}` : endpoint.address.label);

export class NetworkModel {
    readonly pods: Pod[];
    readonly policies: PolicyObject[];
    private readonly namespaceLabels = new Map<string, Record<string, string>>();

    /**
     * @param podIp the address every pod stands for when an ipBlock is matched (one in the VPC's pod subnets)
     */
    constructor(readonly index: PlanIndex, runTimePolicies: PolicyObject[], readonly podIp: string) {
        for (const ns of index.kind("Namespace")) {
            const labels = asMap(asMap(ns.inputs.metadata).labels) as Record<string, string>;
            // The API server labels every namespace with its name.
            this.namespaceLabels.set(String(ns.name), { ...labels, "kubernetes.io/metadata.name": String(ns.name) });
        }
        const planPods: Pod[] = index.allPodTemplates().map((template) => ({
            namespace: template.owner.namespace!,
            labels: template.labels,
            portNames: Object.fromEntries(asList(template.spec.containers).flatMap((c) => asList(asMap(c).ports)).map(asMap)
                .filter((p) => typeof p.name === "string").map((p) => [String(p.name), Number(p.containerPort)])),
            label: `${template.owner.kind} ${template.owner.name ?? template.owner.resource.urn.split("::").pop()}`,
            source: template.owner.resource.urn,
        }));
        const runTime: Pod[] = index.allowlist.filter((a) => a.kind === "Pod").map((a: ChartCreated) => ({
            namespace: a.namespace, labels: a.labels ?? {}, portNames: a.portNames ?? {}, label: a.name, source: a.rule ?? a.name, owner: a.owner,
        }));
        this.pods = [...planPods, ...runTime];
        const declared: PolicyObject[] = index.kind("NetworkPolicy").map((p) => ({ namespace: p.namespace!, name: String(p.name), spec: asMap(p.inputs.spec), declared: true }));
        this.policies = [...declared, ...runTimePolicies];
    }

    /** The one pod of `namespace` whose labels include `labels` (fails loudly: a flow must name a real pod). */
    pod(namespace: string, labels: Record<string, string>): Pod {
        const found = this.podsMatching(namespace, { matchLabels: labels });
        if (found.length === 0) throw new Error(`no pod in ${namespace} with labels ${JSON.stringify(labels)}`);
        return found[0];
    }

    podsMatching(namespace: string, selector: Selector): Pod[] {
        return this.pods.filter((p) => p.namespace === namespace && selects(selector, p.labels));
    }

    labelsOfNamespace(name: string): Record<string, string> {
        return this.namespaceLabels.get(name) ?? { "kubernetes.io/metadata.name": name };
    }

    /** Whether `flow` passes the egress policies of its source and the ingress policies of its destination. */
    verdict(flow: Flow): Verdict {
        const rules: RuleRef[] = [];
        const sides: ["egress" | "ingress", Endpoint, Endpoint][] = [["egress", flow.from, flow.to], ["ingress", flow.to, flow.from]];
        for (const [direction, self, peer] of sides) {
            if (!("pod" in self)) continue;
            const type = direction === "egress" ? "Egress" : "Ingress";
            const isolating = this.policies.filter((p) => p.namespace === self.pod.namespace && selects(asMap(p.spec.podSelector) as Selector, self.pod.labels)
                && effectiveTypes(p.spec).includes(type));
            if (isolating.length === 0) continue;
            const admitted: RuleRef[] = [];
            for (const policy of isolating) {
                asList(policy.spec[direction]).map(asMap).forEach((rule, i) => {
                    const peers = asList(rule[direction === "egress" ? "to" : "from"]).map(asMap);
                    const peerOk = peers.length === 0 || peers.some((p) => this.peerMatches(p, policy.namespace, peer));
                    // A named port is resolved at the destination pod.
                    const destination = direction === "egress" ? flow.to : self;
                    if (peerOk && portMatches(asList(rule.ports).map(asMap), flow, destination)) admitted.push(`${policy.namespace}/${policy.name} ${direction}[${i}]`);
                });
            }
            if (admitted.length === 0) {
                return { allowed: false, reason: `${direction} of ${describe(self)} is isolated by ${isolating.map((p) => p.name).join(", ")} and no rule admits ${describe(peer)}:${flow.port}`, rules };
            }
            rules.push(...admitted);
        }
        return { allowed: true, reason: "", rules };
    }

    private peerMatches(peer: Json, policyNamespace: string, other: Endpoint): boolean {
        const block = asMap(peer.ipBlock);
        if (typeof block.cidr === "string") {
            const ip = "pod" in other ? this.podIp : other.address.ip;
            return inCidr(ip, block.cidr) && !asList(block.except).some((e) => inCidr(ip, String(e)));
        }
        if (!("pod" in other)) return false;
        const namespaceSelector = peer.namespaceSelector === undefined ? undefined : (asMap(peer.namespaceSelector) as Selector);
        const podSelector = peer.podSelector === undefined ? undefined : (asMap(peer.podSelector) as Selector);
        const namespaceOk = namespaceSelector === undefined
            ? other.pod.namespace === policyNamespace
            : isEmptySelector(namespaceSelector) || selects(namespaceSelector, this.labelsOfNamespace(other.pod.namespace));
        return namespaceOk && (podSelector === undefined || selects(podSelector, other.pod.labels));
    }
}

/** Without policyTypes: Ingress always, Egress when the policy has egress rules (API default). */
function effectiveTypes(spec: Json): string[] {
    const types = asList(spec.policyTypes).map(String);
    return types.length > 0 ? types : ["Ingress", ...(asList(spec.egress).length > 0 ? ["Egress"] : [])];
}

function portMatches(ports: Json[], flow: Flow, destination: Endpoint): boolean {
    if (ports.length === 0) return true;
    const protocol = flow.protocol ?? "TCP";
    return ports.some((p) => {
        if ((typeof p.protocol === "string" ? p.protocol : "TCP") !== protocol) return false;
        if (p.port === undefined) return true;
        if (typeof p.port === "string") return "pod" in destination && destination.pod.portNames[p.port] === flow.port;
        const end = typeof p.endPort === "number" ? p.endPort : Number(p.port);
        return flow.port >= Number(p.port) && flow.port <= end;
    });
}

/** `<service>.<namespace>.svc[:port]` addresses in any string below `value`, with the port (undefined when none). */
export function serviceAddresses(value: unknown): { name: string; namespace: string; port: number | undefined }[] {
    const found: { name: string; namespace: string; port: number | undefined }[] = [];
    const visit = (v: unknown): void => {
        if (typeof v === "string") {
            for (const [, scheme, name, namespace, port] of v.matchAll(SERVICE_ADDRESS)) {
                found.push({ name, namespace, port: port ? Number(port) : scheme === "https" ? 443 : scheme === "http" ? 80 : undefined });
            }
        } else if (Array.isArray(v)) {
            v.forEach(visit);
        } else if (isMap(v)) {
            Object.values(v).forEach(visit);
        }
    };
    visit(value);
    return found;
}

/** Whether any string below `value` contains `needle`. */
export function mentions(value: unknown, needle: string): boolean {
    if (typeof value === "string") return value.includes(needle);
    if (Array.isArray(value)) return value.some((v) => mentions(v, needle));
    if (isMap(value)) return Object.values(value).some((v) => mentions(v, needle));
    return false;
}
