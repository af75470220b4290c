import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { DockerfileParser } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { APP_ROOT } from "./support/spawned-server";

describe("container image definition", () => {
  let dockerfile: string;
  before(async () => (dockerfile = await readFile(join(APP_ROOT, "Dockerfile"), "utf8")));

  it("passes dockerfile-utils validation with zero problems", () => {
    expect(validate(dockerfile)).to.deep.equal([]);
  });

  it("is multi-stage: bundles in a Node 22 build stage, runs on distroless Node 22", () => {
    const froms = DockerfileParser.parse(dockerfile).getFROMs();
    expect(froms).to.have.length(2);
    expect(froms[0]?.getImageName()).to.equal("node");
    expect(froms[0]?.getImageTag()).to.match(/^22\.\d+\.\d+-/);
    expect(froms[1]?.getImage()).to.equal("gcr.io/distroless/nodejs22-debian13:nonroot");
    expect(dockerfile).to.match(/COPY --from=build \/build\/dist \.\/dist/);
  });

  it("pins every base image to an explicit tag, never latest", () => {
    for (const from of DockerfileParser.parse(dockerfile).getFROMs()) {
      expect(from.getImageTag(), from.getImage() ?? "FROM").to.be.a("string").and.not.equal("latest");
    }
  });

  it("runs as a numeric non-root user in the final stage", () => {
    const instructions = DockerfileParser.parse(dockerfile).getInstructions();
    const lastFrom = instructions.map((instruction) => instruction.getKeyword()).lastIndexOf("FROM");
    const users = instructions.slice(lastFrom).filter((instruction) => instruction.getKeyword() === "USER");
    expect(users).to.have.length(1);
    const user = users[0]!.getArgumentsContent() ?? "";
    expect(user).to.match(/^[1-9]\d*(:\d+)?$/);
    expect(user.startsWith("0")).to.equal(false);
  });

  it("keeps the build context small and secret-free with .dockerignore", async () => {
    const ignored = (await readFile(join(APP_ROOT, ".dockerignore"), "utf8")).split("\n").map((line) => line.trim());
    expect(ignored).to.include.members(["node_modules", "dist", "test", ".env"]);
  });

  it("has an app-local lockfile in step with package.json (the image installs from it with npm ci)", async () => {
    const manifest = JSON.parse(await readFile(join(APP_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const lock = JSON.parse(await readFile(join(APP_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
    };
    expect(lock.packages[""]?.dependencies).to.deep.equal(manifest.dependencies);
    expect(lock.packages[""]?.devDependencies).to.deep.equal(manifest.devDependencies);
  });
});
