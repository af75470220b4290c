// ESLint flat config: typescript-eslint's recommended rules over the program, tools, policies, tests and the API.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "**/dist/", "**/*.js", "**/*.mjs", "**/*.cjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "no-restricted-imports": ["error", {
                paths: [{ name: "@pulumi/aws", message: "Import the submodule (e.g. @pulumi/aws/rds): the whole SDK costs ~30 s of type-checking." }],
            }],
        },
    },
    {
        // chai's property assertions (`expect(x).to.be.true`) are expressions by design.
        files: ["test/**/*.ts", "app/test/**/*.ts"],
        rules: { "@typescript-eslint/no-unused-expressions": "off" },
    },
);
