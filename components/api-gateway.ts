import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IMAGES, imageParts } from "./catalogue";
import { helmRelease } from "./helm-release";
import { OperatorCrds } from "./operator-crds";
import { platformNamespace } from "./namespace";
import { zoneSpread } from "./scheduling";
import { needsDisruptionBudget, resources, restrictedContainerSecurityContext } from "./workload-defaults";

export interface JwtIssuer {
    /** The `iss` claim of the tokens (Keycloak: <base>/realms/<realm>). */
    issuer: pulumi.Input<string>;
    /** PEM public key the tokens are signed with (RS256). */
    publicKeyPem: pulumi.Input<string>;
}

export interface GatewayTls {
    /** ACM certificate (of the cluster's region) the NLB's TLS listener presents. */
    certificateArn: pulumi.Input<string>;
    /** NLB security policy of the listener. Default TLS_POLICY (TLS 1.3 and 1.2 only). */
    sslPolicy?: string;
}

export interface ApiGatewayArgs {
    /** Namespace of Kong. Default "kong". */
    namespace?: string;
    /** Proxy replicas: the HPA scales between these. Defaults 2 and 6. */
    minReplicas?: number;
    maxReplicas?: number;
    /** Requests per minute a client IP may send through the proxy. Default 600. */
    rateLimitPerMinute?: number;
    /** Token issuers the `jwt-keycloak` plugin accepts. */
    jwtIssuer: JwtIssuer;
    /**
     * TLS on the NLB: its only listener is 443, terminating TLS with this certificate and forwarding plain TCP to Kong's
     * HTTP port inside the VPC. There is no plain-HTTP listener.
     */
    tls: GatewayTls;
    /** Source ranges allowed to reach the NLB. Default: the internet. */
    allowedSourceRanges?: string[];
    /**
     * CIDR of the VPC the NLB's nodes and the cluster's pods live in: the only hops Kong trusts to report a client
     * address (X-Forwarded-For). Internet clients reach Kong with their own address (client IP preservation).
     */
    vpcCidr: string;
    /** Spread proxies over zones with DoNotSchedule (prod). Default false. */
    strictZoneSpread?: boolean;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Pulumi `protect` on the chart's CRDs (deleting a CRD deletes every object of its kind). Default false (the
     * composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protectCrds?: boolean;
}

export const INGRESS_CLASS = "kong";
/** Plugin names routes opt into with the `konghq.com/plugins` annotation. */
export const JWT_PLUGIN = "jwt-keycloak";
export const RATE_LIMIT_PLUGIN = "rate-limit-per-ip";
/** The kong chart names its proxy Service "<release>-kong-proxy" (templates/service-kong-proxy.yaml). */
const PROXY_SERVICE = "kong-kong-proxy";
const KONG_API = "configuration.konghq.com/v1";
/** NLB target group attribute that keeps the client's source address on IP targets. */
export const CLIENT_IP_PRESERVATION = "preserve_client_ip.enabled=true";
/**
 * The NLB listener's security policy: TLS 1.3 and 1.2, forward-secret ciphers (Elastic Load Balancing, "Security
 * policies for your Network Load Balancer"). Without the annotation the controller uses ELBSecurityPolicy-2016-08,
 * which still accepts TLS 1.0.
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** The only port the NLB listens on. */
export const PUBLIC_TLS_PORT = 443;
/** Kong's plain-HTTP proxy port, where the NLB sends what it decrypted. */
export const KONG_PROXY_PORT = 8000;

/**
 * The API gateway: Kong Gateway with the Kong Ingress Controller, DB-less (configuration lives in Kubernetes
 * resources), its proxy behind an internet-facing NLB created by the AWS Load Balancer Controller with IP targets and
 * a single TLS listener on 443 (a regional ACM certificate, TLS 1.2+),
 * autoscaled between min and max replicas with a PDB, and two cluster-wide plugins:
 *  - rate limiting per client IP, applied globally;
 *  - JWT verification of Keycloak tokens. OSS Kong's `jwt` plugin (openid-connect is Enterprise-only) verifies
 *    signatures against a consumer's credential, so a KongConsumer carries a jwt credential whose key is the realm's
 *    issuer (matched against the `iss` claim) and whose rsa_public_key is the realm's signing key. Keycloak imports
 *    that key with the realm (see Identity), so the gateway knows it without calling Keycloak. Routes opt in with
 *    `konghq.com/plugins: jwt-keycloak`. Rotating the realm key means updating this credential too.
 */
