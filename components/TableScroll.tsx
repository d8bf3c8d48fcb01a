/**
 * The scrolling region around a wide table, for the server's pages and the islands alike (the
 * islands' bundles take it from here: it imports nothing but Preact's types).
 */
import type { ComponentChildren } from "preact";

export interface TableScrollProps {
  /**
   * What the table holds ("Feature flags"). The region is named "Table: " + it: a section named
   * by its heading ("Archived flags") often holds the table, and two landmarks of one name (one
   * inside the other) read as duplicates in a screen reader's landmark list (axe-core's
   * `landmark-unique`).
   */
  label: string;
  /** The region's id, when something points at it. */
  id?: string;
  children: ComponentChildren;
}

/**
 * Wraps a wide table so that only it scrolls sideways on a small screen: a named region the
 * keyboard can reach (`tabindex="0"`) to scroll it.
 *
 * @example
 * <TableScroll label="Feature flags"><table class="data">…</table></TableScroll>
 * // <div class="table-scroll" role="region" aria-label="Table: Feature flags" tabindex="0"><table …
 */
export function TableScroll({ label, id, children }: TableScrollProps) {
  return (
    <div class="table-scroll" role="region" aria-label={`Table: ${label}`} tabIndex={0} id={id}>
      {children}
    </div>
  );
}
