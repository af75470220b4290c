import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { createHash } from "node:crypto";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { IMAGES, imageParts } from "./catalogue";
import { helmRelease } from "./helm-release";
import { OperatorCrds } from "./operator-crds";
import { platformNamespace } from "./namespace";
import { STATEFUL_NODE_LABEL, STATEFUL_TOLERATIONS, SYSTEM_NODE_LABEL, SYSTEM_TOLERATIONS, zoneSpread } from "./scheduling";
import { STORAGE_CLASSES } from "./shared-storage";
import { ResourceSpec, needsDisruptionBudget, resources, restrictedContainerSecurityContext } from "./workload-defaults";

export interface RedisClusterArgs {
    /** Namespace for the operator and the cluster. Default "redis". */
    namespace?: string;
    /** Shards (leaders, i.e. masters). Redis cluster mode needs at least 3. Default 3. */
    leaders?: number;
    /** Followers (replicas) in total, spread over the leaders; 0 runs without replicas (dev). Default equal to leaders. */
    followers?: number;
    /** gp3 volume per node for RDB/AOF data. Default "10Gi". */
    volumeSize?: string;
    /** Requests and limits of each Redis container. Default 250m/1Gi. */
    resources?: ResourceSpec;
    /** Spread pods over zones with DoNotSchedule (prod) instead of ScheduleAnyway. Default false. */
    strictZoneSpread?: boolean;
    /**
     * Client users of their own (Redis ACL), each limited to its key patterns and commands; the `default` user stays the
     * administrator the operator, the exporter, replication and the probes authenticate as. Default none.
     */
    aclUsers?: RedisAclUser[];
    /**
     * Changing this value generates every password of the cluster anew (RandomPassword keeper): the rotation epoch of
     * the stack (config `secretRotationEpoch`). Default "1".
     */
    rotationEpoch?: string;
    /**
     * The Prometheus operator's release, when one runs: the chart then renders ServiceMonitors (serviceMonitor.enabled,
     * leader-sm.yaml and follower-sm.yaml) for the exporter sidecar's port "redis-exporter" (9121), and the release waits
     * for the operator's CRDs. Default none.
     */
    prometheusOperator?: pulumi.Resource;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * The Karpenter NodePools its data pods land on: the resources that start those pods wait for them (the operator,
     * on the system nodes, does not). Default none.
     */
    nodePools?: pulumi.Input<pulumi.Resource>[];
    /**
     * Pulumi `protect` on the namespace and the Helm release that renders the RedisCluster: a replacement or deletion (which would take
     * the volumes' claims with it) fails until `pulumi state unprotect`. Default false (the composition sets it from
     * config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

/** A Redis ACL user for one client: what it may touch and run, nothing else (`-@all` first). */
export interface RedisAclUser {
    username: string;
    /** Key patterns (ACL `~pattern`), e.g. "shop:*". At least one. */
    keyPatterns: string[];
    /** Commands allowed (ACL `+command`, a subcommand as "cluster|slots"). At least one. */
    commands: string[];
    /** Pub/Sub channels it may publish and subscribe to (ACL `&pattern`). Default none. */
    channelPatterns?: string[];
}

export const REDIS_PORT = 6379;
/** The redis-exporter sidecar's metrics port (operator v0.26.0 common.RedisExporterPort, port name "redis-exporter"). */
export const REDIS_EXPORTER_PORT = 9121;
const CLUSTER_NAME = "redis-cluster";
/** Key of the password in the auth Secret (the operator reads it by name). */
export const REDIS_PASSWORD_KEY = "password";
/** The operator mounts this key of the ACL Secret as /etc/redis/user.acl (internal/k8sutils/statefulset.go, v0.26.0). */
export const REDIS_ACL_FILE_KEY = "user.acl";
/** Secret keys the operator's TLS block names (RedisCluster spec.TLS; chart 0.17.4's default `ca: ca.key` is wrong since operator v0.24). */
const TLS_KEYS = { ca: "ca.crt", cert: "tls.crt", key: "tls.key" } as const;

/**
 * Self-hosted sharded Redis (cluster mode) for frequently read user data: the OT-Container-Kit operator and one
 * RedisCluster with authentication from a generated password held in a Kubernetes Secret, persistence on gp3,
 * leaders and followers on the on-demand stateful pool, PodDisruptionBudgets when there is more than one pod per
 * role, and the Prometheus redis-exporter sidecar.
 *
 * TLS everywhere (clients, replication, cluster bus: the operator writes tls-port, tls-replication and tls-cluster)
 * with a CA generated here, so clients verify the server from a copy of the public CA certificate; client
 * certificates stay optional (`tls-auth-clients optional`, operator v0.26.0 internal/agent/bootstrap/redis/config.go).
 * Per-client ACL users come from an ACL file in a Secret (spec.acl.secret). The ACL file also defines `default` with
 * the admin password: Redis replaces the default user by the file's, and one the file lacks becomes `nopass`.
 *
 * Both need the operator's GenerateConfigInInitContainer gate: without it the redis image's own entrypoint.sh writes
 * the config and still reads REDIS_TLS_CA_KEY, which the operator renamed to REDIS_TLS_CA_CERT in v0.24.0
 * (upgrade/migartion-v0.23.0-to-v0.24.0.md), leaving `tls-ca-cert-file` empty; the operator's CI runs its TLS and ACL
 * e2e tests with that gate on (.github/workflows/ci.yaml at v0.26.0).
 */
export class RedisCluster extends pulumi.ComponentResource {
    readonly namespace: string;
    /** Service clients connect to (cluster mode: any leader redirects to the right shard). */
    readonly host: string;
    readonly port = REDIS_PORT;
    /** Secret (in `namespace`) holding the password under REDIS_PASSWORD_KEY. */
    readonly passwordSecretName: pulumi.Output<string>;
    /** The generated admin (`default` user) password, as a Pulumi secret. Clients get ACL users instead. */
    readonly password: pulumi.Output<string>;
    /** Every connection is TLS: clients verify the server against this CA certificate (public). */
    readonly tls = true;
    readonly caCertPem: pulumi.Output<string>;
    /** The ACL users of `aclUsers`, by name, with their generated passwords (Pulumi secrets). */
    readonly users: Record<string, { username: string; password: pulumi.Output<string> }>;
    /** The namespace object: what resources placed in it (its NetworkPolicies) wait for. */
    readonly namespaceResource: k8s.core.v1.Namespace;

    constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:RedisCluster", name, {}, opts);
        const child = { parent: this };
        this.namespace = args.namespace ?? "redis";
        const leaders = args.leaders ?? 3;
        const followers = args.followers ?? leaders;
        if (leaders < 3) throw new Error(`RedisCluster ${name}: cluster mode needs at least 3 leaders, got ${leaders}`);
        const strict = args.strictZoneSpread ?? false;
        const limits = args.resources ?? resources("250m", "1Gi");

        // Baseline: the operator renders the pods; every container context below is restricted-compliant, and the
        // namespace warns if one is not.
        const namespace = platformNamespace(this.namespace, "baseline", { ...child, protect: args.protect }, `${name}-namespace`);
        this.namespaceResource = namespace;
        const inNamespace = { ...child, dependsOn: [namespace] };

        const keepers = { rotationEpoch: args.rotationEpoch ?? "1" };
        const password = new random.RandomPassword(`${name}-auth`, { length: 32, special: false, keepers }, child);
        this.password = pulumi.secret(password.result);
        const secret = new k8s.core.v1.Secret(`${name}-auth`, {
            metadata: { name: `${CLUSTER_NAME}-auth`, namespace: this.namespace },
            type: "Opaque",
            stringData: { [REDIS_PASSWORD_KEY]: this.password },
        }, inNamespace);