export class ApiGateway extends pulumi.ComponentResource {
    readonly namespace: string;
    readonly ingressClassName = INGRESS_CLASS;
    readonly jwtPluginName = JWT_PLUGIN;
    readonly rateLimitPluginName = RATE_LIMIT_PLUGIN;
    /** In-cluster proxy service; the NLB host name is only known after deployment (see the Service's status). */
    readonly proxyService: string;
    /**
     * The NLB's DNS name, read from the proxy Service's status once the release is up (Helm's wait, implied by
     * `atomic`, returns only when the load balancer controller has written it). Unknown in a first preview.
     */
    readonly publicHostname: pulumi.Output<string>;
    /** The namespace object: what resources placed in it (its NetworkPolicies) wait for. */
    readonly namespaceResource: k8s.core.v1.Namespace;
    /** The Kong release: it installs Kong's CRDs, so every KongPlugin, KongConsumer and Kong route waits for it. */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:gateway:ApiGateway", name, {}, opts);
        const child = { parent: this };
        this.namespace = args.namespace ?? "kong";
        const minReplicas = args.minReplicas ?? 2;
        const maxReplicas = Math.max(minReplicas, args.maxReplicas ?? 6);
        const namespace = platformNamespace(this.namespace, "restricted", child, `${name}-namespace`);
        this.namespaceResource = namespace;

        const kong = imageParts(IMAGES.kong);
        const controller = imageParts(IMAGES.kongIngressController);
        const container = restrictedContainerSecurityContext({ uid: 1000 });
        const crds = new OperatorCrds(`${name}-crds`, { chart: "kong", protect: args.protectCrds }, child);
        const release = helmRelease(`${name}-kong`, {
            releaseName: "kong",
            chart: "kong",
            namespace: this.namespace,
            skipCrds: true,
            values: {
                image: { repository: kong.repository, tag: kong.tag },
                env: {
                    database: "off", nginx_worker_processes: "2", proxy_access_log: "/dev/stdout", proxy_error_log: "/dev/stderr",
                    // The client address is what the NLB preserves; X-Forwarded-For counts only when it came from inside
                    // the VPC, walked back through trusted hops (nginx realip), so a client cannot pick its own address
                    // for the per-IP rate limit.
                    trusted_ips: args.vpcCidr,
                    real_ip_header: "X-Forwarded-For",
                    real_ip_recursive: "on",
                },
                admin: { enabled: false },
                ingressController: {
                    enabled: true,
                    image: { repository: controller.repository, tag: controller.tag },
                    ingressClass: INGRESS_CLASS,
                    resources: resources("100m", "256Mi", { memory: "512Mi" }),
                },
                proxy: {
                    enabled: true,
                    type: "LoadBalancer",
                    annotations: {
                        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
                        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": "/status/ready",
                        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "8100",
                        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "HTTP",
                        // IP targets do not preserve the client's address by default (LB Controller v2.14 annotations
                        // guide); with it on, Kong sees the real client as the TCP peer, with no listener change and no
                        // PROXY header that in-cluster callers of the proxy Service would have to send.
                        "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": CLIENT_IP_PRESERVATION,
                        ...tlsAnnotations(args.tls),
                    },
                    loadBalancerSourceRanges: args.allowedSourceRanges ?? [],
                    // One Service port, 443 -> Kong's HTTP listener: the NLB terminates TLS (annotations above), so the
                    // load balancer has no plain-HTTP listener and Kong needs no certificate of its own.
                    http: { enabled: true, servicePort: PUBLIC_TLS_PORT, containerPort: KONG_PROXY_PORT },
                    tls: { enabled: false },
                },
                // No replicaCount: with autoscaling on, the chart's Deployment has no spec.replicas (kong 3.4.1
                // templates/deployment.yaml, `if not .Values.autoscaling.enabled`), the HPA owns the count.
                autoscaling: {
                    enabled: true, minReplicas, maxReplicas,
                    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                },
                podDisruptionBudget: { enabled: needsDisruptionBudget(minReplicas), maxUnavailable: 1 },
                resources: resources("250m", "512Mi", { memory: "1Gi" }),
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containerSecurityContext: container,
                topologySpreadConstraints: zoneSpread({ "app.kubernetes.io/instance": "kong" }, args.strictZoneSpread ?? false),
                deployment: { test: { enabled: false } },
            },
        }, { ...child, dependsOn: [namespace, ...crds.crds, ...(args.dependsOn ?? [])] });
        this.release = release;
        const afterKong = { ...child, dependsOn: [release] };
        const plugin = { ...child, dependsOn: [crds.of("KongClusterPlugin"), release] };
        const classAnnotation = { "kubernetes.io/ingress.class": INGRESS_CLASS };

