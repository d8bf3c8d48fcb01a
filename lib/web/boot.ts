/**
 * Islands, browser side: hydrates every `<rf-island data-island=name>` on the
 * page with its component and the props from its JSON script.
 * Bundled into each island's entry; imports nothing server-only.
 */
import { type ComponentType, h, hydrate } from "preact";
import { installErrorReporter } from "./client/error_reporter.ts";

/** Hydrates all instances of the island `name` on the page. */
export function boot(name: string, component: ComponentType<Record<string, unknown>>): void {
  // First, so errors while hydrating are reported too (once per page; signed-in pages only).
  installErrorReporter();
  const nodes = document.querySelectorAll<HTMLElement>(`rf-island[data-island="${name}"]`);
  for (const node of nodes) {
    const propsId = node.dataset.props;
    const script = propsId ? document.getElementById(propsId) : null;
    const props = script?.textContent ? JSON.parse(script.textContent) : {};
    hydrate(h(component, props), node);
  }
}
