/**
 * /settings/privacy: the user's analytics consent, with one-click grant and
 * withdrawal (plain form posts, no JavaScript needed), the option to have
 * collected events deleted, the GPC status, and the history of choices. The consent
 * banner is not offered here: this page is the full control, and its status is the stored one.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { ComponentChildren, VNode } from "preact";
import { z } from "zod";
import { actorOf } from "../lib/audit/mod.ts";
import type { UserPrincipal } from "../lib/auth/principal.ts";
import {
  CONSENT_DECIDED_QUERY,
  CONSENT_POLICIES,
  type ConsentDecided,
  type ConsentView,
  gpcSignal,
} from "../lib/consent/mod.ts";
import type { RouteContext } from "../lib/context.ts";
import { AppError } from "../lib/errors/mod.ts";
import { page, type RouteRegistry } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { readForm } from "../lib/http/form.ts";
import { utcTime } from "../islands/shared/time.ts";
import { TableScroll } from "../components/TableScroll.tsx";
import { SuccessNotice } from "../components/forms.tsx";

const READ = { role: "signed_in", class: "read" } as const;
const GRANT = { role: "signed_in", class: "write" } as const;
const WITHDRAW = { role: "signed_in", class: "governance-write" } as const;

/** Fixed confirmation messages, chosen by key so no user input is reflected. */
const NOTICES: Record<string, string> = {
  granted: "Usage analytics are on. Thank you.",
  withdrawn: "Usage analytics are off. Nothing more will be collected.",
  declined: "Usage analytics stay off. We will not ask again.",
};

const STATE_LABELS: Record<ConsentView["state"], string> = {
  granted: "Allowed",
  declined: "Declined",
  revoked: "Withdrawn",
  none: "Not chosen yet",
};

const METHOD_LABELS: Record<string, string> = {
  banner: "banner",
  settings: "this page",
  api: "API",
  admin: "administrator",
};

const GrantForm = z.object({
  csrf_token: z.string().optional(),
  method: z.enum(["banner", "settings"]).optional(),
  policy_version: z.string().max(64).optional(),
  return_to: z.string().max(2048).optional(),
}).strict();

const RevokeForm = z.object({
  csrf_token: z.string().optional(),
  method: z.enum(["banner", "settings"]).optional(),
  erase: z.enum(["on", "true"]).optional(),
  return_to: z.string().max(2048).optional(),
}).strict();

function when(iso: string | null): string {
  return iso ? utcTime(iso) : "—";
}

/**
 * Where a form returns: the page it came from (banner), saying what was chosen there
 * (`?consent=granted|declined`, which the banner reads without JavaScript too), else this page
 * with a notice.
 */
function back(
  registry: RouteRegistry,
  method: string | undefined,
  returnTo: string | undefined,
  notice: string,
): string {
  if (method === "banner" && returnTo) {
    const decided: ConsentDecided = notice === "granted" ? "granted" : "declined";
    return `${registry.returnPath(returnTo)}?${CONSENT_DECIDED_QUERY}=${decided}`;
  }
  return `/settings/privacy?notice=${notice}`;
}

/** Withdrawal, with the choice to delete the events already collected. */
function WithdrawForm(
  props: {
    csrf: VNode;
    layout: "form-card" | "inline-form";
    buttonClass: string;
    testId?: string;
    children: ComponentChildren;
  },
) {
  return (
    <form method="post" action="/settings/privacy/revoke" class={props.layout}>
      {props.csrf}
      <input type="hidden" name="method" value="settings" />
      <label class="checkbox">
        <input type="checkbox" name="erase" value="on" />{" "}
        Also delete the usage events already collected about me
      </label>
      <button type="submit" class={props.buttonClass} data-testid={props.testId}>
        {props.children}
      </button>
    </form>
  );
}

