import { expect } from "chai";
import { plannedStack, runPlan, withStackFile } from "../support/plans";

describe("tools/plan (CONTRACT: npm run plan -- <stack> [--out FILE] [--report FILE])", function () {
    this.timeout(180_000);

    it("exits 2 on a bad stack config with a one-line message naming the key", () => {
        withStackFile("config:\n  aws:region: ap-south-1\n  ecommerce-platform:environment: dev\n  ecommerce-platform:vpcCidr: 10.1.0.0/16\n  ecommerce-platform:domain: dev.shop.example.com\n" +
            "  ecommerce-platform:clusterPublicAccessCidrs: []\n  ecommerce-platform:systemNodeMinSize: 9\n  ecommerce-platform:keycloakAdminPassword:\n    secure: v1:x\n", (stack) => {
            const run = runPlan(stack);
            expect(run.exitCode).to.equal(2);
            expect(run.stderr.trim().split("\n")).to.have.length(1);
            expect(run.stderr).to.include("ecommerce-platform:systemNodeMinSize: 9 is above systemNodeMaxSize 3");
        });
    });

    it("exits 2 when a required key is missing, with the Pulumi CLI's message naming every missing key", () => {
        withStackFile("config:\n  aws:region: eu-west-1\n  ecommerce-platform:environment: dev\n", (stack) => {
            const run = runPlan(stack);
            expect(run.exitCode).to.equal(2);
            expect(run.stderr).to.include(`validating stack config: Stack '${stack}' is missing configuration values ` +
                "'ecommerce-platform:domain', 'ecommerce-platform:keycloakAdminPassword' and 'ecommerce-platform:vpcCidr'");
        });
    });

    describe("config as strict as Pulumi: exit 2 with one line naming the key", () => {
        /** A valid dev stack with `lines` added (or replacing the keycloak secret when they set it). */
        const stackWith = (lines: string, zones = "") => "config:\n  aws:region: ap-south-1\n  ecommerce-platform:environment: dev\n  ecommerce-platform:domain: dev.shop.example.com\n" +
            `  ecommerce-platform:vpcCidr: ${zones || "10.1.0.0/16"}\n  ecommerce-platform:clusterPublicAccessCidrs: []\n` +
            (lines.includes("keycloakAdminPassword") ? "" : "  ecommerce-platform:keycloakAdminPassword:\n    secure: v1:x\n") + lines;
        const cases: [string, string, string][] = [
            // [what, stack file, message on stderr]
            ["a misspelt key (the Pulumi CLI lets it through; the program does not), other namespaces untouched",
                stackWith("  aws:skipMetadataApiCheck: false\n  ecommerce-platform:dbMultiAZ: true\n"),
                "plan: invalid stack config: ecommerce-platform:dbMultiAZ: is not a key this program reads; did you mean dbMultiAz?"],
            ["a secret typed in Pulumi.yaml, written in plain text (the CLI's own refusal)",
                stackWith("  ecommerce-platform:keycloakAdminPassword: hunter2\n"),
                "with configuration key 'ecommerce-platform:keycloakAdminPassword' must be encrypted as it's secret"],
            ["a secret Pulumi.yaml cannot type, written in plain text (the program's refusal)",
                stackWith("  ecommerce-platform:grafanaAdminPassword: hunter2\n"),
                "ecommerce-platform:grafanaAdminPassword: must be encrypted as it's secret"],
            ["an empty secret",
                stackWith("  ecommerce-platform:keycloakAdminPassword:\n    secure: \"\"\n"),
                "ecommerce-platform:keycloakAdminPassword: the secure value is empty"],
            ["a value of the wrong type for a typed key (the CLI's check)",
                stackWith("  ecommerce-platform:availabilityZoneCount: three\n"),
                "with configuration key 'ecommerce-platform:availabilityZoneCount' must be of type 'integer'"],
            ["a value of the wrong type for a profile key (the program's check)",
                stackWith("  ecommerce-platform:karpenterCpuLimit: lots\n"),
                "ecommerce-platform:karpenterCpuLimit: expected an integer, got \"lots\""],
            ["a VPC awsx cannot lay the subnets out in",
                stackWith("  ecommerce-platform:availabilityZoneCount: 3\n", "10.1.0.0/20"),
                "ecommerce-platform:vpcCidr: 10.1.0.0/20 with ecommerce-platform:availabilityZoneCount 3 cannot hold the subnets"],
        ];
        for (const [what, body, message] of cases) {
            it(what, () => {
                withStackFile(body, (stack) => {
                    const run = runPlan(stack);
                    expect(run.exitCode, run.stderr || run.stdout.slice(-500)).to.equal(2);
                    expect(run.stderr.trim().split("\n")).to.have.length(1);
                    expect(run.stderr).to.include(message);
                    expect(run.stderr).to.not.include("skipMetadataApiCheck");
                });
            });
        }
    });

    it("plans the shipped stacks with exit 0", () => {
        expect(plannedStack("dev").exitCode).to.equal(0);
        expect(plannedStack("prod").exitCode).to.equal(0);
    });

    it("writes URNs as the engine generates them: no root stack type in a top-level resource's type chain", () => {
        const planned = plannedStack("dev");
        const stack = planned.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
        const topLevel = planned.resources.filter((r) => r.parent === stack.urn);
        expect(topLevel.length).to.be.greaterThan(5);
        for (const resource of topLevel) expect(resource.urn, resource.urn).to.equal(`urn:pulumi:dev::ecommerce-platform::${resource.type}::${resource.urn.split("::").pop()}`);
        expect(planned.resources.some((r) => r.urn.includes("pulumi:pulumi:Stack$"))).to.equal(false);
    });

    it("tells the deployer that a private EKS endpoint must be reachable from where `pulumi up` runs", () => {
        const planned = plannedStack("dev");
        expect(planned.stdout).to.include("Before a real deploy:").and.to.include("the EKS API endpoint is private");
    });

    it("exits 2 for a stack that has no stack file, and for an unknown option", () => {
        expect(runPlan("no-such-stack").exitCode).to.equal(2);
        expect(runPlan("dev", ["--frobnicate"]).exitCode).to.equal(2);
    });

    it("writes a stack export with real type tokens and a report with counts by type", () => {
        const prod = plannedStack("prod");
        expect(prod.resources[0].type).to.equal("pulumi:pulumi:Stack");
        expect(prod.report.byType["aws:rds/instance:Instance"]).to.equal(1);
        expect(prod.report.resources).to.equal(prod.resources.length);
        expect(prod.report.violations).to.be.an("array");
    });

    it("prints resources by component and the policy verdict", () => {
        const prod = plannedStack("prod");
        expect(prod.stdout).to.match(/Resources by component:/);
        expect(prod.stdout).to.match(/prod-cluster \(ecommerce:kubernetes:Cluster\)/);
        expect(prod.stdout).to.match(/Policy pack:/);
    });

    it("never writes a secret's value: secure config stays a secret in the export", () => {
        const prod = plannedStack("prod");
        const text = JSON.stringify(prod.resources);
        expect(text).to.not.include("offline-placeholder-for-");
        const stack = prod.resources.find((r) => r.type === "pulumi:pulumi:Stack");
        expect(JSON.stringify(stack?.outputs.kubeconfig)).to.include("1b47061264138c4ac30d75fd1eb44270");
    });

    it("reports the key names, never the values, of secret maps the export hides (a Secret's stringData)", () => {
        const prod = plannedStack("prod");
        const grafana = prod.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name: string }).name === "grafana-admin")!;
        expect(JSON.stringify(grafana.inputs.stringData)).to.include("ciphertext");
        expect(prod.report.secretKeys[grafana.urn]).to.deep.equal({ stringData: ["admin-password", "admin-user"] });
        expect(JSON.stringify(prod.report)).to.not.include("offline-placeholder-for-");
    });

    it("expands the awsx Vpc and eks Cluster into the AWS resources their providers create, under the components", () => {
        const prod = plannedStack("prod");
        const only = (type: string) => prod.resources.filter((r) => r.type === type);
        const [vpcComponent] = only("awsx:ec2:Vpc");
        const [eksComponent] = only("eks:index:Cluster");
        // As the engine reports a multi-language component: no inputs; outputs only what it registers.
        expect(vpcComponent.inputs).to.deep.equal({});
        expect(vpcComponent.outputs).to.deep.equal({});
        expect(eksComponent.inputs).to.deep.equal({});
        expect(eksComponent.outputs.oidcProviderUrl).to.match(/^https:\/\/oidc\.eks\.ap-south-1\.amazonaws\.com\/id\//);
        expect(eksComponent.outputs.oidcIssuer).to.equal(String(eksComponent.outputs.oidcProviderUrl).replace("https://", ""));

        const [vpc] = only("aws:ec2/vpc:Vpc");
        expect(vpc.parent).to.equal(vpcComponent.urn);
        expect(only("aws:ec2/subnet:Subnet").map((s) => s.inputs.cidrBlock)).to.deep.equal(
            ["10.0.0.0/22", "10.0.32.0/19", "10.0.64.0/22", "10.0.96.0/19", "10.0.128.0/22", "10.0.160.0/19"]);
        expect(only("aws:ec2/natGateway:NatGateway")).to.have.length(3);
        expect(plannedStack("dev").resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway")).to.have.length(1);
        const [cluster] = only("aws:eks/cluster:Cluster");
        expect(cluster.parent).to.equal(eksComponent.urn);
        // The children use the stack's aws provider (passed on explicitly), so they carry its default tags.
        for (const child of [vpc, cluster]) {
            expect(child.provider).to.match(/pulumi:providers:aws::prod-aws::/);
            expect(child.inputs.tagsAll).to.include({ environment: "prod", "cost-centre": "ecommerce" });
        }
    });

    it("never hands awsx a layout it would refuse: a VPC too small for its zones stops at config, naming vpcCidr", () => {
        // The mock VPC refuses what awsx refuses (test/tools/models/awsx-vpc.test.ts); the program sizes subnets from
        // the VPC and zone count and refuses, before any resource, what no sizing can fit.
        withStackFile("config:\n  aws:region: ap-south-1\n  ecommerce-platform:environment: dev\n  ecommerce-platform:vpcCidr: 10.1.0.0/20\n  ecommerce-platform:domain: dev.shop.example.com\n" +
            "  ecommerce-platform:availabilityZoneCount: 3\n  ecommerce-platform:clusterPublicAccessCidrs: []\n  ecommerce-platform:keycloakAdminPassword:\n    secure: v1:x\n", (stack) => {
            const run = runPlan(stack);
            expect(run.exitCode).to.equal(2);
            expect(run.stderr).to.match(/vpcCidr/).and.to.match(/availabilityZoneCount/);
        });
    });
});
