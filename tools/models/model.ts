/**
 * Shared shapes of the component models: what a multi-language component (awsx:ec2:Vpc, eks:index:Cluster) creates
 * inside its provider's `Construct`, which a real engine sees and the mock monitor never does. A model is a pure
 * function of the component's name, the inputs the program registered and the region; it returns the child
 * resources, what the program receives back (the construct response) and what the component registers as its own
 * outputs (what a stack export and the analyzer hold).
 */

/** Pulumi's wire marker of an unknown value (a preview placeholder); the SDK serialises unknowns as this string. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

/**
 * True for a value not known before deploy: the wire marker, or the SDK's own Unknown object (what deserialising the
 * marker gives during a preview).
 */
export function isUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    return typeof value === "object" && value !== null && (value as { constructor?: { name?: string } }).constructor?.name === "Unknown";
}

/** Applies `fn` to a known value; an unknown one stays unknown, so a preview yields unknown properties, not a crash. */
export function known<T, U>(value: T, fn: (known: T) => U): U | typeof UNKNOWN {
    return isUnknown(value) ? UNKNOWN : fn(value);
}

/** Tags merged as `{...a, ...b}` upstream; an unknown map makes the merge unknown instead of spreading a string. */
export function mergeTags(...maps: unknown[]): Record<string, unknown> | typeof UNKNOWN {
    if (maps.some(isUnknown)) return UNKNOWN;
    return Object.assign({}, ...maps.filter((m) => m && typeof m === "object"));
}

/** One resource the component creates. `key` is `type::name`; a parent key names another child of the same model. */
export interface ModelChild {
    key: string;
    type: string;
    name: string;
    custom: boolean;
    /** undefined: parented directly under the component. */
    parent?: string;
    /** The properties the component passes to the resource's constructor (the resource's inputs). */
    inputs: Props;
    /** Outputs the cloud assigns beyond the inputs (ids, ARNs, endpoints), already placeholders. */
    computed: Props;
    /** Keys of sibling children this one depends on (explicit dependsOn or an input taken from them). */
    dependsOn: string[];
}

/** A reference to a child resource inside registered outputs: the export writes it as the child's URN. */
export interface ChildRef { childRef: string }

export interface ComponentExpansion {
    children: ModelChild[];
    /** The construct response's state: what the program's Output properties resolve to. */
    programOutputs: Props;
    /** What the component passes to registerOutputs inside its provider; ChildRefs become URNs in the export. */
    registeredOutputs: Props;
}

export interface ModelContext {
    /** The component's resource name (the URN name the program gave it). */
    name: string;
    /** The inputs the program registered, as the mock received them (unknowns possible in a preview). */
    inputs: Props;
    region: string;
    /** Availability zones the region offers, in order (what aws.getAvailabilityZones answers). */
    zones: string[];
    /** The id the cloud gives a child resource; placeholder or unknown, never a real id. */
    id(type: string, name: string): string;
    /** Passes a cloud-assigned value through: itself after `up`, unknown in a preview. */
    cloud<T>(value: T): T | typeof UNKNOWN;
    /** The zone (name and zone id) of a subnet the cloud created; undefined for one it does not know. */
    zoneOfSubnet?(subnetId: string): { name: string; zoneId: string } | undefined;
}

export function ref(key: string): ChildRef {
    return { childRef: key };
}

export function isChildRef(value: unknown): value is ChildRef {
    return typeof value === "object" && value !== null && typeof (value as ChildRef).childRef === "string";
}

/** Builds children with the repetitive fields filled in: key from type and name, custom by default. */
export function child(type: string, name: string, inputs: Props, options: { parent?: string; computed?: Props; dependsOn?: string[]; custom?: boolean } = {}): ModelChild {
    return {
        key: `${type}::${name}`, type, name, custom: options.custom ?? true, parent: options.parent,
        inputs: dropUndefined(inputs), computed: options.computed ?? {}, dependsOn: options.dependsOn ?? [],
    };
}

/** Pulumi drops undefined inputs before they reach the engine; so does the model. */
export function dropUndefined(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
}
