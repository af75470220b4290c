/**
 * The availability zones of the mock account: what EC2 DescribeAvailabilityZones (aws.getAvailabilityZones) answers,
 * and which of them EKS refuses for a cluster's subnets.
 *
 * Zone ids name the same physical zone in every account; AWS maps the zone names (us-east-1a...) to them at random per
 * account ("Availability Zone IDs for your AWS resources", AWS RAM User Guide). So the id set per region is fixed and
 * the name -> id mapping below is one account's. The sets are those a new account sees (usw1-az2 and cac1-az3 exist
 * only for older accounts; us-west-1 then shows two names, a and c). Mappings for ap-south-1, us-west-1, ca-central-1
 * and eu-west-1 as one published account's (skypilot-org/skypilot tests/conftest.py, 2025); us-east-1 is permuted so
 * that the EKS-unsupported use1-az3 is among the first three names, as it can be in a real account: a program that
 * takes "the first three zones" must not pass there by luck.
 */
const ZONES: Record<string, [name: string, zoneId: string][]> = {
    "us-east-1": [["us-east-1a", "use1-az6"], ["us-east-1b", "use1-az3"], ["us-east-1c", "use1-az1"], ["us-east-1d", "use1-az4"], ["us-east-1e", "use1-az2"], ["us-east-1f", "use1-az5"]],
    "us-west-1": [["us-west-1a", "usw1-az1"], ["us-west-1c", "usw1-az3"]],
    "ca-central-1": [["ca-central-1a", "cac1-az1"], ["ca-central-1b", "cac1-az2"], ["ca-central-1d", "cac1-az4"]],
    "ap-south-1": [["ap-south-1a", "aps1-az1"], ["ap-south-1b", "aps1-az3"], ["ap-south-1c", "aps1-az2"]],
    "eu-west-1": [["eu-west-1a", "euw1-az3"], ["eu-west-1b", "euw1-az1"], ["eu-west-1c", "euw1-az2"]],
};

/** Zones a new account sees in regions without an id table above (AWS "Regions and Zones"); most have three. */
const ZONE_COUNTS: Record<string, number> = { "us-west-2": 4, "ap-northeast-2": 4 };

/**
 * Zone ids where EKS refuses a cluster's subnets with UnsupportedAvailabilityZoneException (Amazon EKS User Guide,
 * "View Amazon EKS networking requirements for VPC and subnets", Subnet requirements for clusters; awsdocs/
 * amazon-eks-user-guide latest/ug/networking/network-reqs.adoc, read 2026-12). The cloud's own copy: the program
 * keeps its table in components/availability-zones.ts (tools never import the program); a test holds them equal.
 */
export const EKS_REFUSED_ZONE_IDS: readonly string[] = ["use1-az3", "usw1-az2", "cac1-az3"];

export interface Zone { name: string; zoneId: string; state: string; optInStatus: string; zoneType: string; groupName: string; regionName: string }

/** Every availability zone of the region, in name order. */
export function zonesOf(region: string): Zone[] {
    const table = ZONES[region] ?? Array.from({ length: ZONE_COUNTS[region] ?? 3 }, (_, i): [string, string] => [`${region}${"abcdef"[i]}`, `mock-${region}-az${i + 1}`]);
    return table.map(([name, zoneId]) => ({ name, zoneId, state: "available", optInStatus: "opt-in-not-required", zoneType: "availability-zone", groupName: region, regionName: region }));
}

/** DescribeAvailabilityZones filter names (EC2 API reference) and the zone field each one matches. */
const FILTERS: Record<string, (zone: Zone) => string> = {
    "group-name": (z) => z.groupName,
    "opt-in-status": (z) => z.optInStatus,
    "region-name": (z) => z.regionName,
    "state": (z) => z.state,
    "zone-id": (z) => z.zoneId,
    "zone-name": (z) => z.name,
    "zone-type": (z) => z.zoneType,
};

interface Filter { name: string; values: string[] }

/**
 * aws.getAvailabilityZones as the provider answers it: DescribeAvailabilityZones with `state` and `filters` (a zone
 * must match one value of every filter; an unknown filter name is EC2's InvalidParameterValue), then the provider
 * drops `excludeNames` and `excludeZoneIds` (terraform-provider-aws, data source aws_availability_zones).
 */
export function getAvailabilityZones(inputs: Record<string, unknown>, defaultRegion: string): Record<string, unknown> {
    const region = typeof inputs.region === "string" ? inputs.region : defaultRegion;
    const filters: Filter[] = [...((inputs.filters as Filter[] | undefined) ?? [])];
    if (typeof inputs.state === "string") filters.push({ name: "state", values: [inputs.state] });
    const excludeNames = new Set((inputs.excludeNames as string[] | undefined) ?? []);
    const excludeIds = new Set((inputs.excludeZoneIds as string[] | undefined) ?? []);
    const zones = zonesOf(region).filter((zone) => filters.every((filter) => {
        const field = FILTERS[filter.name];
        if (!field) throw new Error(`InvalidParameterValue: The filter '${filter.name}' is invalid`);
        return filter.values.includes(field(zone));
    })).filter((zone) => !excludeNames.has(zone.name) && !excludeIds.has(zone.zoneId));
    return {
        ...inputs,
        id: region,
        region,
        names: zones.map((z) => z.name),
        zoneIds: zones.map((z) => z.zoneId),
        groupNames: [...new Set(zones.map((z) => z.groupName))],
    };
}

/**
 * EKS CreateCluster refuses subnets in a zone it does not support with UnsupportedAvailabilityZoneException, worded
 * as EKS words it (the message users report, e.g. aws-samples/aws-deeplearning-labs#1, eksctl-io/eksctl#817).
 * Undefined when every subnet's zone is supported.
 */
export function eksZoneRefusal(clusterName: string, region: string, subnetZones: { name: string; zoneId: string }[]): string | undefined {
    const refused = subnetZones.find((zone) => EKS_REFUSED_ZONE_IDS.includes(zone.zoneId));
    if (!refused) return undefined;
    const valid = zonesOf(region).filter((zone) => !EKS_REFUSED_ZONE_IDS.includes(zone.zoneId)).map((zone) => zone.name);
    return `UnsupportedAvailabilityZoneException: Cannot create cluster '${clusterName}' because ${refused.name}, the targeted availability zone, does not currently have sufficient capacity to support the cluster. Retry and choose from these availability zones: ${valid.join(", ")}`;
}
