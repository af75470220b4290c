/**
 * Where pods run, in one place: the node pools' labels and taints and the matching tolerations, so a chart's values
 * and the Karpenter NodePools cannot drift apart.
 */
export interface Toleration { key: string; operator: "Equal" | "Exists"; value?: string; effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule" }

/** System node group: controllers only. */
export const SYSTEM_NODE_LABEL = { "node-role.ecommerce.io/system": "true" } as const;
export const SYSTEM_TOLERATIONS: Toleration[] = [{ key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" }];

/** On-demand pool reserved for stateful data services (Kafka, Elasticsearch, Redis): spot reclaims would cost data rebuilds. */
export const STATEFUL_TAINT = { key: "workload-class.ecommerce.io/stateful", value: "true", effect: "NoSchedule" } as const;
export const STATEFUL_NODE_LABEL = { "workload-class.ecommerce.io": "stateful" } as const;
export const STATEFUL_TOLERATIONS: Toleration[] = [{ key: STATEFUL_TAINT.key, operator: "Equal", value: STATEFUL_TAINT.value, effect: STATEFUL_TAINT.effect }];

export const ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone";

/** Spread replicas over zones: required in prod (a zone outage keeps capacity), best-effort elsewhere. */
export function zoneSpread(matchLabels: Record<string, string>, strict: boolean) {
    return [{
        maxSkew: 1,
        topologyKey: ZONE_TOPOLOGY_KEY,
        whenUnsatisfiable: strict ? "DoNotSchedule" : "ScheduleAnyway",
        labelSelector: { matchLabels },
    }];
}

/** CPU architectures the node pools launch and images are built for (the values of the kubernetes.io/arch label). */
export type Architecture = "arm64" | "amd64";
export const ALL_ARCHITECTURES: readonly Architecture[] = ["arm64", "amd64"];
export const ARCH_LABEL = "kubernetes.io/arch";

/**
 * The affinity that keeps a pod on nodes its image can run on: none when the image covers every architecture the
 * pools may launch, otherwise a required node affinity on kubernetes.io/arch (Karpenter honours it when it picks an
 * instance type). Without it a pod landing on the other architecture fails with "exec format error".
 */
export function architectureAffinity(imageArchitectures: readonly Architecture[], nodeArchitectures: readonly Architecture[]) {
    const runnable = nodeArchitectures.filter((arch) => imageArchitectures.includes(arch));
    if (runnable.length === 0) {
        throw new Error(`the image runs on ${imageArchitectures.join(", ")} but the node pools launch only ${nodeArchitectures.join(", ")}: no pod could start`);
    }
    if (runnable.length === nodeArchitectures.length) return undefined;
    return {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: ARCH_LABEL, operator: "In", values: [...runnable] }] }],
            },
        },
    };
}
