/**
 * The audit page's actor filter: what was typed, resolved to the stored actor id. Pure: the
 * caller reads the accounts and tokens and passes their names in.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The names the filter may match: accounts by display name, API tokens by name. */
export interface ActorNames {
  users: ReadonlyArray<{ id: string; displayName: string }>;
  tokens: ReadonlyArray<{ id: string; name: string }>;
}

/**
 * The actor filter as typed: a full id (as the Actor column shows), a unique id prefix, or a
 * display or token name, resolved to the stored id. Not an e-mail address: the filter is a GET
 * form, so an address would stand in the first request's URL, and proxies log URLs.
 *
 * @example
 * resolveActor("exporter", { users: [], tokens: [{ id, name: "exporter" }] }); // { id }
 * resolveActor("ada@example.org", names); // { error: "… not an e-mail." }
 */
export function resolveActor(input: string, names: ActorNames): { id: string } | { error: string } {
  const typed = input.trim();
  const lower = typed.toLowerCase();
  if (UUID.test(typed)) return { id: lower };
  if (typed.includes("@")) {
    return { error: "Filter by a name or an id as shown in the Actor column, not an e-mail." };
  }
  const candidates = [
    ...names.users.map((u) => ({ id: u.id, name: u.displayName })),
    ...names.tokens.map((t) => ({ id: t.id, name: t.name })),
  ];
  let matches = candidates.filter((x) => x.name !== "" && x.name.toLowerCase() === lower);
  if (matches.length === 0 && /^[0-9a-f-]{4,35}$/.test(lower)) {
    matches = candidates.filter((x) => x.id.startsWith(lower));
  }
  if (matches.length === 1) return { id: matches[0]!.id };
  return {
    error: matches.length === 0
      ? "No account or token matches the actor filter. Use a name or an id as shown in the Actor column."
      : "More than one account or token matches the actor filter. Use the id shown in the Actor column.",
  };
}