        new k8s.apiextensions.CustomResource(`${name}-rate-limit`, {
            apiVersion: KONG_API,
            kind: "KongClusterPlugin",
            metadata: { name: RATE_LIMIT_PLUGIN, annotations: classAnnotation, labels: { global: "true" } },
            plugin: "rate-limiting",
            // "local" counts per proxy pod: no shared store to fail; the effective limit scales with replicas.
            config: { minute: args.rateLimitPerMinute ?? 600, limit_by: "ip", policy: "local", fault_tolerant: true, hide_client_headers: false },
        }, plugin);

        new k8s.apiextensions.CustomResource(`${name}-jwt`, {
            apiVersion: KONG_API,
            kind: "KongClusterPlugin",
            metadata: { name: JWT_PLUGIN, annotations: classAnnotation },
            plugin: "jwt",
            config: { key_claim_name: "iss", claims_to_verify: ["exp"], maximum_expiration: 3600, run_on_preflight: false, header_names: ["authorization"] },
        }, plugin);

        const credential = new k8s.core.v1.Secret(`${name}-keycloak-jwt`, {
            metadata: { name: "keycloak-realm-jwt", namespace: this.namespace, labels: { "konghq.com/credential": "jwt" } },
            type: "Opaque",
            stringData: jwtCredential(args.jwtIssuer),
        }, { ...child, dependsOn: [namespace] });
        new k8s.apiextensions.CustomResource(`${name}-keycloak-consumer`, {
            apiVersion: KONG_API,
            kind: "KongConsumer",
            metadata: { name: "keycloak-realm", namespace: this.namespace, annotations: classAnnotation },
            username: "keycloak-realm",
            credentials: [credential.metadata.name],
        }, { ...child, dependsOn: [crds.of("KongConsumer"), release, credential] });

        this.proxyService = `${PROXY_SERVICE}.${this.namespace}.svc.cluster.local`;
        const proxy = k8s.core.v1.Service.get(`${name}-proxy`, `${this.namespace}/${PROXY_SERVICE}`, afterKong);
        this.publicHostname = proxy.status.apply((status) => status?.loadBalancer?.ingress?.[0]?.hostname ?? status?.loadBalancer?.ingress?.[0]?.ip ?? "");
        this.registerOutputs({ proxyService: this.proxyService, publicHostname: this.publicHostname });
    }
}

/**
 * AWS Load Balancer Controller v2.14 Service annotations (pkg/annotations/constants.go): the ports in `ssl-ports` get a
 * TLS listener with `ssl-cert` and `ssl-negotiation-policy`; `backend-protocol: tcp` sends the decrypted stream to the
 * targets as plain TCP.
 */
export function tlsAnnotations(tls: GatewayTls): Record<string, pulumi.Input<string>> {
    return {
        "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": tls.certificateArn,
        "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": String(PUBLIC_TLS_PORT),
        "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy": tls.sslPolicy ?? TLS_POLICY,
        "service.beta.kubernetes.io/aws-load-balancer-backend-protocol": "tcp",
    };
}

/** The consumer credential the jwt plugin checks tokens against: key = expected `iss`, RS256 with the realm's public key. */
export function jwtCredential(issuer: JwtIssuer): Record<string, pulumi.Input<string>> {
    return { algorithm: "RS256", key: issuer.issuer, rsa_public_key: issuer.publicKeyPem };
}
