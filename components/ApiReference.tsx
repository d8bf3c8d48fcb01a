/**
 * A server-rendered API reference built from the app's own OpenAPI document:
 * operations grouped by tag, with access, parameters, bodies and responses.
 * No script and no CDN; the "try it" console is a separate island.
 */
import type { VNode } from "preact";

type Json = Record<string, unknown>;

export interface OperationSummary {
  id: string;
  method: string;
  path: string;
  summary: string;
  hasBody: boolean;
}

function resolveRef(doc: Json, schema: Json | undefined): Json | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/components/schemas/")) return schema;
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  return schemas[ref.slice("#/components/schemas/".length)];
}

function typeText(doc: Json, schema: Json | undefined, depth = 0): string {
  if (!schema) return "any";
  const ref = typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : undefined;
  if (ref) return ref;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if ("const" in schema) return JSON.stringify(schema.const);
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      return options.map((o) => typeText(doc, o as Json, depth)).join(" | ");
    }
  }
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : String(schema.type ?? "any");
  if (type === "array") return `${typeText(doc, schema.items as Json, depth)}[]`;
  return type;
}

/**
 * The mark of a required parameter or field: a star to the eye (explained at the top of the
 * page), the word to a screen reader; never a tooltip alone, which keyboard and touch users
 * never see.
 */
function RequiredMark(): VNode {
  return (
    <>
      <span class="required" aria-hidden="true">*</span> <span class="sr-only">(required)</span>
    </>
  );
}

/**
 * A parameter or field name that may break after each underscore on a narrow screen
 * (`strict_phi_on_upload`), and nowhere else.
 */
function FieldName({ name }: { name: string }): VNode {
  const parts = name.split("_");
  const last = parts.length - 1;
  return (
    <code>
      {parts.flatMap((part, i) => i < last ? [`${part}_`, <wbr key={i} />] : [part])}
    </code>
  );
}

function SchemaView(
  { doc, schema, depth = 0 }: { doc: Json; schema: Json | undefined; depth?: number },
): VNode {
  const resolved = resolveRef(doc, schema);
  const properties = (resolved?.properties ?? {}) as Record<string, Json>;
  const required = new Set((resolved?.required ?? []) as string[]);
  const entries = Object.entries(properties);
  if (entries.length === 0 || depth > 3) {
    return <code class="schema-type">{typeText(doc, schema)}</code>;
  }
  return (
    <table class="schema">
      <tbody>
        {entries.map(([name, child]) => {
          const inner = resolveRef(doc, child);
          const nested = inner?.type === "object" && inner.properties;
          return (
            <tr key={name}>
              <th scope="row">
                <FieldName name={name} />
                {required.has(name) ? <RequiredMark /> : null}
              </th>
              <td>
                {nested
                  ? <SchemaView doc={doc} schema={child} depth={depth + 1} />
                  : <code class="schema-type">{typeText(doc, child)}</code>}
                {typeof inner?.description === "string" && <p class="muted">{inner.description}</p>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** Flattens the document's operations (used by the page and the console island). */
export function listOperations(doc: Json): Array<OperationSummary & { tag: string; op: Json }> {
  const out: Array<OperationSummary & { tag: string; op: Json }> = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      out.push({
        id: `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, "-"),
        method: method.toUpperCase(),
        path,
        summary: String(op.summary ?? ""),
        hasBody: Boolean(op.requestBody),
        tag: String((op.tags as string[] | undefined)?.[0] ?? "Other"),
        op,
      });
    }
  }
  return out;
}

export function ApiReference({ doc }: { doc: Json }): VNode {
  const operations = listOperations(doc);
  const tags = [...new Set(operations.map((o) => o.tag))].sort();
  const info = (doc.info ?? {}) as Json;
  return (
    <div class="api-reference">
      <p class="lede">
        {String(info.description ?? "")} Version{" "}
        {String(info.version ?? "")}. The machine-readable document is at{" "}
        <code>/api/openapi.json</code>{" "}
        {/* Downloaded, not opened: JSON in the tab left the reader with no way on. */}
        (<a href="/api/openapi.json" download="openapi.json">download it</a>). Names marked{" "}
        <span class="required" aria-hidden="true">*</span> are required.
      </p>
      <nav class="api-toc" aria-label="Operations">
        {tags.map((tag) => (
          <details key={tag} open>
            <summary>{tag}</summary>
            <ul>
              {operations.filter((o) => o.tag === tag).map((o) => (
                <li key={o.id}>
                  <a href={`#${o.id}`}>
                    <span class={`method method--${o.method.toLowerCase()}`}>{o.method}</span>{" "}
                    {o.path}
                  </a>
                </li>
              ))}
            </ul>
          </details>
        ))}
      </nav>
      {operations.map(({ id, method, path, op }) => {
        const params = (op.parameters ?? []) as Json[];
        const body = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
        const responses = (op.responses ?? {}) as Record<string, Json>;
        return (
          <section class="operation" id={id} key={id} aria-labelledby={`${id}-title`}>
            <h2 id={`${id}-title`}>
              <span class={`method method--${method.toLowerCase()}`}>{method}</span>{" "}
              <code>{path}</code>
            </h2>
            {typeof op.summary === "string" && (
              <p>
                <strong>{op.summary}</strong>
              </p>
            )}
            {typeof op.description === "string" && <p>{op.description}</p>}
            {typeof op["x-access"] === "string" && (
              <p class="access">
                <span class="muted">Who may call:</span> {op["x-access"]}
              </p>
            )}
            {params.length > 0 && (
              <>
                <h3>Parameters</h3>
                <table class="schema">
                  <tbody>
                    {params.map((p) => (
                      <tr key={`${p.in}-${p.name}`}>
                        <th scope="row">
                          <FieldName name={String(p.name)} />
                          {p.required ? <RequiredMark /> : null}
                        </th>
                        <td>
                          <span class="muted">{String(p.in)}</span>{" "}
                          <code class="schema-type">{typeText(doc, p.schema as Json)}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
            {Object.entries(body).map(([type, media]) => (
              <div key={type}>
                <h3>
                  Request body <span class="muted">{type}</span>
                </h3>
                <SchemaView doc={doc} schema={media.schema as Json} />
              </div>
            ))}
            <h3>Responses</h3>
            <dl class="responses">
              {Object.entries(responses).map(([status, response]) => {
                const content = (response.content ?? {}) as Record<string, Json>;
                const first = Object.entries(content)[0];
                return (
                  <div key={status} class="response">
                    <dt>
                      <code>{status}</code> {String(response.description ?? "")}
                    </dt>
                    {first && (
                      <dd>
                        <span class="muted">{first[0]}</span>{" "}
                        <SchemaView doc={doc} schema={first[1].schema as Json} />
                      </dd>
                    )}
                  </div>
                );
              })}
            </dl>
          </section>
        );
      })}
    </div>
  );
}
