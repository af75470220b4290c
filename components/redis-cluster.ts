import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { IMAGES, imageParts } from "./catalogue";
import { helmRelease } from "./helm-release";
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
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * The Karpenter NodePools its data pods land on: the resources that start those pods wait for them (the operator,
     * on the system nodes, does not). Default none.
     */
    nodePools?: pulumi.Input<pulumi.Resource>[];
}

export const REDIS_PORT = 6379;
const CLUSTER_NAME = "redis-cluster";
/** Key of the password in the auth Secret (the operator reads it by name). */
export const REDIS_PASSWORD_KEY = "password";

/**
 * Self-hosted sharded Redis (cluster mode) for frequently read user data: the OT-Container-Kit operator and one
 * RedisCluster with authentication from a generated password held in a Kubernetes Secret, persistence on gp3,
 * leaders and followers on the on-demand stateful pool, PodDisruptionBudgets when there is more than one pod per
 * role, and the Prometheus redis-exporter sidecar.
 */
export class RedisCluster extends pulumi.ComponentResource {
    readonly namespace: string;
    /** Service clients connect to (cluster mode: any leader redirects to the right shard). */
    readonly host: string;
    readonly port = REDIS_PORT;
    /** Secret (in `namespace`) holding the password under REDIS_PASSWORD_KEY. */
    readonly passwordSecretName: pulumi.Output<string>;
    /** The generated password, as a Pulumi secret, for components that create their own copy of it. */
    readonly password: pulumi.Output<string>;
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
        const namespace = platformNamespace(this.namespace, "baseline", child, `${name}-namespace`);
        this.namespaceResource = namespace;
        const inNamespace = { ...child, dependsOn: [namespace] };

        const password = new random.RandomPassword(`${name}-auth`, { length: 32, special: false }, child);
        this.password = pulumi.secret(password.result);
        const secret = new k8s.core.v1.Secret(`${name}-auth`, {
            metadata: { name: `${CLUSTER_NAME}-auth`, namespace: this.namespace },
            type: "Opaque",
            stringData: { [REDIS_PASSWORD_KEY]: this.password },
        }, inNamespace);

        const operatorImage = imageParts(IMAGES.redisOperator);
        const operator = helmRelease(`${name}-operator`, {
            releaseName: "redis-operator",
            chart: "redisOperator",
            namespace: this.namespace,
            values: {
                redisOperator: { imageName: operatorImage.repository, imageTag: operatorImage.tag, imagePullPolicy: "IfNotPresent", watchNamespace: this.namespace },
                replicas: 1,
                resources: resources("100m", "256Mi", { memory: "256Mi" }),
                podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                securityContext: restrictedContainerSecurityContext({ uid: 65532 }),
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
            },
        }, { ...inNamespace, dependsOn: [namespace, ...(args.dependsOn ?? [])] });

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
                podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                storageSpec: {
                    volumeClaimTemplate: { spec: { storageClassName: STORAGE_CLASSES.block, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.volumeSize ?? "10Gi" } } } },
                    nodeConfVolume: true,
                    nodeConfVolumeClaimTemplate: { spec: { storageClassName: STORAGE_CLASSES.block, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
                },
            },
        }, { ...inNamespace, dependsOn: [operator, secret, ...(args.nodePools ?? [])] });

        this.host = `${CLUSTER_NAME}-leader.${this.namespace}.svc.cluster.local`;
        this.passwordSecretName = secret.metadata.name;
        this.registerOutputs({ host: this.host, passwordSecretName: this.passwordSecretName });
    }
}
