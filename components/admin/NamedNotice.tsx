import type { Context } from "hono";
import { QueryNotice, SuccessNotice } from "../forms.tsx";
import { NAMED_NOTICES, NOTICES } from "../../lib/admin/messages.ts";
import type { AppEnv } from "../../lib/http/types.ts";

/** A notice naming a stored account or token, or the fixed one for the key. */
export function NamedNotice(
  { c, find }: {
    c: Context<AppEnv>;
    find: (id: string) => { name: string; role?: string } | undefined;
  },
) {
  const key = c.req.query("notice") ?? "";
  const id = c.req.query("id") ?? "";
  const named = NAMED_NOTICES[key];
  const found = named && id ? find(id) : undefined;
  if (named && found) {
    return (
      <SuccessNotice>
        {named(<bdi>{found.name}</bdi>, found.role ?? "")}
      </SuccessNotice>
    );
  }
  return <QueryNotice c={c} notices={NOTICES} />;
}
