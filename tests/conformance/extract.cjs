// Writes the in-scope cel-spec simple tests as JSON for tests/cel_conformance.rs.
// Usage: node extract.cjs <node_modules dir> <output.json>
// In scope: tests that need no protobuf message types, enums or containers, and no type checker
// (no `checkOnly`, `typedResult`, unknowns or `disableMacros`). Everything else is counted as
// out of scope, by reason, on stderr.
"use strict";
const path = require("path");
const fs = require("fs");
const [modules, output] = process.argv.slice(2);
const { tests } = require(path.join(modules, "@bufbuild/cel-spec/dist/cjs/testdata/conformance.js"));

const WELL_KNOWN = new Set([
  "type.googleapis.com/google.protobuf.Duration",
  "type.googleapis.com/google.protobuf.Timestamp",
]);

// The reason a value or expression needs protobuf messages, or null.
function needsProto(value) {
  if (value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const r = needsProto(v);
      if (r) return r;
    }
    return null;
  }
  if ("enumValue" in value) return "enum value";
  if ("objectValue" in value && !WELL_KNOWN.has(value.objectValue["@type"])) return "message value";
  for (const v of Object.values(value)) {
    const r = needsProto(v);
    if (r) return r;
  }
  return null;
}

function outOfScope(t) {
  if (t.checkOnly) return "checker only";
  if (t.typedResult) return "typed result (checker)";
  if (t.disableMacros) return "macros disabled";
  if (t.container) return "container (protobuf namespace)";
  if (t.unknown || t.anyUnknowns) return "unknowns";
  if (t.anyEvalErrors) return "any of several errors";
  if (/TestAllTypes|google\.protobuf|cel\.expr|NestedMessage|GlobalEnum/.test(t.expr)) return "message type in expression";
  return needsProto(t.value) || needsProto(t.bindings);
}

const out = [];
const skipped = {};
function walk(suite, prefix) {
  const name = prefix ? `${prefix}/${suite.name}` : suite.name;
  for (const s of suite.suites ?? []) walk(s, name);
  for (const test of suite.tests ?? []) {
    const t = test.original;
    const reason = outOfScope(t);
    if (reason) {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
      continue;
    }
    const bindings = {};
    for (const [k, v] of Object.entries(t.bindings ?? {})) bindings[k] = v.value;
    out.push({
      suite: name.replace(/^conformance\//, ""),
      name: t.name,
      expr: t.expr,
      // A test that names no result expects `true`.
      value: "evalError" in t ? null : (t.value ?? { boolValue: true }),
      error: "evalError" in t,
      bindings,
    });
  }
}
walk(tests, "");
fs.writeFileSync(output, JSON.stringify(out, null, 1));
console.error(`${out.length} tests in scope; out of scope: ${JSON.stringify(skipped)}`);
