/** How the flag pages print a flag's gates and its stored times. Pure: no I/O. */

/** A flag's mode and environment gates in a few words ("modes: LIVE; environments: …"), or "none". */
export function gates(
  flag: { requiredModes: readonly string[]; targetEnvironments: readonly string[] },
): string {
  const parts: string[] = [];
  if (flag.requiredModes.length) parts.push(`modes: ${flag.requiredModes.join(", ")}`);
  if (flag.targetEnvironments.length) {
    parts.push(`environments: ${flag.targetEnvironments.join(", ")}`);
  }
  return parts.join("; ") || "none";
}

/** A stored ISO time to the minute (`YYYY-MM-DD HH:MM`), as the detail page prints "updated". */
export function toMinute(iso: string): string {
  return iso.replace("T", " ").slice(0, 16);
}

/** A stored ISO time to the second (`YYYY-MM-DD HH:MM:SS`), as the archived list prints it. */
export function toSecond(iso: string): string {
  return iso.replace("T", " ").slice(0, 19);
}

/**
 * An anchored RegExp as an HTML `pattern` attribute. Browsers compile `pattern` with the `v`
 * flag, under which a bare `-` at the end of a character class (`[a-z0-9_.-]`) is a syntax error:
 * the browser then never checks the field and logs a console error on every check. So the
 * anchors are dropped and such a hyphen is escaped (`[a-z0-9_.\-]`), same meaning.
 */
export function htmlPattern(pattern: RegExp): string {
  return pattern.source.replace(/^\^/, "").replace(/\$$/, "").replace(/(?<!\\)-\]/g, "\\-]");
}