        // ACL: the admin as `default`, then one user per client, each with its own generated password.
        this.users = {};
        const aclLines: pulumi.Output<string>[] = [password.result.apply((admin) => aclLine({ username: "default", keyPatterns: ["*"], commands: ["@all"] }, admin))];
        for (const user of args.aclUsers ?? []) {
            if (!/^[a-z][a-z0-9-]{0,63}$/.test(user.username) || user.username === "default") throw new Error(`RedisCluster ${name}: ACL user "${user.username}" must be a lower-case name other than default`);
            if (user.keyPatterns.length === 0 || user.commands.length === 0) throw new Error(`RedisCluster ${name}: ACL user ${user.username} needs key patterns and commands`);
            const userPassword = new random.RandomPassword(`${name}-user-${user.username}`, { length: 32, special: false, keepers }, child);
            this.users[user.username] = { username: user.username, password: pulumi.secret(userPassword.result) };
            aclLines.push(userPassword.result.apply((value) => aclLine(user, value)));
        }
        const acl = new k8s.core.v1.Secret(`${name}-acl`, {
            metadata: { name: `${CLUSTER_NAME}-acl`, namespace: this.namespace },
            type: "Opaque",
            stringData: { [REDIS_ACL_FILE_KEY]: pulumi.secret(pulumi.all(aclLines).apply((lines) => lines.join("\n") + "\n")) },
        }, inNamespace);

