import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS, ChartName } from "./catalogue";

export interface HelmReleaseArgs {
    /** Catalogue entry that pins the chart, its repository and version. */
    chart: ChartName;
    namespace: pulumi.Input<string>;
    /** Typed values built in code; they stay visible to policies and tests as the release's inputs. */
    values: pulumi.Inputs;
    /** Helm release name. Default: the Pulumi resource name. */
    releaseName?: string;
    /** Seconds Helm waits for the release to become ready. Default 600. */
    timeoutSeconds?: number;
    /** Skip the chart's crds/ directory (the CRDs are resources of their own, components/operator-crds.ts). Default false. */
    skipCrds?: boolean;
}

/**
 * A Helm v3 release of a catalogue chart. Uses `helm.v3.Release` rather than the v4 Chart because the release's
 * values remain plain inputs: the offline plan, the policy pack and the tests can all read them.
 */
export function helmRelease(name: string, args: HelmReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    const source = CHARTS[args.chart];
    return new k8s.helm.v3.Release(name, {
        name: args.releaseName ?? name,
        chart: source.chart,
        version: source.version,
        repositoryOpts: "repository" in source ? { repo: source.repository } : undefined,
        namespace: args.namespace,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        timeout: args.timeoutSeconds ?? 600,
        values: args.values,
        skipCrds: args.skipCrds,
    }, opts);
}
