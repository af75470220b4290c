import * as pulumi from "@pulumi/pulumi";
import { MockCloud, UNKNOWN, withAdditions, type Expansion } from "./mock-cloud";
import { isChildRef } from "./models/model";
import { SELF_MANAGED_ORGANIZATION, type ProjectStacks } from "./stack-references";

/** The @pulumi/aws plugin version, which names the engine's default aws provider (default_7_48_0). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AWS_VERSION: string = require("@pulumi/aws/package.json").version;

/** One resource as `pulumi stack export` writes it. */
export interface CapturedResource {
    urn: string;
    custom: boolean;
    id?: string;
    type: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    parent?: string;
    dependencies: string[];
    provider?: string;
    /** Written only when true, as the engine's state does (omitempty). */
    protect?: boolean;
    retainOnDelete?: boolean;
    /** The registration's deleteBeforeReplace, only when true (the engine's replacement order; no field of an export). */
    deleteBeforeReplace?: boolean;
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/**
 * Rewrites serialized property values into the shape a stack export holds: secrets stay secret (a ciphertext marker,
 * never the plaintext), resource references become their URN.
 */
export function toExportShape(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(toExportShape);
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SIG_KEY] === SECRET_SIG) return { [SIG_KEY]: SECRET_SIG, ciphertext: "offline-plan:secret" };
        if (record[SIG_KEY] === RESOURCE_SIG) return record.urn;
        return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, toExportShape(inner)]));
    }
    return value;
}

/**
 * Key names of every secret whose plaintext is a map (a Kubernetes Secret's `stringData`, say), by property path.
 * The export hides them with the values; offline checks still need to know which keys a Secret holds. Names only,
 * never values.
 */
export function secretMapKeys(value: unknown, path = ""): Record<string, string[]> {
    if (Array.isArray(value)) return Object.assign({}, ...value.map((inner, index) => secretMapKeys(inner, `${path}[${index}]`)));
    if (!value || typeof value !== "object") return {};
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) {
        const plain = record.value;
        return plain && typeof plain === "object" && !Array.isArray(plain) ? { [path]: Object.keys(plain).sort() } : {};
    }
    return Object.assign({}, ...Object.entries(record).map(([key, inner]) => secretMapKeys(inner, path ? `${path}.${key}` : key)));
}

interface StructLike { toJavaScript(): Record<string, unknown> }
interface RegisterRequest {
    getType(): string; getName(): string; getParent(): string; getCustom(): boolean; getObject(): StructLike | undefined;
    getDependenciesList(): string[]; getProvider(): string; getProvidersMap(): { get(key: string): string | undefined };
    getProtect(): boolean | undefined; getRetainondelete(): boolean | undefined; getDeletebeforereplace(): boolean;
}
interface RegisterResponse { getUrn(): string; getId(): string; getObject(): StructLike | undefined }
interface OutputsRequest { getUrn(): string; getOutputs(): StructLike | undefined }
type Callback<T> = (err: Error | null, response?: T) => void;
interface MonitorLike {
    registerResource(req: RegisterRequest, callback: Callback<RegisterResponse>): void;
    registerResourceOutputs(req: OutputsRequest, callback: Callback<unknown>): void;
    newUrn(parent: string, type: string, name: string): string;
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The engine leaves the root stack out of a URN's type chain (pulumi/pulumi pkg/resource/deploy/deployment.go
 * generateURN: "don't use the root stack type"), so a top-level resource is `urn:pulumi:<stack>::<project>::<type>::<name>`.
 * The SDK's mock monitor prefixes `pulumi:pulumi:Stack$`; aliases, URN lists and policy messages must see the real shape.
 */
function engineParent(parent: string): string {
    return parent && parent.split("::")[2]?.split("$").pop() === ROOT_STACK_TYPE ? "" : parent;
}

