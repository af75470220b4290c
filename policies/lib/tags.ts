/**
 * The tags a resource will carry, wherever the program put them.
 *
 * Tags reach AWS from three places: the resource's `tags`, the provider's `defaultTags` (seen by the real analyzer
 * as `args.provider.props`, and by the runner through the export's provider resource), and `tagsAll`, the
 * provider-computed merge of both that a stack export stores in outputs. A rule must accept any of them, or a
 * program using defaultTags would be flagged for tags it does have.
 */
import type { PolicyProviderResource } from "@pulumi/policy";
import { asArray, asRecord, asString, isRecord, isUnknownValueError, parseJsonDocument, Props } from "./values";
import { ProductionConfig } from "./policy";

/** Known tag values, and the keys whose value is unknown during a preview (an output of another resource). */
export interface TagSet {
    tags: Record<string, string>;
    unknown: Map<string, unknown>;
}

/** Merges a tag map into `into`, key by key, so one unknown value does not hide the others. */
function mergeTags(value: unknown, into: TagSet): void {
    const rec = asRecord(value);
    if (!rec) return;
    for (const k of Object.keys(rec)) {
        try {
            const s = asString(rec[k]);
            if (s === undefined) continue;
            into.tags[k] = s;
            into.unknown.delete(k);
        } catch (e) {
            if (!isUnknownValueError(e)) throw e;
            into.unknown.set(k, e);
            delete into.tags[k];
        }
    }
}

/** Provider `defaultTags` is `{tags: {...}}` (or a one-element list); provider inputs in state may hold it as a JSON string. */
function mergeProviderDefaultTags(provider: PolicyProviderResource | undefined, into: TagSet): void {
    if (!provider || !isRecord(provider.props)) return;
    const defaultTags = asRecord(asArray(parseJsonDocument(provider.props["defaultTags"]))[0]);
    mergeTags(defaultTags?.["tags"], into);
}

/** The tags a resource will carry: provider defaultTags, then tagsAll, then its own tags (later ones win). */
export function readTags(props: Props, provider?: PolicyProviderResource): TagSet {
    const set: TagSet = { tags: {}, unknown: new Map() };
    mergeProviderDefaultTags(provider, set);
    mergeTags(props["tagsAll"], set);
    mergeTags(props["tags"], set);
    return set;
}

/** The effective tags; throws when any of them is unknown. */
export function effectiveTags(props: Props, provider?: PolicyProviderResource): Record<string, string> {
    const { tags, unknown } = readTags(props, provider);
    const first = unknown.values().next();
    if (!first.done) throw first.value;
    return tags;
}

/**
 * Whether a resource belongs to a production environment, from its environment tag. Resources without the tag are
 * production only if the rule's config says so (the tagging rule reports the missing tag separately).
 */
export function isProduction(props: Props, provider: PolicyProviderResource | undefined, config: ProductionConfig): boolean {
    const { tags, unknown } = readTags(props, provider);
    if (unknown.has(config.environmentTagKey)) throw unknown.get(config.environmentTagKey);
    const env = tags[config.environmentTagKey];
    if (env === undefined) return config.assumeProductionWhenUntagged;
    return config.productionEnvironments.map((e) => e.toLowerCase()).includes(env.toLowerCase());
}
