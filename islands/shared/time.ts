/**
 * Times as every page prints them: `YYYY-MM-DD HH:MM:SS UTC`. The same text on the server and
 * in the browser (an island hydrates without changing it, whatever the reader's time zone), and
 * the zone is always said.
 */
export function utcTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return "—";
  return `${new Date(ms).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}
