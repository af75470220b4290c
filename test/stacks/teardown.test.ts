import { expect } from "chai";
import { CHARTS } from "../../components/catalogue";
import type { CapturedResource } from "../../tools/capture";
import { dependencyClosure, ofType, plannedStack, single, type PlannedStack } from "../support/plans";
import { allStacks, describe as describeResource } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const releaseOf = (stack: PlannedStack, chart: string) => ofType(stack, RELEASE).find((r) => r.inputs.chart === chart)!;
type Spec = { type?: string; ingressClassName?: string };
type Meta = { annotations?: Record<string, string> };

/** What the AWS Load Balancer Controller turns into a load balancer: its finalizer removes it only while it runs. */
function loadBalanced(stack: PlannedStack): CapturedResource[] {
    const services = ofType(stack, "kubernetes:core/v1:Service").filter((s) => (s.inputs.spec as Spec | undefined)?.type === "LoadBalancer");
    const ingresses = ofType(stack, "kubernetes:networking.k8s.io/v1:Ingress").filter((i) =>
        (i.inputs.spec as Spec | undefined)?.ingressClassName === "alb" || (i.inputs.metadata as Meta | undefined)?.annotations?.["kubernetes.io/ingress.class"] === "alb");
    const releases = ofType(stack, RELEASE).filter((r) => JSON.stringify(r.inputs.values ?? {}).includes('"type":"LoadBalancer"'));
    return [...services, ...ingresses, ...releases];
}

/**
 * `pulumi destroy` deletes in reverse dependency order: what depends on X goes before X. These checks are the order
 * the README's teardown section promises.
 */
describe("teardown: `pulumi destroy` finishes", function () {
    this.timeout(300_000);

    for (const stackName of allStacks()) {
        describe(stackName, () => {
            it("deletes every load-balanced Service, ALB Ingress and LoadBalancer-creating release before the load balancer controller (so the NLB, its ENIs and security groups go before the VPC)", () => {
                const stack = plannedStack(stackName);
                const controller = releaseOf(stack, CHARTS.awsLoadBalancerController.chart);
                const balanced = loadBalanced(stack);
                expect(balanced.map(describeResource), "Kong's release").to.have.length.greaterThan(0);
                for (const resource of balanced) expect(dependencyClosure(stack, resource).has(controller.urn), describeResource(resource)).to.equal(true);
                // The controller itself goes before the cluster and the VPC's subnets it tags load balancers into.
                const closure = dependencyClosure(stack, controller);
                expect(closure.has(single(stack, "eks:index:Cluster").urn)).to.equal(true);
            });

            it("deletes the NodePools (Karpenter drains and terminates their nodes) before their EC2NodeClasses, the Karpenter release and the cluster", () => {
                const stack = plannedStack(stackName);
                const karpenter = releaseOf(stack, CHARTS.karpenter.chart);
                const cluster = single(stack, "eks:index:Cluster");
                const nodeClasses = ofType(stack, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass");
                const pools = ofType(stack, "kubernetes:karpenter.sh/v1:NodePool");
                expect(pools).to.have.length(2);
                for (const pool of pools) {
                    const closure = dependencyClosure(stack, pool);
                    expect(closure.has(karpenter.urn), `${describeResource(pool)} after the Karpenter release`).to.equal(true);
                    expect(closure.has(cluster.urn), `${describeResource(pool)} after the cluster`).to.equal(true);
                    expect(nodeClasses.some((c) => closure.has(c.urn)), `${describeResource(pool)} after its EC2NodeClass`).to.equal(true);
                }
                for (const nodeClass of nodeClasses) expect(dependencyClosure(stack, nodeClass).has(karpenter.urn), describeResource(nodeClass)).to.equal(true);
            });

            it("lets the Kubernetes provider forget objects of a cluster that is already gone (deleteUnreachable)", () => {
                const providers = ofType(plannedStack(stackName), "pulumi:providers:kubernetes").filter((p) => !p.parent?.includes("eks:index:Cluster"));
                expect(providers).to.have.length.greaterThan(0);
                for (const provider of providers) expect(provider.inputs.deleteUnreachable, describeResource(provider)).to.equal("true");
            });
        });
    }

    it("force-deletes the image repository in dev only (prod keeps the images a rollback deploys)", () => {
        expect(single(plannedStack("dev"), "aws:ecr/repository:Repository").inputs.forceDelete).to.equal(true);
        expect(single(plannedStack("prod"), "aws:ecr/repository:Repository").inputs.forceDelete).to.equal(false);
    });
});
