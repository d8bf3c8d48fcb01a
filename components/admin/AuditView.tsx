/** The audit log page (/audit): the filter form and one page of records. */
import type { ApiToken, User } from "../../lib/auth/mod.ts";
import type { ActorType, AuditPage } from "../../lib/audit/mod.ts";
import { utcTime } from "../../islands/shared/time.ts";
import { ErrorNotice, FieldError, fieldErrorAttrs, type FormError } from "../forms.tsx";
import { ChangeView } from "./ChangeView.tsx";
import { FilterField } from "./FilterField.tsx";
import { TableScroll } from "../TableScroll.tsx";

export interface AuditViewProps {
  /** The query's non-empty parameters, as typed (the actor as an id). */
  raw: Record<string, string>;
  /** Why the actor filter names no one, when it does not. */
  actorError: string | undefined;
  /** Whether the filters were valid (invalid ones are ignored). */
  filtersValid: boolean;
  /** The names of the filters that were not valid and were ignored. */
  invalidFields?: ReadonlySet<string>;
  pageData: AuditPage;
  /** The stored accounts and tokens, to name the actors and targets. */
  names: { users: User[]; tokens: ApiToken[] };
  /**
   * The `cursor` was not one the log handed out (cut short, edited): the page says so with a
   * link to the newest entries of the same search (`raw` without the cursor) and lists nothing.
   */
  cursorInvalid?: boolean;
}

/** The id of the actor type field (its message is `${ACTOR_TYPE_FIELD}-error`). */
const ACTOR_TYPE_FIELD = "audit-actor-type";

/** The kinds of actor the filter offers, in the words of the page. */
const ACTOR_TYPE_CHOICES: readonly { value: ActorType; label: string }[] = [
  { value: "user", label: "Account" },
  { value: "token", label: "API token" },
  { value: "system", label: "System (operator commands, chores)" },
  { value: "anonymous", label: "Not signed in (failed sign-ins)" },
];

/** A user or token as the page names it: the name, then the full id (selectable). */
function Named(
  { kind, id, userById, tokenById }: {
    kind: string;
    id: string | null;
    userById: Map<string, User>;
    tokenById: Map<string, ApiToken>;
  },
) {
  if (!id) return <>{kind}</>;
  const user = kind === "user" ? userById.get(id) : undefined;
  const token = kind === "token" || kind === "api_token" ? tokenById.get(id) : undefined;
  const name = user?.displayName ? <bdi>{user.displayName}</bdi> : token
    ? (
      <>
        token “<bdi>{token.name}</bdi>”
      </>
    )
    : kind;
  return (
    <>
      {name} <code class="muted">{id}</code>
    </>
  );
}

export function AuditView(
  { raw, actorError, filtersValid, invalidFields, pageData, names, cursorInvalid }: AuditViewProps,
) {
  const fieldErrors: FormError[] = invalidFields?.has("actorType")
    ? [{
      field: ACTOR_TYPE_FIELD,
      message: "Not an actor type the log knows: choose one from the list. It was ignored.",
    }]
    : [];
  // The newest entries of the same search: its filters without the cursor (a page of older
  // entries, or a cursor that is not valid, links back there). An actor that named no account is
  // left out: what was typed (an e-mail address, say) stays out of every address.
  const { cursor, actor, ...filters } = raw;
  const newest = new URLSearchParams(
    actor !== undefined && !actorError ? { ...filters, actor } : filters,
  ).toString();
  const newestHref = newest ? `/audit?${newest}` : "/audit";
  const next = new URLSearchParams({ ...raw, cursor: pageData.nextCursor ?? "" });
  const userById = new Map(names.users.map((u) => [u.id, u]));
  const tokenById = new Map(names.tokens.map((t) => [t.id, t]));
  const filteredActor = raw.actor && !actorError
    ? userById.get(raw.actor) ?? tokenById.get(raw.actor)
    : undefined;
  return (
    <>
      <h1>Audit log</h1>
      <p class="lede">
        Every state change, newest first. Entries cannot be edited or deleted. Times are UTC.
      </p>
      <ErrorNotice
        message={actorError ??
          (filtersValid ? undefined : "Some filters were not valid and were ignored.")}
      />
      {cursorInvalid && (
        <p class="notice notice--error" role="alert" data-testid="cursor-invalid">
          This link to older entries is not valid: it may have been cut short or changed.{" "}
          <a href={newestHref}>Newest entries</a>
        </p>
      )}
      <form
        method="get"
        action="/audit"
        class="panel filter-form"
        aria-label="Filter the audit log"
      >
        <FilterField label="Action (or prefix ending in .)" name="action" value={raw.action} />
        <FilterField
          label="Actor (name or id as shown below)"
          name="actor"
          value={raw.actor}
        />
        {/* The message stands outside the label: the field's description, not its name. */}
        <div>
          <label>
            Actor type
            <select
              name="actorType"
              id={ACTOR_TYPE_FIELD}
              {...fieldErrorAttrs(fieldErrors, ACTOR_TYPE_FIELD)}
            >
              <option value="">Any</option>
              {ACTOR_TYPE_CHOICES.map((choice) => (
                <option
                  key={choice.value}
                  value={choice.value}
                  selected={raw.actorType === choice.value}
                >
                  {choice.label}
                </option>
              ))}
            </select>
          </label>
          <FieldError errors={fieldErrors} field={ACTOR_TYPE_FIELD} />
        </div>
        <FilterField label="Target type" name="targetType" value={raw.targetType} />
        <FilterField label="Target id" name="targetId" value={raw.targetId} />
        <button type="submit" class="button">Filter</button>
      </form>
      {filteredActor && (
        <p data-testid="actor-filter">
          Showing the actions of{" "}
          <strong>
            {"email" in filteredActor
              ? (filteredActor.displayName
                ? <bdi>{filteredActor.displayName}</bdi>
                : "an account without a name")
              : (
                <>
                  token “<bdi>{filteredActor.name}</bdi>”
                </>
              )}
          </strong>.
        </p>
      )}
      {!cursorInvalid && (
        <TableScroll label="Audit records">
          <table class="data" aria-label="Audit records">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {pageData.records.length === 0 && (
                <tr>
                  <td colSpan={5} class="muted">No matching records.</td>
                </tr>
              )}
              {pageData.records.map((record) => (
                <tr key={record.id}>
                  <td>
                    <time datetime={record.createdAt}>{utcTime(record.createdAt)}</time>
                  </td>
                  <td data-testid="audit-actor">
                    <Named
                      kind={record.actorType}
                      id={record.actorId}
                      userById={userById}
                      tokenById={tokenById}
                    />
                  </td>
                  <td>
                    <code>{record.action}</code>
                  </td>
                  <td>
                    {record.targetType
                      ? (record.targetType === "user" || record.targetType === "api_token"
                        ? (
                          <Named
                            kind={record.targetType}
                            id={record.targetId}
                            userById={userById}
                            tokenById={tokenById}
                          />
                        )
                        : `${record.targetType} ${record.targetId ?? ""}`)
                      : "—"}
                  </td>
                  <td>
                    <ChangeView before={record.before} after={record.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {(pageData.nextCursor || (cursor !== undefined && !cursorInvalid)) && (
        <p>
          {cursor !== undefined && !cursorInvalid && (
            <>
              <a class="button" href={newestHref}>Newest entries</a>
              {" "}
            </>
          )}
          {pageData.nextCursor && <a class="button" href={`/audit?${next}`}>Older entries</a>}
        </p>
      )}
    </>
  );
}
