import type { ComponentChildren } from "preact";

/** Wraps a wide table so that only it scrolls sideways on a small screen. */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-label={label} tabindex={0}>
      {children}
    </div>
  );
}
