/**
 * `GET /api/stream`: server-sent events for signed-in callers (or tokens
 * with events:read): `hello` with the caller's governance state (the flags only as the
 * subscriber asks: `flags=none|panel|all`, by default none for `topic=jobs` and every flag
 * otherwise), replay from
 * `Last-Event-ID` (or `?lastEventId=`), then live events of the topic. A stream ends as soon as
 * the credential that opened it ends, on this instance or another one, whether or not the
 * database answers. `HEAD /api/stream` answers what a GET would (the stream's headers, or the 429
 * at a connection cap) and opens no stream.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { presentedApiToken, sessionSecretOf } from "../../lib/auth/middleware.ts";
import { endsPrincipal } from "../../lib/auth/credentials_ended.ts";
import type { Principal } from "../../lib/auth/principal.ts";
import type { RouteContext } from "../../lib/context.ts";
import { type FlagsView, governanceStateFor } from "../../lib/governance/state.ts";
import { followsStoredMode } from "../../lib/governance/service.ts";
import { apiRoute, validationHook } from "../../lib/http/openapi.ts";
import { problem } from "../../lib/http/problem.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { FlagsViewQuery } from "./governance.ts";
import {
  type CapRefusal,
  type CredentialWatcher,
  olderEvent,
  openEventStream,
  TOPICS,
} from "../../lib/realtime/mod.ts";

// Not validated: a malformed or empty id is treated like an unknown one (the stream opens with
// `resync`). A 400 would stop an EventSource for good: it never reconnects after one.
const EventId = z.string().openapi({
  description: "An event id (`<ms>-<seq>`); anything else, like an unknown id, gets `resync`",
});

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

/** The 429 for a stream refused at the instance's cap (`global`) or the caller's (`client`). */
function refused(c: Context<AppEnv>, cap: CapRefusal): Response {
  return problem(
    c,
    "RATE_LIMITED",
    cap === "client"
      ? "Too many open event streams for this caller"
      : "This instance has too many open event streams",
    { "retry-after": "10" },
  );
}

