import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { LiveHeader } from "./LiveHeader.tsx";

/** Renders the signed-out header as the browser would, at `href`; the Sign in again link's href. */
function signInAgainAt(href: string): string | undefined {
  const url = new URL(href);
  const before = Object.getOwnPropertyDescriptor(globalThis, "location");
  Object.defineProperty(globalThis, "location", {
    value: { pathname: url.pathname, search: url.search, hash: url.hash },
    configurable: true,
    writable: true,
  });
  try {
    const html = renderToString(<LiveHeader id="h" title="Recent jobs" status="signed_out" />);
    return html.match(/<a href="([^"]*)">Sign in again<\/a>/)?.[1]?.replaceAll("&amp;", "&");
  } finally {
    if (before) Object.defineProperty(globalThis, "location", before);
    else delete (globalThis as { location?: unknown }).location;
  }
}

Deno.test("Sign in again returns to this page's path, never its query or fragment", () => {
  assert.equal(signInAgainAt("http://rf.test/governance"), "/login?next=%2Fgovernance");
  // A query may hold what was typed (a flag's "why" with a user id): it is not copied.
  assert.equal(
    signInAgainAt("http://rf.test/flags/beta.search?why=&userId=Quenby-Zarkowski-7741293#why"),
    "/login?next=%2Fflags%2Fbeta.search",
  );
  assert.equal(signInAgainAt("http://rf.test/jobs?q=536-22-1234"), "/login?next=%2Fjobs");
});

Deno.test("the header shows no sign-in link while connected", () => {
  const html = renderToString(<LiveHeader id="h" title="Recent jobs" status="live" />);
  assert.doesNotMatch(html, /Sign in again/);
});
