import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** The layout rules of DESIGN.md, enforced: one-way dependencies, no import cycles, SDK submodules only. */
const ROOT = join(__dirname, "..");
const AREAS = ["components", "stacks", "tools", "policies"];

function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((entry) => {
        const path = join(dir, entry);
        if (entry === "node_modules") return [];
        return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
    });
}

const files = [join(ROOT, "index.ts"), ...AREAS.flatMap((area) => sources(join(ROOT, area)))];
const rel = (path: string) => relative(ROOT, path);

function importsOf(file: string): { local: string[]; packages: string[] } {
    const text = readFileSync(file, "utf8");
    const specifiers = [...text.matchAll(/(?:from|import)\s+["']([^"']+)["']/g)].map((m) => m[1]);
    const local = specifiers.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s))
        .map((base) => [`${base}.ts`, join(base, "index.ts")].find(existsSync)).filter((p): p is string => p !== undefined);
    return { local, packages: specifiers.filter((s) => !s.startsWith(".")) };
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe("architecture", () => {
    it("dependencies point one way: index -> stacks -> components -> SDKs; tools and policies never import the program", () => {
        const forbidden: Record<string, string[]> = {
            "components/": ["stacks/", "tools/", "index.ts"],
            "stacks/": ["tools/", "index.ts"],
            "tools/": ["components/", "stacks/", "index.ts"],
            "policies/": ["components/", "stacks/", "tools/", "index.ts"],
        };
        const violations = [...graph].flatMap(([file, { local }]) => {
            const from = rel(file);
            const rules = Object.entries(forbidden).find(([prefix]) => from.startsWith(prefix))?.[1] ?? [];
            return local.map(rel).filter((to) => rules.some((prefix) => to.startsWith(prefix))).map((to) => `${from} -> ${to}`);
        });
        expect(violations).to.deep.equal([]);
    });

    it("has no import cycles", () => {
        const cycles: string[] = [];
        const state = new Map<string, "open" | "done">();
        const visit = (file: string, path: string[]) => {
            state.set(file, "open");
            for (const next of graph.get(file)?.local ?? []) {
                if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].map(rel).join(" -> "));
                else if (!state.has(next)) visit(next, [...path, next]);
            }
            state.set(file, "done");
        };
        for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
        expect(cycles).to.deep.equal([]);
    });

    it("imports AWS SDK submodules, never the whole @pulumi/aws (about 30 s of type-checking)", () => {
        const whole = [...graph].filter(([, { packages }]) => packages.includes("@pulumi/aws")).map(([file]) => rel(file));
        expect(whole).to.deep.equal([]);
    });

    it("has no barrel index.ts re-exporting a folder", () => {
        const barrels = files.filter((file) => file !== join(ROOT, "index.ts") && file.endsWith("/index.ts") && /^export \* from/m.test(readFileSync(file, "utf8")));
        expect(barrels.map(rel)).to.deep.equal([]);
    });

    it("keeps one ComponentResource per component file, each typed ecommerce:<area>:<Name>", () => {
        for (const file of sources(join(ROOT, "components"))) {
            const tokens = [...readFileSync(file, "utf8").matchAll(/super\("([^"]+)"/g)].map((m) => m[1]);
            expect(tokens.length, rel(file)).to.be.at.most(1);
            for (const token of tokens) expect(token, rel(file)).to.match(/^ecommerce:[a-z]+:[A-Z][A-Za-z]+$/);
        }
    });
});
