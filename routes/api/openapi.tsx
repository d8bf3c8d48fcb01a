/** The OpenAPI 3.1 document and the interactive reference page, both served by the app. */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiReference, listOperations } from "../../components/ApiReference.tsx";
import ApiConsole from "../../islands/ApiConsole.tsx";
import type { RouteContext } from "../../lib/context.ts";
import { apiRoute, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { Island } from "../../lib/web/island.tsx";

/** Builds the OpenAPI document of the whole app (given once all routes are mounted). */
export type DocumentSource = () => Record<string, unknown>;

const PUBLIC_READ = { role: "public", class: "read" } as const;

export function openApiRoutes(ctx: RouteContext, document: DocumentSource): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    apiRoute(ctx.access, PUBLIC_READ, {
      method: "get",
      path: "/api/openapi.json",
      tags: ["Documentation"],
      summary: "The OpenAPI 3.1 document of this API",
      responses: {
        200: {
          description: "OpenAPI document",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    }),
    (c) => c.json(document(), 200),
  );

  app.openapi(
    apiRoute(ctx.access, PUBLIC_READ, {
      method: "get",
      path: "/api/docs",
      tags: ["Documentation"],
      summary: "Interactive API reference (HTML)",
      responses: {
        200: { description: "HTML page", content: { "text/html": { schema: z.string() } } },
      },
    }),
    (c) => {
      const doc = document();
      const principal = c.get("principal");
      const operations = listOperations(doc).map(({ id, method, path, summary, hasBody }) => ({
        id,
        method,
        path,
        summary,
        hasBody,
      }));
      return ctx.pages.render(
        c,
        <>
          <h1>API reference</h1>
          <Island
            component={ApiConsole}
            props={{
              operations,
              csrfToken: principal?.kind === "user" ? principal.csrfToken : null,
            }}
          />
          <ApiReference doc={doc} />
        </>,
        { title: "API reference" },
      ) as never;
    },
  );
  return app;
}
