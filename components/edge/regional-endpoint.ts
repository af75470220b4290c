import * as pulumi from "@pulumi/pulumi";
import * as route53 from "@pulumi/aws/route53";
import { networkLoadBalancerZoneId } from "./load-balancer-zones";

export interface RegionalEndpointArgs {
    /** The AWS region of the load balancer: the latency record's region and its set identifier. */
    region: string;
    /** The public hosted zone of the environment. */
    zoneId: pulumi.Input<string>;
    /** The region's own name (api.<region>.<domain>): a plain alias to this region's load balancer. */
    regionalHostname: string;
    /** The latency-routed name every region joins (origin.<domain>): what CloudFront's API origin points at. */
    originHostname: string;
    /** The load balancer's DNS name (known after the load balancer controller created it). */
    loadBalancerHostname: pulumi.Input<string>;
    /**
     * Path the health check requests over HTTPS on the regional name. It must reach the API through the gateway, so the
     * check fails when Kong or every API pod is down. Default "/healthz".
     */
    healthCheckPath?: string;
    /** Seconds between checks from each checker (10 or 30; 10 costs more). Default 30. */
    healthCheckIntervalSeconds?: 10 | 30;
    /** Consecutive failures before the region is unhealthy. Default 3. */
    healthCheckFailureThreshold?: number;
}

/**
 * This region's place in global routing: a Route 53 HTTPS health check on the region's own name, a latency alias record
 * for the shared origin name (set identifier = region) that evaluates the load balancer's target health and carries the
 * health check, so a failed region drops out of DNS, and the region's own alias record for direct access and the check.
 * Every regional stack declares one, the edge owner included; the zone belongs to the owner.
 */
export class RegionalEndpoint extends pulumi.ComponentResource {
    readonly healthCheckId: pulumi.Output<string>;
    /** https://api.<region>.<domain>. */
    readonly regionalUrl: string;

    constructor(name: string, args: RegionalEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:RegionalEndpoint", name, {}, opts);
        const child = { parent: this };
        const alias = (evaluateTargetHealth: boolean) => [{
            name: args.loadBalancerHostname,
            zoneId: networkLoadBalancerZoneId(args.region),
            evaluateTargetHealth,
        }];

        const regional = new route53.Record(`${name}-regional`, {
            zoneId: args.zoneId,
            name: args.regionalHostname,
            type: "A",
            aliases: alias(false),
        }, child);

        const healthCheck = new route53.HealthCheck(`${name}-health`, {
            type: "HTTPS",
            fqdn: args.regionalHostname,
            port: 443,
            resourcePath: args.healthCheckPath ?? "/healthz",
            requestInterval: args.healthCheckIntervalSeconds ?? 30,
            failureThreshold: args.healthCheckFailureThreshold ?? 3,
            // The load balancer serves several names from one certificate; SNI picks the regional one.
            enableSni: true,
            measureLatency: true,
            tags: { Name: `${args.regionalHostname} ${args.healthCheckPath ?? "/healthz"}` },
        }, { ...child, dependsOn: [regional] });

        new route53.Record(`${name}-origin`, {
            zoneId: args.zoneId,
            name: args.originHostname,
            type: "A",
            setIdentifier: args.region,
            latencyRoutingPolicies: [{ region: args.region }],
            healthCheckId: healthCheck.id,
            aliases: alias(true),
        }, child);

        this.healthCheckId = healthCheck.id;
        this.regionalUrl = `https://${args.regionalHostname}`;
        this.registerOutputs({ healthCheckId: this.healthCheckId, regionalUrl: this.regionalUrl });
    }
}
