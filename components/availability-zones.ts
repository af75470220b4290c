import * as pulumi from "@pulumi/pulumi";
import { getAvailabilityZones } from "@pulumi/aws/getAvailabilityZones";

/**
 * Zone ids where EKS refuses a cluster's subnets (CreateCluster fails with UnsupportedAvailabilityZoneException).
 * Source: Amazon EKS User Guide, "View Amazon EKS networking requirements for VPC and subnets", Subnet requirements
 * for clusters, table "Disallowed Availability Zone IDs" (awsdocs/amazon-eks-user-guide
 * latest/ug/networking/network-reqs.adoc, read 2026-12). Ids, never names: AWS maps zone names to ids per account.
 */
export const EKS_UNSUPPORTED_ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
    "us-east-1": ["use1-az3"],
    "us-west-1": ["usw1-az2"],
    "ca-central-1": ["cac1-az3"],
};

/**
 * The names of the first `count` zones of the provider's region where EKS may place a cluster: available zones only
 * (no Local or Wavelength Zones, which are opt-in), without the zone ids EKS refuses. Names, because awsx takes
 * zone names; they differ per account, so only this lookup (an invoke, answered in a preview too) can know them.
 */
export function eksAvailabilityZoneNames(count: number, opts: pulumi.InvokeOptions): Promise<string[]> {
    return getAvailabilityZones({
        state: "available",
        excludeZoneIds: Object.values(EKS_UNSUPPORTED_ZONE_IDS).flat(),
        filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    }, opts).then((zones) => {
        if (zones.names.length < count) {
            throw new Error(`the region has ${zones.names.length} availability zones where EKS may place a cluster (${zones.names.join(", ")}), fewer than the ${count} asked for`);
        }
        return zones.names.slice(0, count);
    });
}
