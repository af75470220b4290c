import * as pulumi from "@pulumi/pulumi";
import { helmRelease } from "./helm-release";
import { SYSTEM_NODE_LABEL, SYSTEM_TOLERATIONS } from "./scheduling";

export interface MetricsServerArgs {
    /** Replicas; 2 keeps the resource-metrics API (and so every HPA) up through a node drain. Default 2. */
    replicas?: number;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** metrics-server: the resource-metrics API that HorizontalPodAutoscalers and `kubectl top` read. Needs no AWS access. */
export class MetricsServer extends pulumi.ComponentResource {
    constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:kubernetes:MetricsServer", name, {}, opts);
        const replicas = args.replicas ?? 2;
        helmRelease(name, {
            releaseName: "metrics-server",
            chart: "metricsServer",
            namespace: "kube-system",
            values: {
                replicas,
                podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
                resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "500m", memory: "400Mi" } },
            },
        }, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({});
    }
}
