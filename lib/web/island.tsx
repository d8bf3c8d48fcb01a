/**
 * Islands, server side: an island renders on the server like any component,
 * wrapped in `<rf-island>` with its props in a sibling JSON script (not
 * executable, so allowed by the CSP); the page then loads only the bundles of
 * the islands it rendered, and `boot.ts` hydrates them in the browser.
 */
import { type ComponentType, createContext, Fragment, h, type VNode } from "preact";
import { useContext } from "preact/hooks";

/** Collects which islands a page rendered. One per render; never shared. */
export interface IslandCollector {
  used: Set<string>;
  nextId: number;
}

export const IslandContext = createContext<IslandCollector | null>(null);

/** A fresh collector for one page render. */
export function createIslandCollector(): IslandCollector {
  return { used: new Set(), nextId: 0 };
}

const UNSAFE_IN_SCRIPT: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * JSON for a `<script type="application/json">` body: `<`, `>` and `&` are
 * escaped so a prop holding `</script>` or `<!--` cannot end the element.
 */
export function serializeProps(props: unknown): string {
  return JSON.stringify(props ?? {}).replace(/[<>&\u2028\u2029]/g, (ch) => UNSAFE_IN_SCRIPT[ch]!);
}

/** The island name of a component: its function name, which must match its file in islands/. */
export function islandName(component: ComponentType<never>): string {
  return component.displayName ?? component.name;
}

/** Renders `component` as an island: server HTML now, hydrated in the browser. */
export function Island<P extends Record<string, unknown>>(
  { component, props }: { component: ComponentType<P>; props: P },
): VNode {
  const collector = useContext(IslandContext);
  if (!collector) throw new Error("Island rendered outside a page render");
  const name = islandName(component as ComponentType<never>);
  collector.used.add(name);
  const id = `rf-island-props-${collector.nextId++}`;
  return h(
    Fragment,
    null,
    h("rf-island", { "data-island": name, "data-props": id }, h(component, props)),
    h("script", {
      type: "application/json",
      id,
      dangerouslySetInnerHTML: { __html: serializeProps(props) },
    }),
  );
}
