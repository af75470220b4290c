/**
 * Links between a resource and its companion (a bucket and its public access block, a VPC and its flow log).
 *
 * In a stack export or a preview the companion names its target by id (`bucket: bucket.id`), and that id may be
 * unknown during a preview or a mock placeholder offline. The dependency edge is always there, so it is tried first;
 * the id/name comparison is the fallback for state written without dependencies.
 */
import type { PolicyResource } from "@pulumi/policy";
import { descendsFrom } from "./policy";
import { asArray, asString, readForMatching } from "./values";

function dependsOn(companion: PolicyResource, target: PolicyResource): boolean {
    const direct = companion.dependencies.some((d) => d.urn === target.urn || descendsFrom(d, target.urn));
    if (direct) return true;
    return Object.values(companion.propertyDependencies).some((deps) => deps.some((d) => d.urn === target.urn || descendsFrom(d, target.urn)));
}

/**
 * True when `companion` refers to `target`: by a dependency edge, or because `companion.props[companionKey]`
 * equals one of the target's identifying properties (`targetKeys`).
 */
export function refersTo(companion: PolicyResource, target: PolicyResource, companionKey: string, targetKeys: readonly string[]): boolean {
    if (companion.parent?.urn === target.urn || dependsOn(companion, target)) return true;
    const ref = readForMatching(() => asString(companion.props[companionKey]));
    if (!ref) return false;
    return targetKeys.some((k) => readForMatching(() => asString(target.props[k])) === ref);
}

/** True when `ref` (an id another resource holds) names `target`: its `id` output, or the last segment of its ARN. */
export function namesResource(target: PolicyResource, ref: string): boolean {
    const id = readForMatching(() => asString(target.props["id"]));
    if (id !== undefined && id === ref) return true;
    const arn = readForMatching(() => asString(target.props["arn"]));
    return arn !== undefined && arn.endsWith(`/${ref}`);
}

/**
 * The `candidates` that `from.props[key]` (a list of ids, e.g. a node group's subnetIds) names: by a property
 * dependency edge of that key (ids are unknown in a first preview, edges are not), or by id. Unknown ids match
 * nothing rather than aborting the stack policy.
 */
export function referencedBy(from: PolicyResource, key: string, candidates: readonly PolicyResource[]): PolicyResource[] {
    const edges = from.propertyDependencies[key] ?? [];
    const ids = readForMatching(() => asArray(from.props[key]).map((v) => readForMatching(() => asString(v)))) ?? [];
    return candidates.filter((c) => edges.some((d) => d.urn === c.urn) || ids.some((id) => id !== undefined && namesResource(c, id)));
}
