import { EKS_UNSUPPORTED_ZONE_IDS } from "../components/availability-zones";

/**
 * The commercial AWS regions (opt-in ones included) with the number of availability zones a new account can use.
 * A typo such as "ap-south1" is caught here, before any resource is declared, instead of failing mid-deploy.
 * Source: AWS "Regions and Zones" documentation, checked 2026-11-26.
 */
export const AWS_REGIONS: Readonly<Record<string, number>> = {
    "us-east-1": 6, "us-east-2": 3, "us-west-1": 2, "us-west-2": 4,
    "af-south-1": 3, "ap-east-1": 3, "ap-east-2": 3, "ap-south-1": 3, "ap-south-2": 3,
    "ap-southeast-1": 3, "ap-southeast-2": 3, "ap-southeast-3": 3, "ap-southeast-4": 3, "ap-southeast-5": 3,
    "ap-southeast-7": 3, "ap-northeast-1": 3, "ap-northeast-2": 4, "ap-northeast-3": 3,
    "ca-central-1": 3, "ca-west-1": 3, "eu-central-1": 3, "eu-central-2": 3, "eu-west-1": 3, "eu-west-2": 3,
    "eu-west-3": 3, "eu-south-1": 3, "eu-south-2": 3, "eu-north-1": 3, "il-central-1": 3, "me-south-1": 3,
    "me-central-1": 3, "mx-central-1": 3, "sa-east-1": 3,
};

/**
 * Zone ids of the regions where EKS refuses one (EKS_UNSUPPORTED_ZONE_IDS): the set is the same in every account (AWS
 * RAM User Guide, "Availability Zone IDs"), the names are not. New accounts no longer see usw1-az2 or cac1-az3, so a
 * new account's us-west-1 has 2 zones and ca-central-1 3, all of them usable by EKS; us-east-1 has 6, EKS uses 5.
 */
const ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
    "us-east-1": ["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6"],
    "us-west-1": ["usw1-az1", "usw1-az3"],
    "ca-central-1": ["cac1-az1", "cac1-az2", "cac1-az4"],
};

/** How many zones of the region an EKS cluster may have subnets in (what availabilityZoneCount may ask for). */
export function eksZoneCount(region: string): number {
    const refused = EKS_UNSUPPORTED_ZONE_IDS[region] ?? [];
    const ids = ZONE_IDS[region];
    if (!ids) {
        if (refused.length > 0) throw new Error(`stacks/regions.ts: ${region} has zones EKS refuses (${refused.join(", ")}) but no zone id list`);
        return AWS_REGIONS[region] ?? 3;
    }
    return ids.filter((id) => !refused.includes(id)).length;
}

export type AwsRegion = string;

export function isAwsRegion(value: string): boolean {
    return Object.prototype.hasOwnProperty.call(AWS_REGIONS, value);
}