/**
 * Installs the mock cloud as Pulumi's resource monitor and records every registration with what the mock monitor
 * drops: parent, dependencies and provider. The result is the stack's resource list in export shape.
 */
export class Recorder {
    readonly resources: CapturedResource[] = [];
    /** By URN: the key names of the resource's secret maps (see secretMapKeys); not part of the export. */
    readonly secretKeys: Record<string, Record<string, string[]>> = {};
    readonly cloud: MockCloud;

    /** Registrations sent to the mock cloud and not yet answered, by "type name" (named when an evaluation hangs). */
    readonly pending = new Set<string>();

    private constructor(region: string, preview: boolean, private readonly names: { project: string; stack: string }, stacks?: ProjectStacks) {
        this.cloud = new MockCloud(region, preview, stacks);
    }

    /**
     * preview: run as a first `pulumi preview` (isDryRun() is true; cloud-computed values are unknown). stacks: the
     * project's other stacks, which StackReferences read. The organization is what a self-managed backend reports
     * (`pulumi.getOrganization()` throws under mocks when none is given).
     */
    static async install(project: string, stack: string, region: string, preview = false, stacks?: ProjectStacks, organization = SELF_MANAGED_ORGANIZATION): Promise<Recorder> {
        const recorder = new Recorder(region, preview, { project, stack }, stacks);
        await pulumi.runtime.setMocks(recorder.cloud, project, stack, preview, organization);
        const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
        const newUrn = monitor.newUrn.bind(monitor);
        monitor.newUrn = (parent, type, name) => newUrn(engineParent(parent), type, name);
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, callback) => {
            const label = `${req.getType()} ${req.getName()}`;
            recorder.pending.add(label);
            if (recorder.cloud.isModelled(req.getType())) recorder.cloud.expectComponent(req.getType(), req.getName(), recorder.awsProviderOf(req));
            register(req, (err, response) => {
                recorder.pending.delete(label);
                if (!err && response) recorder.record(req, response);
                callback(err, response);
            });
        };
        const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
        monitor.registerResourceOutputs = (req, callback) => {
            const resource = recorder.resources.find((r) => r.urn === req.getUrn());
            if (resource) resource.outputs = toExportShape(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
            registerOutputs(req, callback);
        };
        return recorder;
    }

    /**
     * The aws provider a multi-language component's children use. The Node SDK sends a remote component only the
     * providers given to it explicitly (opts.provider/providers), not those inherited from its parent; without one
     * the engine's default aws provider (stack config only, no default tags) creates the children.
     */
    awsProviderOf(req: RegisterRequest): string {
        const explicit = req.getProvidersMap().get("aws") || (req.getProvider().includes("::pulumi:providers:aws::") ? req.getProvider() : "");
        if (explicit) return explicit;
        const { stack, project } = this.names;
        const urn = `urn:pulumi:${stack}::${project}::pulumi:providers:aws::default_${AWS_VERSION.replace(/\./g, "_")}`;
        const ref = `${urn}::mock-default-aws-provider`;
        if (!this.resources.some((r) => r.urn === urn)) {
            const region = new pulumi.Config("aws").get("region");
            const inputs = { ...(region ? { region } : {}), version: AWS_VERSION };
            this.cloud.rememberProvider(urn, "mock-default-aws-provider", inputs);
            this.resources.push({ urn, custom: true, id: "mock-default-aws-provider", type: "pulumi:providers:aws", inputs, outputs: inputs, dependencies: [] });
        }
        return ref;
    }

