/**
 * Kubernetes workload shapes: where the pod spec lives for each kind, and its containers.
 * Kinds: Pod (spec), Deployment/StatefulSet/DaemonSet/ReplicaSet/Job (spec.template.spec),
 * CronJob (spec.jobTemplate.spec.template.spec — the nested shape policies most often miss).
 */
import { asArray, asRecord, asString, isRecord } from "./values";

const WORKLOAD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** The kind of a built-in workload type token (kubernetes:apps/v1:Deployment -> Deployment), else undefined. */
export function workloadKind(type: string): WorkloadKind | undefined {
    const m = /^kubernetes:(core|apps|batch|extensions)\/v[\w]+:(\w+)$/.exec(type);
    const kind = m?.[2];
    return (WORKLOAD_KINDS as readonly string[]).includes(kind ?? "") ? (kind as WorkloadKind) : undefined;
}

export const isWorkload = (type: string): boolean => workloadKind(type) !== undefined;

/** Long-running kinds, which need probes (Jobs and CronJobs run to completion). */
export const LONG_RUNNING: readonly WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

export function podSpec(kind: WorkloadKind, props: Record<string, unknown>): Record<string, unknown> | undefined {
    const spec = asRecord(props["spec"]);
    if (kind === "Pod") return spec;
    if (kind === "CronJob") return asRecord(asRecord(asRecord(asRecord(spec?.["jobTemplate"])?.["spec"])?.["template"])?.["spec"]);
    return asRecord(asRecord(spec?.["template"])?.["spec"]);
}

export interface Container {
    name: string;
    /** containers, initContainers or ephemeralContainers */
    group: string;
    spec: Record<string, unknown>;
}

export function containersOf(pod: Record<string, unknown> | undefined, groups: readonly string[] = ["containers", "initContainers", "ephemeralContainers"]): Container[] {
    if (!pod) return [];
    return groups.flatMap((group) =>
        asArray(pod[group])
            .filter(isRecord)
            .map((spec) => ({ name: asString(spec["name"]) ?? "?", group, spec })),
    );
}

export function securityContext(x: Record<string, unknown> | undefined): Record<string, unknown> {
    return asRecord(x?.["securityContext"]) ?? {};
}

/** The tag of an image reference, "" when untagged, undefined when pinned by digest. */
export function imageTag(image: string): string | undefined {
    if (image.includes("@sha256:") || image.includes("@sha512:")) return undefined;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const i = lastSegment.lastIndexOf(":");
    return i >= 0 ? lastSegment.slice(i + 1) : "";
}
