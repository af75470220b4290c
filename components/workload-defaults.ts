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