        // TLS: our own CA and one server certificate for the services and every pod's headless name (with TLS the
        // nodes announce host names, cluster-preferred-endpoint-type hostname).
        const caKey = new tls.PrivateKey(`${name}-ca`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const ca = new tls.SelfSignedCert(`${name}-ca`, {
            privateKeyPem: caKey.privateKeyPem,
            isCaCertificate: true,
            subject: { commonName: `${CLUSTER_NAME} Redis CA`, organization: "ecommerce-platform" },
            validityPeriodHours: 5 * 365 * 24,
            earlyRenewalHours: 90 * 24,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        }, child);
        const serverKey = new tls.PrivateKey(`${name}-tls`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const request = new tls.CertRequest(`${name}-tls`, {
            privateKeyPem: serverKey.privateKeyPem,
            subject: { commonName: `${CLUSTER_NAME}-leader.${this.namespace}.svc.cluster.local` },
            dnsNames: redisDnsNames(this.namespace),
        }, child);
        // Redis nodes also dial each other with this certificate (replication, cluster bus), hence client_auth too.
        const server = new tls.LocallySignedCert(`${name}-tls`, {
            certRequestPem: request.certRequestPem,
            caPrivateKeyPem: caKey.privateKeyPem,
            caCertPem: ca.certPem,
            validityPeriodHours: 365 * 24,
            earlyRenewalHours: 30 * 24,
            allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
        }, child);
        const tlsSecret = new k8s.core.v1.Secret(`${name}-tls`, {
            metadata: { name: `${CLUSTER_NAME}-tls`, namespace: this.namespace },
            type: "kubernetes.io/tls",
            stringData: { [TLS_KEYS.cert]: server.certPem, [TLS_KEYS.key]: pulumi.secret(serverKey.privateKeyPem), [TLS_KEYS.ca]: ca.certPem },
        }, inNamespace);

        const operatorImage = imageParts(IMAGES.redisOperator);
        const crds = new OperatorCrds(`${name}-crds`, { chart: "redisOperator", protect: args.protect }, child);
        const operator = helmRelease(`${name}-operator`, {
            releaseName: "redis-operator",
            chart: "redisOperator",
            namespace: this.namespace,
            skipCrds: true,
            values: {
                redisOperator: { imageName: operatorImage.repository, imageTag: operatorImage.tag, imagePullPolicy: "IfNotPresent", watchNamespace: this.namespace },
                replicas: 1,
                resources: resources("100m", "256Mi", { memory: "256Mi" }),
                podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                securityContext: restrictedContainerSecurityContext({ uid: 65532 }),
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
                // Config from the operator's init container (see the class comment): TLS and the ACL file need it.
                featureGates: { GenerateConfigInInitContainer: true },
            },
        }, { ...inNamespace, dependsOn: [namespace, ...crds.crds, ...(args.dependsOn ?? [])] });

        const redis = imageParts(IMAGES.redis);
        const exporter = imageParts(IMAGES.redisExporter);
        const role = (roleName: "leader" | "follower", replicas: number) => ({
            replicas,
            nodeSelector: STATEFUL_NODE_LABEL,
            tolerations: STATEFUL_TOLERATIONS,
            topologySpreadConstraints: zoneSpread({ app: `${CLUSTER_NAME}-${roleName}`, role: roleName }, strict),
            securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false, uid: 1000 }),
            pdb: { enabled: needsDisruptionBudget(replicas), maxUnavailable: 1 },
            livenessProbe: { initialDelaySeconds: 15, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 5 },
            readinessProbe: { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        });
        helmRelease(`${name}-cluster`, {
            releaseName: CLUSTER_NAME,
            chart: "redisCluster",
            namespace: this.namespace,
            values: {
                redisCluster: {
                    name: CLUSTER_NAME,
                    clusterSize: leaders,
                    clusterVersion: "v7",
                    persistenceEnabled: true,
                    image: redis.repository,
                    tag: redis.tag,
                    redisSecret: { secretName: secret.metadata.name, secretKey: REDIS_PASSWORD_KEY },
                    resources: limits,
                    leader: role("leader", leaders),
                    follower: role("follower", followers),
                },
                redisExporter: {
                    enabled: true,
                    image: exporter.repository,
                    tag: exporter.tag,
                    resources: resources("50m", "64Mi", { memory: "128Mi" }),
                    securityContext: restrictedContainerSecurityContext({ uid: 1000 }),
                },
                // The exporter follows the TLS block: the operator (v0.26.0 getExporterEnvironmentVariables) gives it
                // rediss://localhost, the client certificate and CA from the same Secret, and the admin password.
                serviceMonitor: { enabled: args.prometheusOperator !== undefined },
                podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                TLS: { ...TLS_KEYS, secret: { secretName: tlsSecret.metadata.name } },
                acl: { secret: { secretName: acl.metadata.name } },
                storageSpec: {
                    volumeClaimTemplate: { spec: { storageClassName: STORAGE_CLASSES.block, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.volumeSize ?? "10Gi" } } } },
                    nodeConfVolume: true,
                    nodeConfVolumeClaimTemplate: { spec: { storageClassName: STORAGE_CLASSES.block, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
                },
            },
        }, { ...inNamespace, dependsOn: [crds.of("RedisCluster"), operator, secret, acl, tlsSecret, ...(args.prometheusOperator ? [args.prometheusOperator] : []), ...(args.nodePools ?? [])], protect: args.protect });

        this.host = `${CLUSTER_NAME}-leader.${this.namespace}.svc.cluster.local`;
        this.passwordSecretName = secret.metadata.name;
        this.caCertPem = ca.certPem;
        this.registerOutputs({ host: this.host, passwordSecretName: this.passwordSecretName, caCertPem: this.caCertPem });
    }
}

/**
 * One ACL file line: `reset` first so nothing is inherited, the password as its SHA-256 (`#hex`, never in clear in
 * the file), then keys, Pub/Sub channels (all when all keys are allowed, else only the listed ones), and only the
 * listed commands. Commands a Lua script runs are checked against the same user (keys and channels included).
 */
export function aclLine(user: RedisAclUser, password: string): string {
    const hash = createHash("sha256").update(password).digest("hex");
    const everything = user.keyPatterns.includes("*");
    const commands = user.commands.map((command) => `+${command}`);
    const channels = everything ? ["&*"] : ["resetchannels", ...(user.channelPatterns ?? []).map((pattern) => `&${pattern}`)];
    return ["user", user.username, "reset", "on", `#${hash}`, ...user.keyPatterns.map((pattern) => `~${pattern}`),
        ...channels, ...(everything ? [] : ["-@all"]), ...commands].join(" ");
}

/** Names clients and nodes reach Redis by: the leader and follower services and every pod's headless name. */
export function redisDnsNames(namespace: string): string[] {
    return ["leader", "follower"].flatMap((role) => {
        const service = `${CLUSTER_NAME}-${role}`;
        return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`,
            `*.${service}-headless.${namespace}.svc`, `*.${service}-headless.${namespace}.svc.cluster.local`];
    });
}
