// npm run crds:vendor [-- <operator>...] [--mirror owner/name=/path/to/git-dir]...
// Copies each operator chart's CRDs, byte for byte, from the upstream tag of the version components/catalogue.ts pins
// into crds/<operator>/<chartVersion>/<crd name>.yaml with a PROVENANCE.json, and removes that operator's older
// versions. Sources (repository, tag pattern, paths) are in crds/sources.json. Without --mirror, each repository is
// fetched (depth 1, the one tag or commit) into ~/.cache/ecommerce-platform/crd-mirrors.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, posix } from "node:path";

const ROOT = join(__dirname, "..");
const CRD_ROOT = join(ROOT, "crds");

interface Source {
    repository: string;
    /** Tag of a chart version, `{version}` replaced. */
    tag: string;
    /** Chart versions released without a tag: the commit whose Chart.yaml first carries that version. */
    commits?: Record<string, string>;
    /** Files or directories (every *.yaml in it) holding the chart's CRDs. */
    paths: string[];
    note?: string;
}

const SOURCES = JSON.parse(readFileSync(join(CRD_ROOT, "sources.json"), "utf8")) as Record<string, Source>;

/** tools/ never imports the program, so the pinned version is read from the catalogue's text. */
function catalogueVersion(operator: string): string {
    const text = readFileSync(join(ROOT, "components", "catalogue.ts"), "utf8");
    const match = new RegExp(`^\\s*${operator}: \\{[^}]*version: "([^"]+)"`, "m").exec(text);
    if (!match) throw new Error(`components/catalogue.ts has no CHARTS.${operator} with a version`);
    return match[1];
}

const git = (gitDir: string, ...args: string[]): Buffer => execFileSync("git", ["--git-dir", gitDir, ...args], { maxBuffer: 256 * 1024 * 1024 });

function mirrorOf(repository: string, ref: string, mirrors: Map<string, string>): string {
    const given = mirrors.get(repository);
    if (given) return given;
    const dir = join(homedir(), ".cache", "ecommerce-platform", "crd-mirrors", `${repository.replace("/", "+")}.git`);
    if (!existsSync(dir)) execFileSync("git", ["init", "--bare", "--quiet", dir]);
    const refspec = /^[0-9a-f]{40}$/.test(ref) ? ref : `+refs/tags/${ref}:refs/tags/${ref}`;
    execFileSync("git", ["--git-dir", dir, "fetch", "--quiet", "--depth", "1", `https://github.com/${repository}.git`, refspec], { stdio: "inherit" });
    return dir;
}

/** Blob paths under `path` at `commit`, symlinks followed (Karpenter's chart links its crds/ to pkg/apis/crds). */
function yamlFiles(gitDir: string, commit: string, path: string): string[] {
    const entries = git(gitDir, "ls-tree", "-r", commit, "--", path).toString().trim().split("\n").filter(Boolean);
    if (entries.length === 0) throw new Error(`${path} does not exist at ${commit}`);
    return entries.map((line) => {
        const [meta, file] = line.split("\t");
        if (!file.endsWith(".yaml")) return undefined;
        if (meta.startsWith("120000")) return posix.normalize(posix.join(posix.dirname(file), git(gitDir, "show", `${commit}:${file}`).toString().trim()));
        return file;
    }).filter((f): f is string => f !== undefined).sort();
}

/** The CustomResourceDefinition documents of a multi-document file, each as its exact bytes. */
function crdDocuments(text: string): { name: string; text: string }[] {
    return text.split(/^---[ \t]*$/m).map((doc) => doc.replace(/^\n/, "")).filter((doc) => /^kind: CustomResourceDefinition$/m.test(doc)).map((doc) => {
        const name = /^metadata:\n(?:[ \t].*\n)*? {2}name: (\S+)$/m.exec(doc)?.[1];
        if (!name) throw new Error(`a CRD without metadata.name:\n${doc.slice(0, 200)}`);
        return { name, text: doc.endsWith("\n") ? doc : `${doc}\n` };
    });
}

function vendor(operator: string, mirrors: Map<string, string>): void {
    const source = SOURCES[operator];
    if (!source) throw new Error(`crds/sources.json has no operator "${operator}" (known: ${Object.keys(SOURCES).join(", ")})`);
    const version = catalogueVersion(operator);
    const ref = source.commits?.[version] ?? source.tag.replace("{version}", version);
    const gitDir = mirrorOf(source.repository, ref, mirrors);
    let commit: string;
    try {
        commit = git(gitDir, "rev-parse", `${ref}^{commit}`).toString().trim();
    } catch {
        throw new Error(`${source.repository} has no ${ref} for ${operator} ${version}: if the chart version has no tag, add the commit that set it to "commits" in crds/sources.json`);
    }
    const out = join(CRD_ROOT, operator, version);
    rmSync(join(CRD_ROOT, operator), { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const files: Record<string, { path: string; blob: string }> = {};
    for (const path of source.paths.flatMap((p) => yamlFiles(gitDir, commit, p))) {
        const blob = git(gitDir, "rev-parse", `${commit}:${path}`).toString().trim();
        for (const crd of crdDocuments(git(gitDir, "show", `${commit}:${path}`).toString())) {
            if (files[crd.name]) throw new Error(`${operator}: ${crd.name} appears twice`);
            writeFileSync(join(out, `${crd.name}.yaml`), crd.text);
            files[crd.name] = { path, blob };
        }
    }
    const provenance = { operator, chartVersion: version, repository: source.repository, ref, commit, note: source.note, crds: files };
    writeFileSync(join(out, "PROVENANCE.json"), `${JSON.stringify(provenance, null, 4)}\n`);
    console.log(`${operator} ${version}: ${Object.keys(files).length} CRDs from ${source.repository}@${ref} (${commit.slice(0, 12)}) -> ${out}`);
}

const args = process.argv.slice(2);
const mirrors = new Map<string, string>();
const operators: string[] = [];
for (let i = 0; i < args.length; i++) {
    if (args[i] === "--mirror") {
        const [repository, dir] = (args[++i] ?? "").split("=");
        if (!repository || !dir) throw new Error("--mirror takes owner/name=/path/to/git-dir");
        mirrors.set(repository, dir);
    } else operators.push(args[i]);
}
for (const operator of operators.length > 0 ? operators : Object.keys(SOURCES)) vendor(operator, mirrors);
