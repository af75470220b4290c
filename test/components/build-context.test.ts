import { expect } from "chai";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprintBuildContext, isIgnored, parseDockerignore } from "../../components/build-context";

const APP = join(__dirname, "..", "..", "app");

describe("components/build-context (the API image's content tag)", () => {
    let copy: string;
    const hash = (extra: string[] = []) => fingerprintBuildContext(copy, { extra }).sha256;

    beforeEach(() => {
        // A temp copy of the real context (node_modules aside: the copy would be large, and Docker never sees it).
        copy = mkdtempSync(join(tmpdir(), "build-context-"));
        cpSync(APP, copy, { recursive: true, filter: (source) => !source.includes("node_modules") });
    });
    afterEach(() => rmSync(copy, { recursive: true, force: true }));

    it("gives the same content the same fingerprint, wherever the context lies", () => {
        expect(hash()).to.match(/^[0-9a-f]{64}$/);
        expect(hash()).to.equal(fingerprintBuildContext(APP).sha256);
    });

    it("changes when a source file under app/ changes, or when a file is added to what the Dockerfile copies", () => {
        const before = hash();
        appendFileSync(join(copy, "src", "main.ts"), "\n// changed\n");
        const edited = hash();
        expect(edited).to.not.equal(before);
        writeFileSync(join(copy, "src", "new-module.ts"), "export const x = 1;\n");
        expect(hash()).to.not.equal(edited);
    });

    it("changes with the Dockerfile and with the target platforms, which shape the image without being context files", () => {
        const before = hash(["linux/amd64,linux/arm64"]);
        expect(hash(["linux/arm64"])).to.not.equal(before);
        appendFileSync(join(copy, "Dockerfile"), "\nLABEL changed=true\n");
        expect(hash(["linux/amd64,linux/arm64"])).to.not.equal(before);
    });

    it("ignores what .dockerignore keeps out of the build: tests, docs, node_modules, local data", () => {
        const before = hash();
        appendFileSync(join(copy, "README.md"), "\nmore docs\n");
        mkdirSync(join(copy, "test"), { recursive: true });
        writeFileSync(join(copy, "test", "extra.test.ts"), "// a new test\n");
        mkdirSync(join(copy, "node_modules", "left-pad"), { recursive: true });
        writeFileSync(join(copy, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
        writeFileSync(join(copy, "debug.log"), "noise\n");
        expect(hash()).to.equal(before);
        const files = fingerprintBuildContext(copy).files;
        expect(files).to.include.members(["Dockerfile", "package.json", "package-lock.json", "tsconfig.json", "src/main.ts"]);
        expect(files.filter((f) => /^(test|node_modules|bench|dist)\/|\.md$|\.log$/.test(f))).to.deep.equal([]);
    });

    it("follows Docker's .dockerignore rules: globs, ** across directories, parent-directory matches, last match wins", () => {
        const rules = parseDockerignore("# comment\n/dist\n**/*.snap\nsrc/*.tmp\n*.md\n!KEEP.md\n");
        expect(isIgnored("dist/main.js", rules)).to.equal(true);
        expect(isIgnored("src/deep/x.snap", rules)).to.equal(true);
        expect(isIgnored("x.snap", rules)).to.equal(true);
        expect(isIgnored("src/a.tmp", rules)).to.equal(true);
        expect(isIgnored("src/deep/a.tmp", rules)).to.equal(false);
        expect(isIgnored("README.md", rules)).to.equal(true);
        expect(isIgnored("KEEP.md", rules)).to.equal(false);
        expect(isIgnored("src/main.ts", rules)).to.equal(false);
    });
});
