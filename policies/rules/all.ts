/**
 * Every rule of the pack, in one list. policies/index.ts hands this list to the PolicyPack (the real analyzer);
 * tools/policy-runner.ts runs the same list without the engine. Importing this module starts nothing.
 */
import type { Policies } from "@pulumi/policy";
import { costTaggingRules } from "./cost-tagging";
import { dataRules } from "./data";
import { edgeRules } from "./edge";
import { eksRules } from "./eks";
import { iamRules } from "./iam";
import { kubernetesRules } from "./kubernetes";
import { networkRules } from "./network";

export const allPolicies: Policies = [...networkRules, ...dataRules, ...iamRules, ...eksRules, ...edgeRules, ...kubernetesRules, ...costTaggingRules];
