import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { join } from "node:path";
import type { CapturedResource } from "../../tools/capture";
import { pairOwner, peerProblem } from "../../stacks/region-mesh";
import { parsePlatformConfig, type RawConfig } from "../../stacks/config";
import { readStackSettings } from "../../tools/stack-config";
import { projectStacks, SELF_MANAGED_ORGANIZATION } from "../../tools/stack-references";
import { ofType, plannedStack, runPlan, withStackFile, type PlannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

const ROOT = join(__dirname, "..", "..");
const PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection";
const ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter";
const OPTIONS = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions";
const ROUTE = "aws:ec2/route:Route";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const PROD = ["prod", "prod-us-east-1", "prod-eu-west-1"];

const served = (stack: string) => projectStacks(ROOT, "ecommerce-platform", SELF_MANAGED_ORGANIZATION).outputsOf(`organization/ecommerce-platform/${stack}`);
const peersOf = (stack: string): string[] => JSON.parse(readStackSettings(stack, ROOT).config["ecommerce-platform:peerStacks"] ?? "[]");
const exported = (planned: PlannedStack) => ofType(planned, "pulumi:pulumi:Stack")[0].outputs as Record<string, unknown>;
/** The peering component a plan holds for one peer (named <environment>-peering-<peer>). */
const peeringsOf = (planned: PlannedStack) => ofType(planned, "ecommerce:network:RegionPeering").map((c) => c.urn.split("::").pop()!.replace(/^prod-peering-/, ""));
const under = (planned: PlannedStack, peer: string, type: string) => ofType(planned, type).filter((r) => r.parent?.endsWith(`::prod-peering-${peer}`));
const providerRegion = (planned: PlannedStack, resource: CapturedResource) => {
    const urn = (resource.provider ?? "").split("::").slice(0, -1).join("::");
    return planned.resources.find((r) => r.urn === urn)?.inputs.region;
};

describe("stacks: the prod regions' private network mesh (VPC peering)", function () {
    this.timeout(600_000);

    it("pairs have exactly one owner whichever stack evaluates them: never the edge owner, else the later name", () => {
        expect(pairOwner("prod", "prod-us-east-1", "prod")).to.equal("prod-us-east-1");
        expect(pairOwner("prod-us-east-1", "prod", "prod")).to.equal("prod-us-east-1");
        expect(pairOwner("prod-eu-west-1", "prod-us-east-1", "prod")).to.equal("prod-us-east-1");
        expect(pairOwner("prod-us-east-1", "prod-eu-west-1", "prod")).to.equal("prod-us-east-1");
    });

    it("every prod stack lists every other prod stack (a full mesh), dev none", () => {
        for (const stack of PROD) expect(peersOf(stack).sort(), stack).to.deep.equal(PROD.filter((s) => s !== stack).sort());
        for (const stack of allStacks().filter((s) => !PROD.includes(s))) expect(peersOf(stack), stack).to.deep.equal([]);
    });

    it("each pair of prod stacks is peered exactly once across all plans, by its owner; dev peers with nothing", () => {
        const pairs = new Map<string, string[]>();
        for (const stack of allStacks()) {
            for (const peer of peeringsOf(plannedStack(stack))) {
                const key = [stack, peer].sort().join(" + ");
                pairs.set(key, [...(pairs.get(key) ?? []), stack]);
            }
        }
        expect(Object.fromEntries(pairs)).to.deep.equal({
            "prod + prod-us-east-1": ["prod-us-east-1"],
            "prod + prod-eu-west-1": ["prod-eu-west-1"],
            "prod-eu-west-1 + prod-us-east-1": ["prod-us-east-1"],
        });
        expect(ofType(plannedStack("dev"), PEERING)).to.deep.equal([]);
    });

    for (const stack of ["prod-us-east-1", "prod-eu-west-1"]) {
        describe(stack, () => {
            for (const peer of peeringsOf(plannedStack(stack))) {
                it(`peers with ${peer}: requester here, accepted in ${peer}'s region, DNS resolution on both sides`, () => {
                    const planned = plannedStack(stack);
                    const [connection] = under(planned, peer, PEERING);
                    expect(connection.inputs).to.include({ peerVpcId: served(peer).vpcId, peerRegion: served(peer).awsRegion, autoAccept: false });
                    expect(providerRegion(planned, connection)).to.equal(exported(planned).awsRegion);
                    const [accepter] = under(planned, peer, ACCEPTER);
                    expect(accepter.inputs.autoAccept).to.equal(true);
                    expect(providerRegion(planned, accepter)).to.equal(served(peer).awsRegion);
                    const options = under(planned, peer, OPTIONS);
                    expect(options.map((o) => [providerRegion(planned, o), o.inputs.requester ?? o.inputs.accepter])).to.have.deep.members([
                        [exported(planned).awsRegion, { allowRemoteVpcDnsResolution: true }],
                        [served(peer).awsRegion, { allowRemoteVpcDnsResolution: true }],
                    ]);
                });

                it(`routes exactly the other side's private subnets through the peering, in every private route table of both sides (${peer})`, () => {
                    const planned = plannedStack(stack);
                    const routes = under(planned, peer, ROUTE);
                    const mine = exported(planned);
                    const theirs = served(peer);
                    const table = (tables: unknown, cidrs: unknown) => (tables as string[]).flatMap((t) => (cidrs as string[]).map((c) => `${t} -> ${c}`)).sort();
                    const [connection] = under(planned, peer, PEERING);
                    expect(routes.every((r) => r.inputs.vpcPeeringConnectionId === connection.id)).to.equal(true);
                    expect(routes.filter((r) => providerRegion(planned, r) === mine.awsRegion).map((r) => `${r.inputs.routeTableId} -> ${r.inputs.destinationCidrBlock}`).sort())
                        .to.deep.equal(table(mine.privateRouteTableIds, theirs.privateSubnetCidrs));
                    expect(routes.filter((r) => providerRegion(planned, r) === theirs.awsRegion).map((r) => `${r.inputs.routeTableId} -> ${r.inputs.destinationCidrBlock}`).sort())
                        .to.deep.equal(table(theirs.privateRouteTableIds, mine.privateSubnetCidrs));
                });

                it(`both databases admit PostgreSQL, and both replication NLBs Kafka, from the other side's private subnets only (${peer})`, () => {
                    const planned = plannedStack(stack);
                    const mine = exported(planned);
                    const theirs = served(peer);
                    const rules = under(planned, peer, INGRESS).map((r) => `${r.inputs.securityGroupId} ${r.inputs.ipProtocol}/${r.inputs.fromPort}-${r.inputs.toPort} from ${r.inputs.cidrIpv4}`);
                    const admit = (group: unknown, port: number, cidrs: unknown) => (cidrs as string[]).map((c) => `${group} tcp/${port}-${port} from ${c}`);
                    expect(rules.sort()).to.deep.equal([
                        ...admit(mine.databaseSecurityGroupId, 5432, theirs.privateSubnetCidrs),
                        ...admit(theirs.databaseSecurityGroupId, 5432, mine.privateSubnetCidrs),
                        ...admit(mine.kafkaReplicationSecurityGroupId, 9095, theirs.privateSubnetCidrs),
                        ...admit(theirs.kafkaReplicationSecurityGroupId, 9095, mine.privateSubnetCidrs),
                    ].sort());
                });
            }
        });
    }

    it("providers for other regions (peers' accepters, routes and rules; replicated backups) configure without that region's STS; the stack's own provider still validates", () => {
        // A promoted stack's `up` must configure them with the old primary's region lost (README, "Failover").
        const skips = ["skipCredentialsValidation", "skipRequestingAccountId", "skipMetadataApiCheck", "skipRegionValidation"];
        const flags = (provider: CapturedResource) => skips.filter((flag) => String(provider.inputs[flag]) === "true");
        const remote: string[] = [];
        for (const stack of PROD) {
            const providers = ofType(plannedStack(stack), "pulumi:providers:aws");
            const named = (name: string) => providers.filter((p) => p.urn.endsWith(`::${name}`));
            for (const provider of providers.filter((p) => /::prod-aws-(prod|backups-)/.test(p.urn))) {
                expect(flags(provider), provider.urn).to.deep.equal(skips);
                expect(provider.inputs.defaultTags, provider.urn).to.not.equal(undefined);
                remote.push(provider.urn.split("::").pop()!);
            }
            expect(named("prod-aws"), stack).to.have.length(1);
            expect(flags(named("prod-aws")[0]).filter((f) => f === "skipCredentialsValidation" || f === "skipRequestingAccountId"), `${stack}: its own region's provider checks the credentials`).to.deep.equal([]);
        }
        expect(remote, "both kinds are planned somewhere").to.satisfy((names: string[]) => names.some((n) => n.startsWith("prod-aws-backups-")) && names.some((n) => /^prod-aws-prod/.test(n)));
    });

    it("the Kafka replication NLBs' security group opens nothing else: no ingress of its own, egress only to the private subnets on 9095", () => {
        const planned = plannedStack("prod");
        const group = ofType(planned, "aws:ec2/securityGroup:SecurityGroup").find((g) => g.urn.endsWith("::prod-kafka-replication-sg"))!;
        expect(group.inputs.ingress ?? []).to.deep.equal([]);
        expect(ofType(planned, INGRESS).filter((r) => r.inputs.securityGroupId === group.id)).to.deep.equal([]);
        const egress = ofType(planned, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === group.id);
        expect(egress.map((r) => `${r.inputs.cidrIpv4} ${r.inputs.fromPort}-${r.inputs.toPort}`)).to.deep.equal(
            (exported(planned).privateSubnetCidrs as string[]).map((c) => `${c} 9095-9095`));
    });

    it("a peer of another environment, or whose VPC overlaps this one, is refused naming peerStacks (AWS refuses to peer overlapping ranges)", () => {
        const config = parsePlatformConfig({
            project: "ecommerce-platform", stack: "prod-eu-west-1", region: "eu-west-1",
            values: { environment: "prod", vpcCidr: "10.2.0.0/16", domain: "shop.example.com", edgeStack: "prod", peerStacks: JSON.stringify(["prod"]) },
            secrets: { keycloakAdminPassword: pulumi.secret("x"), grafanaAdminPassword: pulumi.secret("x") }, keys: [], emptySecrets: [], plaintextSecrets: [],
        } as RawConfig);
        expect(peerProblem(config, "prod", "prod", "10.0.0.0/16")).to.equal(undefined);
        expect(peerProblem(config, "prod", "prod", "10.2.128.0/17")).to.equal("ecommerce-platform:peerStacks: prod has vpcCidr 10.2.128.0/17, which overlaps this stack's 10.2.0.0/16; AWS refuses to peer overlapping VPCs");
        expect(peerProblem(config, "dev", "dev", "10.20.0.0/16")).to.equal("ecommerce-platform:peerStacks: dev is a dev stack; only stacks of one environment (prod) are peered");
    });

    it("a secondary whose primary has no mirror user for it stops the plan, naming what to do", () => {
        const body = "config:\n  aws:region: eu-central-1\n  ecommerce-platform:environment: prod\n  ecommerce-platform:vpcCidr: 10.3.0.0/16\n" +
            "  ecommerce-platform:domain: shop.example.com\n  ecommerce-platform:edgeStack: prod\n  ecommerce-platform:peerStacks: [prod]\n" +
            "  ecommerce-platform:keycloakAdminPassword:\n    secure: v1:placeholder\n  ecommerce-platform:grafanaAdminPassword:\n    secure: v1:placeholder\n";
        const run = withStackFile(body, (stack) => ({ stack, ...runPlan(stack) }));
        expect(run.exitCode).to.equal(2);
        expect(run.stderr).to.include(`ecommerce-platform:peerStacks: prod has no Kafka mirror user for ${run.stack}; add ${run.stack} to its peerStacks and run its \`pulumi up\` first`);
    });
});
