import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, posix } from "node:path";

/**
 * A stable fingerprint of a Docker build context, computed at plan time, so an image can be tagged by content.
 * The ECR repository is immutable: a tag that stays the same while app/ changes would fail the second push, and a
 * tag that changes on every run (a timestamp) would rebuild and re-push an unchanged image.
 *
 * What goes in, in this order: the Dockerfile, every file Docker sends with the context (paths sorted, .dockerignore
 * honoured), and anything else the caller says shapes the result (the target platforms). What stays out: files the
 * build cannot see. Remote inputs (base images by tag, `ADD <url>`) are not hashed; bump the Dockerfile to pick up a
 * new base image.
 */
export interface ContextFingerprint {
    /** sha256 hex of everything above. */
    sha256: string;
    /** Context-relative POSIX paths that were hashed, sorted (the Dockerfile first). */
    files: string[];
}

/** One .dockerignore rule: a path pattern, negated by a leading "!". */
interface IgnoreRule { pattern: RegExp; negated: boolean }

/**
 * Fingerprints the build context in `dir` (with `dockerfile`, relative to it, default "Dockerfile").
 * `extra` lists strings that change the built image without being files (e.g. "linux/amd64,linux/arm64").
 */
export function fingerprintBuildContext(dir: string, options: { dockerfile?: string; extra?: string[] } = {}): ContextFingerprint {
    const dockerfile = options.dockerfile ?? "Dockerfile";
    if (!existsSync(join(dir, dockerfile))) throw new Error(`build context ${dir}: no ${dockerfile}`);
    const rules = parseDockerignore(existsSync(join(dir, ".dockerignore")) ? readFileSync(join(dir, ".dockerignore"), "utf8") : "");
    const files = listContext(dir, "", rules).sort();
    const hash = createHash("sha256");
    // Length-prefixed fields, so no file boundary can be forged by content ("a" + "bc" never equals "ab" + "c").
    const field = (value: string | Buffer) => {
        const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
        hash.update(`${bytes.length}:`);
        hash.update(bytes);
    };
    field("dockerfile");
    field(readFileSync(join(dir, dockerfile)));
    for (const extra of options.extra ?? []) field(`extra:${extra}`);
    for (const file of files) {
        field(`file:${file}`);
        const path = join(dir, ...file.split("/"));
        const stat = lstatSync(path);
        // A symlink is sent as a link; executable bits change the image's files too.
        field(stat.isSymbolicLink() ? `link:${readlinkSync(path)}` : readFileSync(path));
        field(`mode:${(stat.mode & 0o111) !== 0 ? "x" : "-"}`);
    }
    return { sha256: hash.digest("hex"), files: [dockerfile, ...files] };
}

/** Files under `dir/prefix` Docker would send, skipping directories whose whole subtree is excluded. */
function listContext(dir: string, prefix: string, rules: IgnoreRule[]): string[] {
    const found: string[] = [];
    for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
        const path = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
            // A negation could re-include something below an ignored directory: only then descend into it.
            if (isIgnored(path, rules) && !rules.some((r) => r.negated)) continue;
            found.push(...listContext(dir, path, rules));
        } else if (!isIgnored(path, rules)) {
            found.push(path);
        }
    }
    return found;
}

/**
 * Docker's rule (moby/patternmatcher): the last matching pattern wins, and a pattern excludes a path when it matches
 * the path itself or one of its parent directories.
 */
export function isIgnored(path: string, rules: IgnoreRule[]): boolean {
    const segments = path.split("/");
    const candidates = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
    let ignored = false;
    for (const rule of rules) {
        if (candidates.some((candidate) => rule.pattern.test(candidate))) ignored = !rule.negated;
    }
    return ignored;
}

/** Parses .dockerignore: comments, blank lines, "!" negation, leading "/" and "./", and `*`, `?`, `**`, `[...]` globs. */
export function parseDockerignore(text: string): IgnoreRule[] {
    return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#")).map((line) => {
        const negated = line.startsWith("!");
        const cleaned = posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
        return { negated, pattern: globToRegExp(cleaned) };
    });
}

function globToRegExp(glob: string): RegExp {
    let source = "";
    for (let i = 0; i < glob.length; i++) {
        const char = glob[i];
        if (char === "*" && glob[i + 1] === "*") {
            // "**" spans any number of directories, including none ("**/x" matches "x").
            i++;
            if (glob[i + 1] === "/") { i++; source += "(?:.*/)?"; } else source += ".*";
        } else if (char === "*") source += "[^/]*";
        else if (char === "?") source += "[^/]";
        else if (char === "[") {
            const end = glob.indexOf("]", i + 1);
            if (end < 0) { source += "\\["; continue; }
            const body = glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
            source += `[${body}]`;
            i = end;
        } else if (char === "\\" && i + 1 < glob.length) source += `\\${glob[++i]}`;
        else source += char.replace(/[.+^${}()|\\]/g, "\\$&");
    }
    return new RegExp(`^${source}$`);
}
