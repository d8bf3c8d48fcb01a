import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { ApiReference } from "./ApiReference.tsx";

Deno.test("ApiReference: a field name may break after its underscores only (narrow screens)", () => {
  const doc = {
    info: {},
    paths: {
      "/api/things": {
        get: {
          tags: ["Things"],
          parameters: [{ name: "page_size", in: "query", schema: { type: "integer" } }],
          responses: {
            "200": {
              description: "OK",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { strict_phi_on_upload: { type: "boolean" }, rolloutPercent: {} },
                    required: ["strict_phi_on_upload"],
                  },
                },
              },
            },
          },
        },
      },
    },
  };
  const html = renderToString(<ApiReference doc={doc} />);
  assert.match(html, /<code>page_<wbr\/>size<\/code>/);
  assert.match(html, /<code>strict_<wbr\/>phi_<wbr\/>on_<wbr\/>upload<\/code>/);
  assert.match(html, /<code>rolloutPercent<\/code>/);
});
