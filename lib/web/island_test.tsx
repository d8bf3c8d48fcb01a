import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { islandNames } from "./build.ts";
import { createIslandCollector, Island, IslandContext, serializeProps } from "./island.tsx";

Deno.test("serializeProps() escapes what could end a script element or open a comment", () => {
  const json = serializeProps({ text: "</script><script>alert(1)</script><!-- & \u2028" });
  assert.ok(!json.includes("<"));
  assert.ok(!json.includes(">"));
  assert.ok(!json.includes("&"));
  assert.deepEqual(JSON.parse(json), { text: "</script><script>alert(1)</script><!-- & \u2028" });
});

Deno.test("an island renders its server HTML, its props script, and registers itself once", () => {
  function Greeting({ text }: { text: string }) {
    return <p>{text}</p>;
  }
  const collector = createIslandCollector();
  const html = renderToString(
    <IslandContext.Provider value={collector}>
      <Island component={Greeting} props={{ text: "</script><!--" }} />
      <Island component={Greeting} props={{ text: "again" }} />
    </IslandContext.Provider>,
  );
  assert.deepEqual([...collector.used], ["Greeting"]);
  assert.match(
    html,
    /<rf-island data-island="Greeting" data-props="rf-island-props-0"><p>&lt;\/script>&lt;!--<\/p><\/rf-island>/,
  );
  assert.match(
    html,
    /<script type="application\/json" id="rf-island-props-0">\{"text":"\\u003c\/script\\u003e\\u003c!--"\}<\/script>/,
  );
  assert.equal((html.match(/<\/script>/g) ?? []).length, 2, "only the two props scripts close");
});

Deno.test("every island's default export is a function named like its file", async () => {
  const root = new URL("../../", import.meta.url);
  for (const name of await islandNames(root)) {
    const module = await import(new URL(`islands/${name}.tsx`, root).href);
    assert.equal(typeof module.default, "function", name);
    assert.equal(module.default.name, name, `islands/${name}.tsx must export function ${name}`);
  }
});
