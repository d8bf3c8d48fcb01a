/**
 * deploy/prometheus/alerts.yaml stays true to the app: every expression parses as PromQL
 * (the Prometheus project's own grammar), names only metrics the app registers, matches only
 * labels those metrics carry, and every rule has a severity, a summary and a runbook that
 * exists in the repository. Prometheus' own `promtool` then checks the file and runs the
 * rule unit tests in deploy/prometheus/alerts_test.yaml (alerts fire, and only when meant to).
 */
import assert from "node:assert/strict";
import { parser } from "@prometheus-io/lezer-promql";
import { parse } from "yaml";
import { READINESS_PATHS } from "../lib/health/paths.ts";
import { createAppMetrics } from "../lib/telemetry/app_metrics.ts";
import { hasPromtool } from "./helpers/env.ts";

const ROOT = new URL("../", import.meta.url);
const RULES = new URL("deploy/prometheus/alerts.yaml", ROOT);

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Metric names the app exports (histograms with their series suffixes) and their labels. */
function exportedMetrics(): Map<string, Set<string>> {
  const { registry } = createAppMetrics();
  const out = new Map<string, Set<string>>();
  for (const metric of registry.prometheus.getMetricsAsArray()) {
    const { name, labelNames } = metric as unknown as { name: string; labelNames?: string[] };
    const labels = new Set(labelNames ?? []);
    if ((metric as unknown as { type: string }).type === "histogram") {
      out.set(`${name}_bucket`, new Set([...labels, "le"]));
      out.set(`${name}_sum`, labels);
      out.set(`${name}_count`, labels);
    } else out.set(name, labels);
  }
  return out;
}

/** Parse errors, selected metrics and the label names their matchers use. */
function analyse(expr: string) {
  const cursor = parser.parse(expr).cursor();
  const errors: number[] = [];
  const selectors: Array<{ metric: string; labels: string[] }> = [];
  do {
    if (cursor.type.isError) errors.push(cursor.from);
    if (cursor.name === "VectorSelector") {
      const node = cursor.node;
      const name = node.getChild("Identifier");
      const labels: string[] = [];
      const matchers = node.getChild("LabelMatchers");
      if (matchers) {
        for (const matcher of matchers.getChildren("UnquotedLabelMatcher")) {
          const label = matcher.getChild("LabelName");
          if (label) labels.push(expr.slice(label.from, label.to));
        }
      }
      selectors.push({ metric: name ? expr.slice(name.from, name.to) : "", labels });
    }
  } while (cursor.next());
  return { errors, selectors };
}

const rules = (parse(await Deno.readTextFile(RULES)) as { groups: Array<{ rules: Rule[] }> })
  .groups.flatMap((group) => group.rules);

Deno.test("alert rules: every expression parses and selects only exported metrics and labels", () => {
  const metrics = exportedMetrics();
  assert.ok(rules.length >= 10, "the rules file holds the documented alerts");
  for (const rule of rules) {
    assert.ok(rule.alert && rule.expr, "each rule has a name and an expression");
    const { errors, selectors } = analyse(rule.expr);
    assert.deepEqual(errors, [], `${rule.alert}: PromQL parse errors at offsets`);
    assert.ok(selectors.length > 0, `${rule.alert}: selects a metric`);
    for (const { metric, labels } of selectors) {
      const known = metrics.get(metric);
      assert.ok(known, `${rule.alert}: ${metric} is not a metric the app exports`);
      for (const label of labels) {
        assert.ok(known.has(label), `${rule.alert}: ${metric} has no label ${label}`);
      }
    }
  }
});

Deno.test("alert rules: each has a severity, a summary and a runbook in the repository", async () => {
  const names = new Set<string>();
  for (const rule of rules) {
    assert.ok(!names.has(rule.alert!), `${rule.alert} is defined once`);
    names.add(rule.alert!);
    assert.match(rule.labels?.severity ?? "", /^(page|warn|info)$/, `${rule.alert}: severity`);
    assert.ok(rule.annotations?.summary, `${rule.alert}: summary`);
    const runbook = (rule.annotations?.runbook ?? "").split(" ")[0]!;
    assert.ok(runbook.startsWith("docs/"), `${rule.alert}: runbook under docs/`);
    await Deno.stat(new URL(runbook, ROOT)); // throws when the runbook is missing
    if (rule.for !== undefined) assert.match(rule.for, /^\d+[smh]$/, `${rule.alert}: for`);
  }
});

Deno.test("alert rules: the error-rate alert leaves out exactly the readiness probes the app serves", () => {
  const rule = rules.find((r) => r.alert === "GovernanceErrorRateHigh");
  assert.ok(rule?.expr);
  const excluded = [...rule.expr.matchAll(/route!~"([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(excluded.length, 2, "numerator and denominator");
  for (const pattern of excluded) {
    assert.deepEqual(pattern.split("|").sort(), [...READINESS_PATHS].sort());
  }
});

Deno.test("alert rules: the parser and the checks reject what they should", () => {
  assert.notDeepEqual(analyse("sum(rate(http_requests_total[5m]) > ").errors, []);
  const metrics = exportedMetrics();
  assert.ok(metrics.get("http_requests_total")?.has("status"), "labels are read from the app");
  assert.ok(metrics.get("http_request_duration_seconds_bucket")?.has("le"));
  const { selectors } = analyse('rate(http_requests_total{user="x"}[5m]) + jobs_stuck');
  assert.equal(metrics.get(selectors[0]!.metric)?.has("user"), false);
  assert.equal(metrics.has(selectors[1]!.metric), false);
});

Deno.test({
  name: "alert rules: promtool checks the file and its unit tests pass (alerts fire when meant to)",
  ignore: !hasPromtool(),
  async fn() {
    for (const args of [["check", "rules", "alerts.yaml"], ["test", "rules", "alerts_test.yaml"]]) {
      const result = await new Deno.Command("promtool", {
        args,
        cwd: new URL("deploy/prometheus/", ROOT),
        stdout: "piped",
        stderr: "piped",
      }).output();
      const output = new TextDecoder().decode(result.stdout) +
        new TextDecoder().decode(result.stderr);
      assert.equal(result.code, 0, `promtool ${args.join(" ")}:\n${output}`);
      assert.match(output, /SUCCESS/);
    }
  },
});
