// Lint rules for the program, tools, tests, policy pack and the k6 scripts.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "out/**", ".tools/**", ".cache/**", ".scratch/**", "bin/**", "coverage/**", "loadtests/results/**", "services/*/dist/**", "sdk/*/dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-console": "off",
    },
  },
  {
    // k6 scripts: ES modules run by k6's own runtime, not by Node.
    files: ["loadtests/**/*.js", "services/*/test/k6/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: { __ENV: "readonly", __VU: "readonly", __ITER: "readonly", console: "readonly", open: "readonly" },
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    ignores: ["loadtests/**/*.js", "services/*/test/k6/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly", process: "readonly", __dirname: "readonly", console: "readonly", Buffer: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } },
  },
);
