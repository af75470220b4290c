/**
 * Kubernetes workload shapes: where the pod spec lives for each kind, and its containers.
 * Kinds: Pod (spec), Deployment/StatefulSet/DaemonSet/ReplicaSet/ReplicationController/Job (spec.template.spec),
 * PodTemplate (template.spec), CronJob (spec.jobTemplate.spec.template.spec — the nested shape policies most often
 * miss), and the server-side-apply patches of each (DeploymentPatch, ...), which carry the same shape.
 */
import { asArray, asRecord, asString, isRecord } from "./values";

const WORKLOAD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

const WORKLOAD_TYPE = /^kubernetes:(core|apps|batch|extensions)\/v\w+:(\w+?)(Patch)?$/;

/** The kind of a built-in workload type token (kubernetes:apps/v1:Deployment[Patch] -> Deployment), else undefined. */
export function workloadKind(type: string): WorkloadKind | undefined {
    const kind = WORKLOAD_TYPE.exec(type)?.[2];
    return (WORKLOAD_KINDS as readonly string[]).includes(kind ?? "") ? (kind as WorkloadKind) : undefined;
}

export const isWorkload = (type: string): boolean => workloadKind(type) !== undefined;

/**
 * A patch (kubernetes:apps/v1:DeploymentPatch) changes only the fields it names, so it is judged on what it sets
 * explicitly (privileged: true, runAsUser: 0, ...), never on what it leaves out.
 */
export const isPatch = (type: string): boolean => isWorkload(type) && WORKLOAD_TYPE.exec(type)?.[3] !== undefined;

/** Long-running kinds, which need probes (Jobs and CronJobs run to completion). */
export const LONG_RUNNING: readonly WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"];

/** The object holding the pod's `metadata` and `spec`: the Pod itself, or the workload's pod template. */
function podTemplate(kind: WorkloadKind, props: Record<string, unknown>): Record<string, unknown> | undefined {
    const spec = asRecord(props["spec"]);
    if (kind === "Pod") return props;
    if (kind === "PodTemplate") return asRecord(props["template"]);
    if (kind === "CronJob") return asRecord(asRecord(asRecord(spec?.["jobTemplate"])?.["spec"])?.["template"]);
    return asRecord(spec?.["template"]);
}

export function podSpec(kind: WorkloadKind, props: Record<string, unknown>): Record<string, unknown> | undefined {
    return asRecord(podTemplate(kind, props)?.["spec"]);
}

/** The pod's annotations (AppArmor profiles were annotations before Kubernetes 1.30). */
export function podAnnotations(kind: WorkloadKind, props: Record<string, unknown>): Record<string, unknown> {
    return asRecord(asRecord(podTemplate(kind, props)?.["metadata"])?.["annotations"]) ?? {};
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
