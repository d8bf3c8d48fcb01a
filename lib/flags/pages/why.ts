/**
 * The "Why is it on or off?" tool's question, read from the detail page's posted form (or, from
 * an old bookmark, its query), and what is wrong with it. Pure: no I/O.
 */
import type { FormError } from "../../../components/forms.tsx";
import { APP_ENVS, type AppEnv as Environment, type Mode, MODES } from "../../config.ts";
import { isPhiIssue, noPhiMessage, phiFormError, phiTypesIn } from "../../validation/no_phi.ts";
import { TargetIdSchema } from "../flag.ts";

/** Whom and where the tool asks about; what is not given (or not valid) is left out. */
export interface WhyQuery {
  userId: string | undefined;
  sessionId: string | undefined;
  mode: Mode | undefined;
  env: Environment | undefined;
}

/**
 * The question in the query `query` reads: ids trimmed and cut to 255 characters (empty: none),
 * a mode or environment only when it is one of the known ones.
 */
export function whyQuery(query: (name: string) => string | undefined): WhyQuery {
  const text = (name: string) => {
    const value = (query(name) ?? "").trim();
    return value === "" ? undefined : value.slice(0, 255);
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

/** The ids of the Why form's id fields: a message about one links to it and marks it. */
export const WHY_FIELDS = { userId: "why-user-id", sessionId: "why-session-id" } as const;

/** What the Why form says about an e-mail address typed as the user id. */
export const WHY_EMAIL_MESSAGE =
  "User id: that looks like an email address; use the user id from Users.";

/**
 * What is wrong with the question's ids, if anything; never the value typed. The user id follows
 * the rule of a flag's target users (TargetIdSchema: the id pattern, nothing the PHI scanner
 * flags), so the answer is about an id a flag can target: an e-mail address never matches one
 * and would be answered "Off" for a targeted person. The session id is only checked for PHI:
 * sessions are not targeted, but what is typed is evaluated and shown.
 */
export function whyErrors(why: Pick<WhyQuery, "userId" | "sessionId">): FormError[] {
  const errors: FormError[] = [];
  if (why.userId !== undefined) {
    const parsed = TargetIdSchema.safeParse(why.userId);
    if (!parsed.success) {
      const phi = parsed.error.issues.find(isPhiIssue);
      const message = why.userId.includes("@")
        ? WHY_EMAIL_MESSAGE
        : phi
        ? phiFormError("User id", phi.message)
        : "User id: ids only (letters, digits, _ . : -, at most 128), no email addresses; " +
          "use the user id from Users.";
      errors.push({ message, field: WHY_FIELDS.userId });
    }
  }
  if (why.sessionId !== undefined) {
    const types = phiTypesIn(why.sessionId);
    if (types.length > 0) {
      errors.push({
        message: phiFormError("Session id", noPhiMessage(types)),
        field: WHY_FIELDS.sessionId,
      });
    }
  }
  return errors;
}
