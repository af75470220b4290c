import { expect } from "chai";
import { EKS_AMI_ALIASES, EKS_KUBERNETES_VERSIONS, kubernetesMinor } from "../../components/catalogue";
import { stackFileSettings } from "../../tools/check-upgrade";
import { allStacks } from "../support/stacks";

/** Kubernetes upgrades go dev first: the stack files in the repo say which version each environment runs. */
describe("stacks: Kubernetes upgrade order", () => {
    const versions = Object.fromEntries(allStacks().map((stack) => [stack, stackFileSettings(stack).kubernetesVersion]));

    it("runs no prod stack ahead of dev, nor more than one minor behind it", () => {
        const dev = kubernetesMinor(versions.dev);
        for (const [stack, version] of Object.entries(versions).filter(([name]) => name.startsWith("prod"))) {
            expect(kubernetesMinor(version), `${stack} ${version} vs dev ${versions.dev}`).to.be.within(dev - 1, dev);
        }
    });

    it("boots Karpenter nodes from an AMI release built after each stack's Kubernetes version reached EKS", () => {
        // al2023@vYYYYMMDD names a release, not a Kubernetes version: Karpenter looks that release up for the cluster's
        // own version, so nodes follow the control plane; the release must exist for that version.
        for (const [pool, alias] of Object.entries(EKS_AMI_ALIASES)) {
            const day = /^al2023@v(\d{4})(\d{2})(\d{2})$/.exec(alias);
            expect(day, `${pool} ${alias}`).to.not.equal(null);
            for (const [stack, version] of Object.entries(versions)) {
                const built = `${day![1]}-${day![2]}-${day![3]}`;
                expect(built > EKS_KUBERNETES_VERSIONS[version].released, `${pool} AMI ${built} for ${stack} ${version}`).to.equal(true);
            }
        }
    });
});
