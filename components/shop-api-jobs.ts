import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { withServiceName } from "./observability/tracing";
import { resources } from "./workload-defaults";

/** The pod shape the API's Deployment uses; the jobs run the same image with the same identity and hardening. */
export interface ApiPodShape {
    podSpec: Record<string, unknown>;
    container: Record<string, unknown> & { env: { name: string; value?: pulumi.Input<string> }[] };
}

export interface ShopApiJobsArgs extends ApiPodShape {
    namespace: string;
    labels: Record<string, string>;
    /** Feed the product-fetch job imports. Default: the demo feed shipped in the image. */
    catalogueFeedUrl?: string;
    /** Cron schedule of the product fetch. Default every 6 hours. */
    fetchSchedule?: string;
    /** Cron schedule of the analysis (UTC). Default 00:30 daily, once yesterday is complete. */
    analysisSchedule?: string;
}

/**
 * The seed's scheduled tasks as CronJobs in the API image: product fetching (idempotent catalogue import) and
 * analysis (yesterday's aggregates into the database and, when configured, the data-lake bucket).
 */
export class ShopApiJobs extends pulumi.ComponentResource {
    constructor(name: string, args: ShopApiJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        // A component's dependsOn does not reach its children: the caller's (namespace, Secrets, database, node pools)
        // are passed on so the pods are created only once what they need exists.
        super("ecommerce:app:ShopApiJobs", name, {}, opts);
        const jobs = [
            { id: "fetch-products", schedule: args.fetchSchedule ?? "0 */6 * * *", args: ["dist/jobs.js", "fetch-products", "--source", args.catalogueFeedUrl ?? "dist/demo-feed.json"] },
            { id: "analyse", schedule: args.analysisSchedule ?? "30 0 * * *", args: ["dist/jobs.js", "analyse"] },
        ];
        for (const job of jobs) {
            const labels = { ...args.labels, "app.kubernetes.io/component": job.id };
            new k8s.batch.v1.CronJob(`${name}-${job.id}`, {
                metadata: { name: `shop-${job.id}`, namespace: args.namespace, labels },
                spec: {
                    schedule: job.schedule,
                    timeZone: "Etc/UTC",
                    // A slow run must not overlap the next one: both would import or aggregate the same rows.
                    concurrencyPolicy: "Forbid",
                    startingDeadlineSeconds: 600,
                    successfulJobsHistoryLimit: 3,
                    failedJobsHistoryLimit: 5,
                    jobTemplate: {
                        spec: {
                            backoffLimit: 2,
                            activeDeadlineSeconds: 3600,
                            ttlSecondsAfterFinished: 86400,
                            template: {
                                metadata: { labels },
                                spec: {
                                    ...args.podSpec,
                                    restartPolicy: "Never",
                                    containers: [{ ...args.container, env: withServiceName(args.container.env, `shop-${job.id}`), name: job.id, args: job.args, resources: resources("100m", "256Mi", { cpu: "1", memory: "512Mi" }) }],
                                },
                            },
                        },
                    },
                },
            }, { parent: this, dependsOn: opts?.dependsOn });
        }
        this.registerOutputs({});
    }
}
