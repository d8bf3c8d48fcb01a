/**
 * The "Why is it on or off?" tool's question, read from the detail page's posted form (or, from
 * an old bookmark, its query), and what is wrong with it. Pure: no I/O.
 */
import type { FormError } from "../../../components/forms.tsx";
import { APP_ENVS, type AppEnv as Environment, type Mode, MODES } from "../../config.ts";
import { noPhiMessage, phiFormError, phiTypesIn } from "../../validation/no_phi.ts";
import { MAX_TARGETING_KEY } from "../ofrep.ts";

/** Whom and where the tool asks about; what is not given (or not valid) is left out. */
export interface WhyQuery {
  userId: string | undefined;
  sessionId: string | undefined;
  mode: Mode | undefined;
  env: Environment | undefined;
}

/**
 * The question in the query `query` reads: ids as typed, spaces included, as a service's targeting
 * key is evaluated (empty: none; spaces alone are an id, as OFREP and the status API take them;
 * never cut or trimmed, which would answer for another id: whyErrors refuses one that is too long),
 * a mode or environment only when it is one of the known ones.
 */
export function whyQuery(query: (name: string) => string | undefined): WhyQuery {
  const text = (name: string) => {
    const value = query(name) ?? "";
    return value === "" ? undefined : value;
  };
  const mode = query("mode");
  const env = query("env");
  return {
    userId: text("userId"),
    sessionId: text("sessionId"),
    mode: (MODES as readonly string[]).includes(mode ?? "") ? mode as Mode : undefined,
    env: (APP_ENVS as readonly string[]).includes(env ?? "") ? env as Environment : undefined,
  };
}

/** Whether an id of the question starts or ends with white space (answered as typed, said so). */
export function hasSurroundingSpace(why: Pick<WhyQuery, "userId" | "sessionId">): boolean {
  return [why.userId, why.sessionId].some((id) => id !== undefined && id.trim() !== id);
}

/** The ids of the Why form's id fields: a message about one links to it and marks it. */
export const WHY_FIELDS = { userId: "why-user-id", sessionId: "why-session-id" } as const;

/** What the Why form says about an e-mail address typed as the user id. */
export const WHY_EMAIL_MESSAGE =
  "User id: that looks like an email address; use the user id from Users.";

/**
 * What is wrong with the question's ids, if anything; never the value typed. An id is asked about
 * as a service's targeting key is evaluated (OFREP takes any text up to MAX_TARGETING_KEY
 * characters, and the rollout buckets it), so any such id is answered, except:
 * - an e-mail address as the user id: no user id is one, and a targeted person asked about by
 *   their address would be answered "Off";
 * - anything the PHI scanner flags, in either id: what is typed is evaluated and shown.
 */
export function whyErrors(why: Pick<WhyQuery, "userId" | "sessionId">): FormError[] {
  const errors: FormError[] = [];
  const check = (label: string, field: string, id: string | undefined, isUser: boolean) => {
    if (id === undefined) return;
    const types = phiTypesIn(id);
    const message = id.length > MAX_TARGETING_KEY
      ? `${label}: at most ${MAX_TARGETING_KEY} characters, as a targeting key.`
      : isUser && (id.includes("@") || types.includes("EMAIL"))
      ? WHY_EMAIL_MESSAGE
      : types.length > 0
      ? phiFormError(label, noPhiMessage(types))
      : undefined;
    if (message) errors.push({ message, field });
  };
  check("User id", WHY_FIELDS.userId, why.userId, true);
  check("Session id", WHY_FIELDS.sessionId, why.sessionId, false);
  return errors;
}
