import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readStackSettings, secretPlaceholder } from "../../tools/stack-config";

/**
 * tools/stack-config.ts models what `pulumi preview`/`pulumi up` check before the program runs
 * (pulumi/pulumi pkg/workspace/config.go, ValidateStackConfigAndApplyProjectConfig). Each case is a project of its
 * own in a temporary directory, with the CLI's own message.
 */
const PROJECT = `name: shop
runtime: nodejs
config:
  shop:zones:
    type: integer
    default: 3
  shop:cidrs:
    type: array
    items:
      type: string
  shop:password:
    type: string
    secret: true
  shop:untyped:
    secret: true
    default: ""
`;

function settings(stackYaml: string, projectYaml = PROJECT) {
    const dir = mkdtempSync(join(tmpdir(), "stack-config-"));
    try {
        writeFileSync(join(dir, "Pulumi.yaml"), projectYaml);
        writeFileSync(join(dir, "Pulumi.dev.yaml"), stackYaml);
        return readStackSettings("dev", dir);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

const VALID = "config:\n  shop:cidrs: [\"10.0.0.0/8\"]\n  shop:password:\n    secure: v1:abc:def\n";

describe("tools/stack-config (the CLI's stack config validation)", () => {
    it("applies defaults, keeps other namespaces, and replaces secure values by secret placeholders", () => {
        const read = settings(`${VALID}  aws:region: eu-west-1\n  shop:typo: 1\n`);
        expect(read.config).to.include({ "shop:zones": "3", "shop:cidrs": "[\"10.0.0.0/8\"]", "aws:region": "eu-west-1", "shop:typo": "1", "shop:untyped": "" });
        expect(read.config["shop:password"]).to.equal(secretPlaceholder("shop:password"));
        expect(read.secretKeys).to.deep.equal(["shop:password"]);
    });

    it("reports every missing key of the project namespace that has neither default nor value, in one message", () => {
        expect(() => settings("config: {}\n")).to.throw("validating stack config: Stack 'dev' is missing configuration values 'shop:cidrs' and 'shop:password'");
    });

    it("refuses a plain-text value for a typed secret key", () => {
        expect(() => settings("config:\n  shop:cidrs: []\n  shop:password: hunter2\n"))
            .to.throw("validating stack config: Stack 'dev' with configuration key 'shop:password' must be encrypted as it's secret");
    });

    it("does not judge a secret key without a type, as the CLI does not (the program must)", () => {
        expect(settings(`${VALID}  shop:untyped: hunter2\n`).config["shop:untyped"]).to.equal("hunter2");
    });

    it("refuses values of the wrong type, naming the key and the type", () => {
        expect(() => settings(`${VALID}  shop:zones: three\n`)).to.throw("Stack 'dev' with configuration key 'shop:zones' must be of type 'integer'");
        expect(() => settings(`${VALID}  shop:zones: 2.5\n`)).to.throw("must be of type 'integer'");
        expect(() => settings("config:\n  shop:cidrs: 10.0.0.0/8\n  shop:password:\n    secure: v1:abc:def\n")).to.throw("with configuration key 'shop:cidrs' must be of type 'array<string>'");
        expect(() => settings("config:\n  shop:cidrs: [1, 2]\n  shop:password:\n    secure: v1:abc:def\n")).to.throw("must be of type 'array<string>'");
        expect(settings(`${VALID}  shop:zones: "4"\n`).config["shop:zones"]).to.equal("4");
    });

    it("refuses a secure value with no ciphertext, which no secrets provider can decrypt", () => {
        expect(() => settings("config:\n  shop:cidrs: []\n  shop:password:\n    secure: \"\"\n")).to.throw(/shop:password: the secure value is empty/);
    });

    it("validates Pulumi.yaml's config block as the CLI does", () => {
        expect(() => settings(VALID, "name: shop\nconfig:\n  shop:zones:\n    type: integer\n    default: three\n"))
            .to.throw("The default value specified for configuration key 'shop:zones' is not of the expected type 'integer'");
        expect(() => settings(VALID, "name: shop\nconfig:\n  aws:region:\n    type: string\n"))
            .to.throw("Configuration key 'aws:region' is not namespaced by the project and should not define a type");
        expect(() => settings(VALID, "name: shop\nconfig:\n  shop:cidrs:\n    type: array\n"))
            .to.throw("The configuration key 'shop:cidrs' declares an array but does not specify the underlying type via the 'items' attribute");
    });
});