export function privacyPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { consent } = ctx.services;
  const policy = CONSENT_POLICIES.analytics;

  async function privacyPage(c: Context<AppEnv>, error?: string, status = 200) {
    const user = c.get("principal") as UserPrincipal;
    const gpc = gpcSignal(c.req.header("sec-gpc"));
    const [analytics, history] = await Promise.all([
      consent.analytics(user.id, { gpc }),
      consent.history(user.id, 50),
    ]);
    const notice = NOTICES[c.req.query("notice") ?? ""];
    const erasedRaw = c.req.query("erased");
    const erased = erasedRaw && /^\d{1,12}$/.test(erasedRaw) ? Number(erasedRaw) : null;
    const csrf = <input type="hidden" name="csrf_token" value={user.csrfToken} />;
    // STANDBY refuses a grant (a write) but not a withdrawal: Allow is not offered meanwhile.
    const grantPaused = ctx.services.mode.current() === "STANDBY";
    return ctx.pages.render(
      c,
      <>
        <h1>Privacy</h1>
        {notice && <SuccessNotice>{notice}</SuccessNotice>}
        {erased !== null && (
          <SuccessNotice>
            {erased === 1 ? "1 collected event was" : `${erased} collected events were`} deleted.
          </SuccessNotice>
        )}
        {error && <p class="notice notice--error" role="alert">{error}</p>}

        {
          /* The banner is not offered on this page (it is the full consent control), so this is
            the page's one "Usage analytics" region. */
        }
        <section class="panel privacy" aria-labelledby="analytics-heading">
          <h2 id="analytics-heading">Usage analytics</h2>
          <p class="lede">{policy.summary}</p>
          <p>{policy.details}</p>
          <p>
            Status:{" "}
            <strong data-testid="analytics-state">
              {analytics.effective ? "On" : "Off"}
            </strong>{" "}
            <span class="muted">
              ({STATE_LABELS[analytics.state]}
              {analytics.stale ? ", to an earlier version of this text" : ""})
            </span>
          </p>
          {analytics.state === "none" && (
            <p data-testid="analytics-unchosen">
              You have not chosen yet. Nothing is collected unless you allow it.
            </p>
          )}
          {analytics.gpc.signal && (
            <p class="notice notice--warn">
              Your browser sends Global Privacy Control (a setting asking websites not to collect or
              share your data)
              {analytics.gpc.firstSeenAt ? ` (first seen ${when(analytics.gpc.firstSeenAt)})` : ""}.
              {" "}
              We treat it as a refusal: analytics stay off unless you allow them here after that
              signal.
            </p>
          )}
          {analytics.effective
            ? (
              <WithdrawForm csrf={csrf} layout="form-card" buttonClass="button button--danger">
                Turn off usage analytics
              </WithdrawForm>
            )
            : (
              <div class="privacy__actions">
                {grantPaused
                  ? (
                    <p class="notice notice--warn" data-testid="grant-paused">
                      Usage analytics cannot be turned on while the platform is in STANDBY. You can
                      allow them here when it is back in DEMO or LIVE.
                    </p>
                  )
                  : (
                    <form method="post" action="/settings/privacy/grant" class="inline-form">
                      {csrf}
                      <input type="hidden" name="method" value="settings" />
                      <input type="hidden" name="policy_version" value={policy.version} />
                      <button type="submit" class="button button--primary">
                        Allow usage analytics
                      </button>
                    </form>
                  )}
                {analytics.state === "none" && (
                  <form method="post" action="/settings/privacy/revoke" class="inline-form">
                    {csrf}
                    <input type="hidden" name="method" value="settings" />
                    <button type="submit" class="button">No thanks</button>
                  </form>
                )}
                {analytics.state === "granted" && (
                  // A grant that is not in force (Global Privacy Control came after it, or it
                  // was given to an earlier text) can still be withdrawn, events deleted with it.
                  <WithdrawForm
                    csrf={csrf}
                    layout="inline-form"
                    buttonClass="button"
                    testId="withdraw-inactive"
                  >
                    Withdraw my earlier permission
                  </WithdrawForm>
                )}
                {(analytics.state === "revoked" || analytics.state === "declined") && (
                  <form method="post" action="/settings/privacy/revoke" class="inline-form">
                    {csrf}
                    <input type="hidden" name="method" value="settings" />
                    <input type="hidden" name="erase" value="on" />
                    <button type="submit" class="button">Delete events already collected</button>
                  </form>
                )}
              </div>
            )}
          <p class="muted">
            Policy version <code>{policy.version}</code>; legal basis: {policy.legalBasis}; purpose:
            {" "}
            {policy.purpose.replaceAll("_", " ")}.
          </p>
        </section>

        {
          /* Not consent-based: sign-in protection. The analytics text's "hash that changes every
            day" is about analytics events only; this says what sign-in keeps, and for how long. */
        }
        <section class="panel privacy" aria-labelledby="sign-in-heading">
          <h2 id="sign-in-heading">Failed sign-ins</h2>
          <p>
            To stop password guessing, a failed sign-in is counted against the email address that
            was typed and the network address it came from, whether or not you allow usage
            analytics. Neither address is stored: only a keyed hash of each, which cannot be turned
            back into the address without the server's secret. A successful sign-in clears your
            account's count at once; every count is deleted about a day after the last failed
            attempt.
          </p>
        </section>

        <h2>Your choices</h2>
        {history.length === 0
          ? <p class="muted">You have not made a choice yet.</p>
          : (
            <TableScroll label="Your consent choices">
              <table class="data" aria-label="Consent history">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Consent</th>
                    <th scope="col">Choice</th>
                    <th scope="col">Made on</th>
                    <th scope="col">Policy version</th>
                  </tr>
                </thead>
                <tbody>
                  {history.map((row, i) => (
                    <tr key={i}>
                      <td>{when(row.recordedAt)}</td>
                      <td>{row.consentType.replaceAll("_", " ")}</td>
                      <td>{STATE_LABELS[row.state]}</td>
                      <td>{METHOD_LABELS[row.method ?? ""] ?? "—"}</td>
                      <td>
                        <code>{row.policyVersion ?? "—"}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
      </>,
      // The consent control itself: no banner here, whose in-place choice the status above
      // would not follow (lib/consent/page.ts).
      { title: "Privacy", status, analytics: { consentControl: true } },
    );
  }

  async function attempt(
    c: Context<AppEnv>,
    action: () => Promise<string>,
  ): Promise<Response> {
    try {
      return c.redirect(await action(), 303);
    } catch (error) {
      if (error instanceof AppError && error.code === "VALIDATION_FAILED") {
        return await privacyPage(c, `${error.message}.`, 400);
      }
      throw error;
    }
  }

  page(app, ctx.access, "GET", "/settings/privacy", READ, (c) => privacyPage(c));

  page(app, ctx.access, "POST", "/settings/privacy/grant", GRANT, async (c) => {
    const parsed = GrantForm.safeParse(await readForm(c));
    if (!parsed.success) return await privacyPage(c, "The choice was not understood.", 400);
    const form = parsed.data;
    return await attempt(c, async () => {
      await consent.grant(
        (c.get("principal") as UserPrincipal).id,
        {
          consentType: "analytics",
          method: form.method ?? "settings",
          ...(form.policy_version ? { policyVersion: form.policy_version } : {}),
        },
        {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
          gpc: gpcSignal(c.req.header("sec-gpc")),
        },
      );
      return back(ctx.access.registry, form.method, form.return_to, "granted");
    });
  });

  page(app, ctx.access, "POST", "/settings/privacy/revoke", WITHDRAW, async (c) => {
    const parsed = RevokeForm.safeParse(await readForm(c));
    if (!parsed.success) return await privacyPage(c, "The choice was not understood.", 400);
    const form = parsed.data;
    return await attempt(c, async () => {
      const outcome = await consent.revoke(
        (c.get("principal") as UserPrincipal).id,
        {
          consentType: "analytics",
          method: form.method ?? "settings",
          reason: "user_opt_out",
          eraseEvents: form.erase !== undefined,
        },
        {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
          gpc: gpcSignal(c.req.header("sec-gpc")),
        },
      );
      const notice = outcome.consent.state === "declined" ? "declined" : "withdrawn";
      const target = back(ctx.access.registry, form.method, form.return_to, notice);
      return outcome.erasedEvents !== null && target.startsWith("/settings/privacy?")
        ? `${target}&erased=${outcome.erasedEvents}`
        : target;
    });
  });

  return app;
}
