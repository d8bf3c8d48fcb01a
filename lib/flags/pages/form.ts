/**
 * The create and edit forms of the flag pages: their fields' ids, and how a posted form becomes a
 * flag input or the messages of its refusal. Pure: no I/O.
 */
import type { FormError } from "../../../components/forms.tsx";
import { type FormFields, formValue, formValues } from "../../http/form.ts";
import { isPhiIssue, phiFormError } from "../../validation/no_phi.ts";
import { type Flag, type FlagInput, FlagInputSchema, KEY_PATTERN } from "../flag.ts";
import {
  BAD_KEY_MESSAGE,
  FIELD_LABELS,
  KEY_EXISTS_MESSAGE,
  KEY_LIVE_AGAIN_MESSAGE,
} from "./messages.ts";

/**
 * The ids of the create and edit forms' fields (a page has one of the two), by the input's name
 * in the schema: a message about one links to it and marks it.
 */
export const FLAG_FIELDS = {
  key: "flag-key",
  description: "flag-description",
  scope: "flag-scope",
  rolloutPercent: "rollout-percent",
  requiredModes: "flag-required-modes",
  targetEnvironments: "flag-target-environments",
  targetUsers: "flag-target-users",
} as const;

/** The field a schema issue is about, when it is one of the form's visible fields. */
function fieldOf(path: PropertyKey[]): string | undefined {
  const name = String(path[0] ?? "");
  return Object.hasOwn(FLAG_FIELDS, name)
    ? FLAG_FIELDS[name as keyof typeof FLAG_FIELDS]
    : undefined;
}

/**
 * The flag input of a create or edit form. With `current` (an edit), a description or target
 * list sent back unchanged is left out, so it keeps its value without being checked again: a
 * text stored before a stricter PHI rule must not stop an administrator from switching the
 * flag off in an incident.
 */
export function flagInputFromForm(
  form: FormFields,
  current?: Pick<Flag, "description" | "targetUsers">,
): { input?: FlagInput; errors: FormError[] } {
  const rollout = formValue(form, "rollout_percent")?.trim();
  const version = formValue(form, "version")?.trim();
  const description = (formValue(form, "description") ?? "").trim() || null;
  const targetUsers = (formValue(form, "target_users") ?? "").split(/[\s,]+/).filter((id) =>
    id !== ""
  );
  const sameTargets = current !== undefined &&
    targetUsers.length === current.targetUsers.length &&
    targetUsers.every((id, i) => id === current.targetUsers[i]);
  const candidate = {
    enabled: formValue(form, "enabled") === "on",
    ...(current !== undefined && description === current.description ? {} : { description }),
    scope: formValue(form, "scope"),
    rolloutPercent: rollout === undefined || rollout === "" ? undefined : Number(rollout),
    requiredModes: formValues(form, "required_modes"),
    targetEnvironments: formValues(form, "target_environments"),
    ...(sameTargets ? {} : { targetUsers }),
    ...(version ? { version: Number(version) } : {}),
  };
  const parsed = FlagInputSchema.safeParse(candidate);
  if (parsed.success) return { input: parsed.data, errors: [] };
  // One message per field (zod may raise several issues for one list).
  const errors = new Map<string, FormError>();
  for (const issue of parsed.error.issues) {
    const message = issueMessage(issue);
    const field = fieldOf(issue.path);
    if (!errors.has(message)) errors.set(message, { message, ...(field ? { field } : {}) });
  }
  return { errors: [...errors.values()] };
}

/** The message for one schema issue, in the field's own words; never the value typed. */
function issueMessage(
  issue: { path: PropertyKey[]; code: string; format?: unknown; message: string },
): string {
  const field = FIELD_LABELS[String(issue.path[0] ?? "")] ?? "A field";
  if (isPhiIssue(issue)) return phiFormError(field, issue.message);
  if (issue.path[0] === "targetUsers") {
    return `${field}: ids only (letters, digits, _ . : -), one per line, at most 1000, no email addresses.`;
  }
  if (issue.path[0] === "rolloutPercent") return `${field}: a whole number from 0 to 100.`;
  if (issue.path[0] === "description") return `${field}: at most 500 characters.`;
  return `${field}: not a valid value.`;
}

/**
 * What the create form (or a restore, `restoring`) says about its key, if anything: a key
 * KEY_PATTERN refuses, or one a live flag has (`isLive`, asked only about a valid key). A
 * restore's key is not typed: its message links to no field.
 */
export function keyError(
  key: string,
  restoring: boolean,
  isLive: (key: string) => boolean,
): FormError | undefined {
  const onKey = restoring ? {} : { field: FLAG_FIELDS.key };
  if (!KEY_PATTERN.test(key)) return { message: BAD_KEY_MESSAGE, ...onKey };
  if (isLive(key)) {
    return { message: restoring ? KEY_LIVE_AGAIN_MESSAGE : KEY_EXISTS_MESSAGE, ...onKey };
  }
  return undefined;
}

/** The version an archive form was based on, when it sent a positive whole number. */
export function archiveVersion(value: string | undefined): number | undefined {
  const version = Number(value);
  return Number.isInteger(version) && version > 0 ? version : undefined;
}
