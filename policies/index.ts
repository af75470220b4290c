/**
 * The CrossGuard policy pack, as the Pulumi CLI loads it:
 *   pulumi preview --policy-pack ./policies
 *
 * Constructing PolicyPack starts the analyzer's gRPC server and never returns, so this is the ONLY place it is
 * constructed; rules live in policies/rules/* and run engine-free through tools/policy-runner.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules/all";

new PolicyPack("ecommerce-platform", {
    policies: [...allPolicies],
    description: "Security, data-safety, tagging and cost rules for the ecommerce platform (AWS, EKS, Kubernetes).",
});