    private record(req: RegisterRequest, response: RegisterResponse): void {
        const raw = req.getObject()?.toJavaScript() ?? {};
        const type = req.getType();
        // The provider's Check adds autonamed names and tagsAll (see MockCloud.checkAdditions); the engine stores the
        // checked inputs, in a preview too, and the analyzer receives them.
        const inputs = toExportShape(withAdditions(raw, this.cloud.takeCheckAdditions(type, req.getName()))) as Record<string, unknown>;
        const outputs = toExportShape(response.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
        const urn = response.getUrn();
        const secretKeys = secretMapKeys(raw);
        if (Object.keys(secretKeys).length > 0) this.secretKeys[urn] = secretKeys;
        // A provider not created yet has an unknown id in preview; the SDK then references it as "<urn>::<unknown>".
        if (type.startsWith("pulumi:providers:")) this.cloud.rememberProvider(urn, response.getId() || UNKNOWN, inputs);
        const expansion = this.cloud.takeExpansion(type, req.getName());
        const protect = req.getProtect() === true;
        this.resources.push({
            urn,
            custom: req.getCustom(),
            id: response.getId() || undefined,
            type,
            // A multi-language component reaches the engine as its provider registers it inside Construct: no
            // inputs, and as outputs only what it registers (the program's inputs went to the model instead).
            inputs: expansion ? {} : inputs,
            outputs: expansion ? toExportShape(resolveRefs(expansion.registeredOutputs, expansionUrns(urn, expansion))) as Record<string, unknown> : outputs,
            parent: req.getParent() || undefined,
            dependencies: [...new Set(req.getDependenciesList())],
            provider: req.getProvider() || undefined,
            ...(protect ? { protect } : {}),
            ...(req.getRetainondelete() === true ? { retainOnDelete: true } : {}),
            ...(req.getDeletebeforereplace() === true ? { deleteBeforeReplace: true } : {}),
        });
        if (expansion) this.resources.push(...expandedResources(urn, expansion, protect));
    }
}

/** URNs of a component's modelled children by model key, built as the engine builds them from the parent chain. */
function expansionUrns(componentUrn: string, expansion: Expansion): Map<string, string> {
    const urns = new Map<string, string>();
    const childUrn = (parentUrn: string, type: string, name: string) => {
        const [prefix, project, chain] = parentUrn.split("::");
        return `${prefix}::${project}::${chain}$${type}::${name}`;
    };
    // Upstream declares a parent before its children, so one pass in declaration order resolves every parent.
    for (const child of expansion.children) {
        urns.set(child.key, childUrn(child.parent ? urns.get(child.parent) ?? componentUrn : componentUrn, child.type, child.name));
    }
    return urns;
}

function resolveRefs(value: unknown, urns: Map<string, string>): unknown {
    if (isChildRef(value)) return urns.get(value.childRef);
    if (Array.isArray(value)) return value.map((inner) => resolveRefs(inner, urns));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolveRefs(inner, urns)]));
    return value;
}

/**
 * The component's children in export shape: parented under it (or a sibling), on the component's aws provider. They
 * inherit the component's `protect`: the engine sends it in the Construct request (pkg/resource/deploy/source_eval.go,
 * ConstructOptions.Protect), the provider's SDK puts it on the component's options (@pulumi/pulumi provider/server.js,
 * `protect: req.getProtect()`), and every child without its own takes its parent's (resource.js, `opts.protect =
 * parent.__protect`). retainOnDelete travels to the component the same way but no child inherits it.
 */
function expandedResources(componentUrn: string, expansion: Expansion, protect: boolean): CapturedResource[] {
    const urns = expansionUrns(componentUrn, expansion);
    return expansion.children.map((child) => {
        const outputs = toExportShape(resolveRefs(child.outputs, urns)) as Record<string, unknown>;
        const inputs = toExportShape(child.inputs) as Record<string, unknown>;
        return {
            urn: urns.get(child.key)!,
            custom: child.custom,
            id: child.id,
            type: child.type,
            inputs,
            outputs,
            parent: child.parent ? urns.get(child.parent) : componentUrn,
            dependencies: child.dependsOn.map((key) => urns.get(key)!).filter(Boolean),
            provider: child.type.startsWith("aws:") ? expansion.provider : undefined,
            ...(protect ? { protect } : {}),
        };
    });
}
