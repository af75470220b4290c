import * as pulumi from "@pulumi/pulumi";
import { MockCloud, UNKNOWN } from "./mock-cloud";

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
    getDependenciesList(): string[]; getProvider(): string;
}
interface RegisterResponse { getUrn(): string; getId(): string; getObject(): StructLike | undefined }
interface OutputsRequest { getUrn(): string; getOutputs(): StructLike | undefined }
type Callback<T> = (err: Error | null, response?: T) => void;
interface MonitorLike {
    registerResource(req: RegisterRequest, callback: Callback<RegisterResponse>): void;
    registerResourceOutputs(req: OutputsRequest, callback: Callback<unknown>): void;
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

    private constructor(region: string, preview: boolean) {
        this.cloud = new MockCloud(region, preview);
    }

    /** preview: run as a first `pulumi preview` (isDryRun() is true; cloud-computed values are unknown). */
    static async install(project: string, stack: string, region: string, preview = false): Promise<Recorder> {
        const recorder = new Recorder(region, preview);
        await pulumi.runtime.setMocks(recorder.cloud, project, stack, preview);
        const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, callback) => {
            const label = `${req.getType()} ${req.getName()}`;
            recorder.pending.add(label);
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

    private record(req: RegisterRequest, response: RegisterResponse): void {
        const raw = req.getObject()?.toJavaScript() ?? {};
        const inputs = toExportShape(raw) as Record<string, unknown>;
        const outputs = toExportShape(response.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
        // The AWS provider computes tagsAll (default tags merged in) during its check, so real state carries it in inputs.
        if (outputs.tagsAll !== undefined) inputs.tagsAll = outputs.tagsAll;
        const type = req.getType();
        const urn = response.getUrn();
        const secretKeys = secretMapKeys(raw);
        if (Object.keys(secretKeys).length > 0) this.secretKeys[urn] = secretKeys;
        // A provider not created yet has an unknown id in preview; the SDK then references it as "<urn>::<unknown>".
        if (type.startsWith("pulumi:providers:")) this.cloud.rememberProvider(urn, response.getId() || UNKNOWN, inputs);
        this.resources.push({
            urn,
            custom: req.getCustom(),
            id: response.getId() || undefined,
            type,
            inputs,
            outputs,
            parent: req.getParent() || undefined,
            dependencies: [...new Set(req.getDependenciesList())],
            provider: req.getProvider() || undefined,
        });
    }
}
