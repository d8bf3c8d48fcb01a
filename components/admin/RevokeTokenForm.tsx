import type { Context } from "hono";
import { CsrfField } from "../forms.tsx";
import type { AppEnv } from "../../lib/http/types.ts";

/** The button that revokes `token` (a POST, with the session's CSRF field). */
export function RevokeTokenForm(
  { c, token }: { c: Context<AppEnv>; token: { id: string; name: string } },
) {
  return (
    <form method="post" action={`/admin/tokens/${token.id}/revoke`} class="inline-form">
      <CsrfField c={c} />
      <button type="submit" class="button button--danger">
        Revoke <bdi>{token.name}</bdi>
      </button>
    </form>
  );
}