export function streamRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { services, config, logger } = ctx;
  // This instance's open streams, by the credential that opened them. The auth service says when
  // credentials end (here or on another instance) without asking the database: their streams
  // close at once; where it may have missed such an end, every stream is in doubt (a re-check
  // that cannot tell then closes it).
  const watched = new Map<CredentialWatcher, Principal>();
  services.auth.onCredentialsEnded({
    ended(ended) {
      const ends = endsPrincipal(ended);
      let streams = 0;
      for (const [watcher, principal] of [...watched]) {
        if (ends(principal) && watcher.end()) streams++;
      }
      if (streams > 0) {
        logger.info("event streams closed: their credentials ended", {
          scope: ended.ended,
          streams,
        });
      }
    },
    missed() {
      for (const watcher of watched.keys()) watcher.doubt();
    },
  });

  app.openapi(
    apiRoute(ctx.access, { role: "signed_in", scopes: ["events:read"], class: "read" }, {
      method: "get",
      path: "/api/stream",
      tags: ["Events"],
      summary: "Server-sent events: governance changes and job progress",
      description:
        "First event `hello` (mode, pinned, flags, flagsMeta, flagsListed), then events of the " +
        "topic with " +
        "`id:` set. Resume with the `Last-Event-ID` header or `?lastEventId=`; an id older than " +
        "the kept history, unknown or malformed gets a `resync` event (refetch " +
        "`/api/governance/state`). A comment " +
        `heartbeat every ${config.realtime.heartbeatSeconds} s. 429 RATE_LIMITED above the ` +
        "per-user or per-instance connection cap. The hello lists flags as the `flags` query " +
        "says; without it, none for `topic=jobs` (`flags=none`; ask `flags=all` for every " +
        "flag) and every live flag otherwise (`flags=all`). The app's pages ask for fewer: " +
        "the mode badge `flags=none`, the governance console `flags=panel`.",
      request: {
        query: z.object({
          topic: z.enum(TOPICS).optional().openapi({ description: "Default all" }),
          lastEventId: EventId.optional(),
          flags: FlagsViewQuery.optional(),
        }),
        headers: z.object({ "last-event-id": EventId.optional() }),
      },
      responses: {
        200: {
          description: "An event stream",
          content: { "text/event-stream": { schema: z.string() } },
        },
        429: { description: "Too many open streams (RATE_LIMITED)" },
      },
    }),
    async (c) => {
      const principal = c.get("principal")!;
      const clientKey = `${principal.kind}:${principal.id}`;
      // Hono answers HEAD by running this GET handler and dropping the body it returns, without
      // cancelling it: a stream opened here would never be told its client is gone and would keep
      // its connection slot. A HEAD opens none: it gets the answer a GET would get now, the 429 at
      // either cap or the headers of a stream.
      if (c.req.method === "HEAD") {
        const refusal = services.sse.refusal(clientKey);
        if (refusal !== undefined) return refused(c, refusal) as never;
        return new Response(null, { status: 200, headers: SSE_HEADERS }) as never;
      }
      const query = c.req.valid("query");
      const lastEventId = c.req.valid("header")["last-event-id"] ?? query.lastEventId;
      // Every flag by default, as before the views existed (other services read them), except
      // for `topic=jobs`: job progress subscribers never needed them.
      const flagsView: FlagsView = query.flags ?? (query.topic === "jobs" ? "none" : "all");
      // Streams outlive the request that opened them: sign-out, deactivation or revocation
      // must end them too, so the credential is checked again while the stream is open.
      const bearer = presentedApiToken(c);
      const secret = sessionSecretOf(c);
      const recheck = async () => {
        if (principal.kind === "token") {
          return (await services.auth.authenticateToken(bearer ?? "")) !== undefined;
        }
        // A stream is not activity: the check must not refresh the session's idle timer, or an
        // unattended tab would keep its session alive for as long as it stays open.
        return secret !== undefined &&
          (await services.auth.authenticateSession(secret, { touch: false })) !== undefined;
      };
      const session = await openEventStream(
        {
          bus: services.bus,
          hub: services.sse,
          heartbeatMs: config.realtime.heartbeatSeconds * 1000,
          revalidateMs: config.realtime.revalidateSeconds * 1000,
        },
        {
          topic: query.topic ?? "all",
          ...(lastEventId !== undefined ? { lastEventId } : {}),
          clientKey,
          stillAuthorized: recheck,
          credentialNews: {
            watch: (watcher) => {
              watched.set(watcher, principal);
              return () => watched.delete(watcher);
            },
            hearing: () => services.auth.hearsEndsElsewhere(),
          },
          hello: () => {
            const { mode, pinned, flags, flagsMeta, flagsListed } = governanceStateFor(
              services,
              principal,
              flagsView,
            );
            return { mode, pinned, flags, flagsMeta, flagsListed };
          },
          // A mode change names the stored mode: only an instance that follows it may pass it on
          // (a pinned one never will be in it; a failed-closed one resyncs its streams once it
          // reads the mode again).
          shows: (event) =>
            event.type !== "governance.mode_changed" || followsStoredMode(services.mode.state()),
          // A change from another instance is in the hello only once the state has re-read it.
          unapplied: () =>
            olderEvent(services.flags.state().unappliedEvent, services.mode.unappliedEvent()),
          // Under Deno.serve a disconnect cancels the body stream, which ends the session; the
          // request signal is only needed in process (app.request), and reading it under
          // Deno.serve trips Deno's warning about its legacy abort-on-success semantics.
          ...(c.env?.remoteAddr ? {} : { signal: c.req.raw.signal }),
        },
      );
      if (session === "global" || session === "client") {
        // The instance's cap calls for capacity; one caller's (many tabs) is that caller's.
        services.metrics.sseRefused.inc({
          reason: session === "global" ? "instance_cap" : "caller_cap",
        });
        return refused(c, session) as never;
      }
      return new Response(session.stream, { status: 200, headers: SSE_HEADERS }) as never;
    },
  );
  return app;
}
