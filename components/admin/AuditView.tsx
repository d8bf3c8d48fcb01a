/** The audit log page (/audit): the filter form and one page of records. */
import type { ApiToken, User } from "../../lib/auth/mod.ts";
import type { ActorType, AuditPage } from "../../lib/audit/mod.ts";
import { utcTime } from "../../islands/shared/time.ts";
import { ErrorSummary, FieldError, fieldErrorAttrs, type FormError } from "../forms.tsx";
import { ChangeView } from "./ChangeView.tsx";
import { FilterField } from "./FilterField.tsx";
import { TableScroll } from "../TableScroll.tsx";

export interface AuditViewProps {
  /**
   * The query's non-empty parameters, as typed (the actor as an id). Shown back in their fields;
   * the links carry on only those not in `invalidFields`.
   */
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

/**
 * The text filters (AuditQuery's fields, routes/api/audit.ts): the field's id, its label and the
 * message when what was typed is not valid. A message names the field and states the rule, never
 * the value.
 */
const TEXT_FILTERS = {
  action: {
    id: "audit-action",
    label: "Action (or prefix ending in .)",
    message: "Action: lower-case letters, digits, _ and . only, starting with a letter, at most " +
      "81 characters. It was ignored.",
  },
  actor: {
    id: "audit-actor",
    label: "Actor (name or id as shown below)",
    message: "Actor: at most 64 characters. It was ignored.",
  },
  targetType: {
    id: "audit-target-type",
    label: "Target type",
    message: "Target type: lower-case letters and _ only, at most 40. It was ignored.",
  },
  targetId: {
    id: "audit-target-id",
    label: "Target id",
    message: "Target id: at most 128 characters. It was ignored.",
  },
  from: {
    id: "audit-from",
    label: "From (e.g. 2026-11-01T00:00:00Z)",
    message: "From: a date and time with a time zone, such as 2026-11-01T00:00:00Z, in the years " +
      "0001 to 9999. It was ignored.",
  },
  to: {
    id: "audit-to",
    label: "Before (e.g. 2026-12-01T00:00:00Z)",
    message: "Before: a date and time with a time zone, such as 2026-12-01T00:00:00Z, in the " +
      "years 0001 to 9999. It was ignored.",
  },
  limit: {
    id: "audit-limit",
    label: "Entries per page (1 to 200)",
    message: "Entries per page: a whole number from 1 to 200. It was ignored.",
  },
} as const;

type TextFilter = keyof typeof TEXT_FILTERS;

/**
 * The messages of the filters that were not valid, each about its own field, in the form's order.
 * An actor that names no one says so on the actor field (the log was not searched).
 */
function filterErrors(
  invalidFields: ReadonlySet<string> | undefined,
  actorError: string | undefined,
): FormError[] {
  const errors: FormError[] = [];
  const add = (name: TextFilter) => {
    if (invalidFields?.has(name)) {
      errors.push({ field: TEXT_FILTERS[name].id, message: TEXT_FILTERS[name].message });
    }
  };
  add("action");
  if (actorError) errors.push({ field: TEXT_FILTERS.actor.id, message: actorError });
  else add("actor");
  if (invalidFields?.has("actorType")) {
    errors.push({
      field: ACTOR_TYPE_FIELD,
      message: "Not an actor type the log knows: choose one from the list. It was ignored.",
    });
  }
  for (const name of ["targetType", "targetId", "from", "to", "limit"] as const) add(name);
  return errors;
}

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
  const fieldErrors = filterErrors(invalidFields, actorError);
  if (!filtersValid && fieldErrors.length === 0) {
    fieldErrors.push({ message: "A parameter of the address was not valid. It was ignored." });
  }
  // The search as the links carry it on: a filter that was not valid is left out (it was not
  // applied, and following a link would only repeat the error); it is still shown in its field.
  const linked = Object.fromEntries(
    Object.entries(raw).filter(([name]) => !invalidFields?.has(name)),
  );
  // The newest entries of the same search: its filters without the cursor (a page of older
  // entries, or a cursor that is not valid, links back there). An actor that named no account is
  // left out: what was typed (an e-mail address, say) stays out of every address.
  const { cursor: _, actor, ...filters } = linked;
  const { cursor } = raw;
  const newest = new URLSearchParams(
    actor !== undefined && !actorError ? { ...filters, actor } : filters,
  ).toString();
  const newestHref = newest ? `/audit?${newest}` : "/audit";
  const next = new URLSearchParams({ ...linked, cursor: pageData.nextCursor ?? "" });
  const textField = (name: TextFilter) => (
    <FilterField
      label={TEXT_FILTERS[name].label}
      name={name}
      id={TEXT_FILTERS[name].id}
      value={raw[name]}
      errors={fieldErrors}
    />
  );
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
      <ErrorSummary
        errors={fieldErrors}
        title={actorError
          ? "The log was not searched:"
          : "Some filters were not valid and were ignored:"}
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
        {textField("action")}
        {textField("actor")}
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
        {textField("targetType")}
        {textField("targetId")}
        {textField("from")}
        {textField("to")}
        {textField("limit")}
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
