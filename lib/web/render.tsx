/**
 * Page rendering: one pass of Preact server rendering with an island
 * collector, then the bundles of exactly the islands used are linked in the
 * head. A page with no island ships no script.
 */
import type { Context } from "hono";
import { type ComponentChildren, h } from "preact";
import { renderToString } from "preact-render-to-string";
import { Layout } from "../../components/Layout.tsx";
import { bannerPropsFor, type PageAnalytics } from "../consent/page.ts";
import type { AppEnv } from "../http/types.ts";
import type { IslandManifest } from "./build.ts";
import { createIslandCollector, IslandContext } from "./island.tsx";

const SCRIPTS_MARKER = "<rf-island-scripts></rf-island-scripts>";

export interface PageOptions {
  title: string;
  status?: number;
  headers?: Record<string, string>;
  /** The page's analytics: its key for `ui.page_view` and an extra view event (consented users only). */
  analytics?: PageAnalytics;
}

export interface PageRenderer {
  /** Renders `body` in the layout and returns the HTML response. */
  render(c: Context<AppEnv>, body: ComponentChildren, options: PageOptions): Response;
}

export interface PageRendererDeps {
  manifest: () => IslandManifest | undefined;
  mode: () => string;
  version: string;
}

function escapeAttr(value: string): string {
  return value.replace(/[&"<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Creates the renderer used by every page route. */
export function createPageRenderer(deps: PageRendererDeps): PageRenderer {
  return {
    render(c, body, options) {
      const collector = createIslandCollector();
      const tree = h(
        IslandContext.Provider,
        { value: collector },
        h(Layout, {
          title: options.title,
          path: c.req.path,
          principal: c.get("principal"),
          version: deps.version,
          consentBanner: bannerPropsFor(c, options.analytics, options.status ?? 200, deps.mode()),
        }, body),
      );
      const html = renderToString(tree);
      const manifest = deps.manifest();
      const scripts = [...collector.used].map((name) => {
        const file = manifest?.islands[name];
        if (!file) throw new Error(`Island ${name} has no bundle; run deno task build`);
        return `<script type="module" src="/_islands/${escapeAttr(file)}"></script>`;
      }).join("");
      const page = "<!doctype html>" + html.replace(SCRIPTS_MARKER, scripts);
      return new Response(page, {
        status: options.status ?? 200,
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          ...options.headers,
        },
      });
    },
  };
}
