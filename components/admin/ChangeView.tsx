import type { ComponentChildren } from "preact";

/** An audit record's change: the stored before and after, folded; a dash when neither. */
export function ChangeView(
  { before, after }: { before: unknown; after: unknown },
): ComponentChildren {
  if (before === null && after === null) return <span class="muted">—</span>;
  return (
    <details>
      <summary>details</summary>
      {before !== null && <pre>{`before: ${JSON.stringify(before, null, 1)}`}</pre>}
      {after !== null && <pre>{`after: ${JSON.stringify(after, null, 1)}`}</pre>}
    </details>
  );
}
