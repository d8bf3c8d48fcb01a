import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Layout } from "./Layout.tsx";

Deno.test("the page frame does not print the governance mode (it went stale while the page was open)", () => {
  for (const mode of ["STANDBY", "DEMO", "LIVE"]) {
    const html = renderToString(
      <Layout title="Jobs" path="/jobs" principal={null} mode={mode} version="1.2.3">
        <p>body</p>
      </Layout>,
    );
    const footer = html.slice(html.indexOf("<footer"));
    assert.match(footer, /ResearchFlow Governance 1\.2\.3/);
    assert.doesNotMatch(html, new RegExp(mode), `${mode} is not printed outside the live badge`);
  }
});
