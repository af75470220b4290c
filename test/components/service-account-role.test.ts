import { expect } from "chai";
import { ServiceAccountRole } from "../../components/service-account-role";
import { declared } from "../support/mock-runtime";

const ISSUER = "oidc.eks.ap-south-1.amazonaws.com/id/SARTEST";
const PROVIDER_ARN = `arn:aws:iam::000000000000:oidc-provider/${ISSUER}`;

/**
 * The IRSA trust is the whole boundary between a pod and the role's permissions: it must name the cluster's OIDC
 * provider, the web-identity action, exactly one service account (StringEquals on :sub) and the STS audience
 * (StringEquals on :aud, so a token minted for another audience cannot be exchanged). The mandatory rule
 * iam-irsa-trust-scoped enforces the same on every plan; this pins what the component writes.
 */
describe("components/service-account-role", () => {
    it("trusts exactly one service account, with the sts.amazonaws.com audience, through the cluster's provider", async () => {
        const registered = await declared("sartest", () => new ServiceAccountRole("sartest", {
            oidc: { providerArn: PROVIDER_ARN, providerUrl: `https://${ISSUER}` },
            namespace: "shop",
            serviceAccount: "shop-api",
        }));
        const trust = JSON.parse(String(registered.one("aws:iam/role:Role").inputs.assumeRolePolicy));
        expect(trust).to.deep.equal({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Action: "sts:AssumeRoleWithWebIdentity",
                Principal: { Federated: PROVIDER_ARN },
                Condition: {
                    StringEquals: {
                        [`${ISSUER}:sub`]: "system:serviceaccount:shop:shop-api",
                        [`${ISSUER}:aud`]: "sts.amazonaws.com",
                    },
                },
            }],
        });
    });
});
