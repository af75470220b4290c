import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * Workload defaults every pod the platform declares (directly or through chart values) starts from: the restricted
 * Pod Security Standard's security contexts, explicit requests and limits, and a PDB rule. Charts spell these keys
 * differently, so components map them; the values come from here.
 */
export interface ResourceSpec {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/**
 * Requests and limits. Memory is capped at the request unless told otherwise (no overcommit of the one resource a
 * node cannot reclaim); CPU may burst to twice its request by default.
 */
export function resources(cpu: string, memory: string, limits: { cpu?: string; memory?: string } = {}): ResourceSpec {
    return { requests: { cpu, memory }, limits: { cpu: limits.cpu ?? doubledCpu(cpu), memory: limits.memory ?? memory } };
}

function doubledCpu(cpu: string): string {
    const millis = cpu.endsWith("m") ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000;
    if (!Number.isFinite(millis)) throw new Error(`not a CPU quantity: ${cpu}`);
    const doubled = millis * 2;
    return doubled % 1000 === 0 ? String(doubled / 1000) : `${doubled}m`;
}

/** Pod-level context of the restricted profile for an image that runs as `uid`. */
export function restrictedPodSecurityContext(uid = 1000, fsGroup: number | undefined = uid) {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        ...(fsGroup !== undefined ? { fsGroup } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level context of the restricted profile: no privilege escalation, no capabilities, non-root. */
export function restrictedContainerSecurityContext(options: { readOnlyRootFilesystem?: boolean; uid?: number } = {}) {
    return {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
        runAsNonRoot: true,
        ...(options.uid !== undefined ? { runAsUser: options.uid, runAsGroup: options.uid } : {}),
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** A PodDisruptionBudget only makes sense with more than one replica: with one it would block every node drain. */
export function needsDisruptionBudget(replicas: number): boolean {
    return replicas > 1;
}

/**
 * SHA-256 (hex) of a generated secret, for pod-template annotations that roll or re-run pods when it rotates. The hash
 * of a long random value reveals nothing, so it is not kept secret (a secret annotation would hide the whole object).
 * Computed inside an apply: the plaintext never leaves the Output.
 */
export function secretChecksum(secret: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.output(secret).apply((value) => createHash("sha256").update(value).digest("hex")));
}

/**
 * SHA-256 (hex) of a JSON-serialisable value whose parts may be Outputs (a pod template, say), over its canonical JSON
 * (keys sorted at every level), so the same object declared in another order hashes the same.
 */
export function valueChecksum<T>(value: pulumi.Input<T>): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.output(value).apply((resolved: pulumi.Unwrap<T>) => createHash("sha256").update(canonicalJson(resolved)).digest("hex")));
}

/** JSON with object keys sorted at every level (undefined members dropped, as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_key, inner: unknown) => (inner && typeof inner === "object" && !Array.isArray(inner)
        ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : inner));
}
