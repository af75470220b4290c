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
