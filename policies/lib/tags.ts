/**
 * The tags a resource will carry, wherever the program put them.
 *
 * Tags reach AWS from three places: the resource's `tags`, the provider's `defaultTags` (seen by the real analyzer
 * as `args.provider.props`, and by the runner through the export's provider resource), and `tagsAll`, the
 * provider-computed merge of both that a stack export stores in outputs. A rule must accept any of them, or a
 * program using defaultTags would be flagged for tags it does have.
 */
import type { PolicyProviderResource } from "@pulumi/policy";
import { asRecord, asString, isRecord, parseJsonDocument, Props } from "./values";
import { ProductionConfig } from "./policy";

function stringMap(value: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    const rec = asRecord(value);
    if (!rec) return out;
    for (const [k, v] of Object.entries(rec)) {
        const s = asString(v);
        if (s !== undefined) out[k] = s;
    }
    return out;
}

/** Provider `defaultTags` is `{tags: {...}}`; provider inputs in state may hold it as a JSON string. */
export function providerDefaultTags(provider: PolicyProviderResource | undefined): Record<string, string> {
    if (!provider || !isRecord(provider.props)) return {};
    const defaultTags = parseJsonDocument(provider.props["defaultTags"]);
    return stringMap(asRecord(defaultTags)?.["tags"]);
}

export function effectiveTags(props: Props, provider?: PolicyProviderResource): Record<string, string> {
    return { ...providerDefaultTags(provider), ...stringMap(props["tagsAll"]), ...stringMap(props["tags"]) };
}

/**
 * Whether a resource belongs to a production environment, from its environment tag. Resources without the tag are
 * production only if the rule's config says so (the tagging rule reports the missing tag separately).
 */
export function isProduction(props: Props, provider: PolicyProviderResource | undefined, config: ProductionConfig): boolean {
    const env = effectiveTags(props, provider)[config.environmentTagKey];
    if (env === undefined) return config.assumeProductionWhenUntagged;
    return config.productionEnvironments.map((e) => e.toLowerCase()).includes(env.toLowerCase());
}
