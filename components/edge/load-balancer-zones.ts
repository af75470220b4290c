/**
 * The canonical Route 53 hosted zone of Network Load Balancers, per region: what an alias record to an NLB names as
 * its `zoneId`. AWS publishes them as constants ("Elastic Load Balancing endpoints and quotas", column "Route 53
 * Hosted Zone ID (Network Load Balancers)", https://docs.aws.amazon.com/general/latest/gr/elb.html, read
 * 2026-12-07 for the four US regions); the other rows as hashicorp/terraform-provider-aws copies that page in
 * internal/service/elbv2/hosted_zone_id_data_source.go (hostedZoneIDPerRegionNLBMap). The Application/Classic column
 * differs (ap-south-1: ZP97RAFLXTNZK): an alias with that one is refused by Route 53.
 *
 * A region missing here cannot hold a regional stack: add its row from the AWS page first.
 */
export const NLB_HOSTED_ZONE_IDS: Readonly<Record<string, string>> = {
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-east-2": "ZLMOA37VPKANP",
    "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G",
    "ap-south-1": "ZVDDRBQ08TROA",
    "ap-southeast-1": "ZKVM4W9LS7TM",
    "ap-southeast-2": "ZCT6FZBF4DROD",
    "ap-northeast-1": "Z31USIVHYNEOWT",
    "ca-central-1": "Z2EPGBW3API2WT",
    "eu-central-1": "Z3F0SRJ5LGBH90",
    "eu-west-1": "Z2IFOLAFXWLO4F",
    "eu-west-2": "ZD4D7Y8KGAS4G",
    "eu-west-3": "Z1CMS0P5QUZ6D5",
    "eu-north-1": "Z1UDT6IFJ4EJM",
    "sa-east-1": "ZTK26PT1VY4CU",
};

/** Why a region cannot be served (no published NLB zone id in the table), or undefined when it can. */
export function loadBalancerZoneProblem(region: string): string | undefined {
    if (NLB_HOSTED_ZONE_IDS[region]) return undefined;
    return `has no Network Load Balancer hosted zone id in components/edge/load-balancer-zones.ts, so its latency record cannot alias the region's load balancer; ` +
        `add the region's "Route 53 Hosted Zone ID (Network Load Balancers)" from https://docs.aws.amazon.com/general/latest/gr/elb.html (known: ${Object.keys(NLB_HOSTED_ZONE_IDS).join(", ")})`;
}

/** The NLB hosted zone id of a region; throws, naming the table, for a region without one. */
export function networkLoadBalancerZoneId(region: string): string {
    const problem = loadBalancerZoneProblem(region);
    if (problem) throw new Error(`${region} ${problem}`);
    return NLB_HOSTED_ZONE_IDS[region];
}
