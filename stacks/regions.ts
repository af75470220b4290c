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

export type AwsRegion = string;

export function isAwsRegion(value: string): boolean {
    return Object.prototype.hasOwnProperty.call(AWS_REGIONS, value);
}
