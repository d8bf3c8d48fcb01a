/**
 * The pure helpers of /experiments (routes/experiments.tsx): reading its forms into an
 * experiment input, with each schema issue tied to the form part at fault, and the ids and
 * shares the page prints.
 */
import type { FormError } from "../../../components/forms.tsx";
import { type FormFields, formValue, formValues } from "../../http/form.ts";
import { isPhiIssue, phiFormError } from "../../validation/no_phi.ts";
import { type ExperimentInput, ExperimentInputSchema } from "../experiment.ts";
import { SRM_THRESHOLD } from "../srm.ts";

/** `name=weight` lines (create form) or `weight:<name>` fields (edit form) → variants. */
export function variantsFrom(form: FormFields): Record<string, { weight: number }> {
  const variants: Record<string, { weight: number }> = {};
  const lines = formValue(form, "variants");
  if (lines !== undefined) {
    for (const line of lines.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed === "") continue;
      const [name = "", weight = ""] = trimmed.split("=").map((part) => part.trim());
      variants[name] = { weight: weight === "" ? NaN : Number(weight) };
    }
  }
  for (const [field, value] of Object.entries(form)) {
    if (!field.startsWith("weight:") || typeof value !== "string") continue;
    variants[field.slice("weight:".length)] = { weight: value.trim() === "" ? NaN : Number(value) };
  }
  return variants;
}

/** The part of an experiment form a message is about: the key, the description or the variants. */
export type FormPart = "key" | "description" | "variants";

/** A message about the form, and the part of it at fault when it is one. */
export interface PartError {
  message: string;
  part?: FormPart;
}

/** The ids of the create form's fields, by part. */
export const CREATE_FIELDS: Record<FormPart, string> = {
  key: "new-experiment-key",
  description: "new-experiment-description",
  variants: "new-experiment-variants",
};

/** The id of an experiment's weights (its variants table), which its edit form's errors name. */
export function weightsId(key: string): string {
  return `exp-${key}-weights`;
}

/** Messages about the create form, each tied to its field. */
export function onCreateForm(errors: PartError[]): FormError[] {
  return errors.map(({ message, part }) => ({
    message,
    ...(part ? { field: CREATE_FIELDS[part] } : {}),
  }));
}

/** Messages about an experiment's edit form: the variants' are about its weights. */
export function onEditForm(key: string, errors: PartError[]): FormError[] {
  return errors.map(({ message, part }) => ({
    message,
    ...(part === "variants" ? { field: weightsId(key) } : {}),
  }));
}

/** The form as an experiment input, validated by the API's own schema. */
export function experimentInputFromForm(
  form: FormFields,
  key: string,
): { input?: ExperimentInput; errors: PartError[] } {
  const version = formValue(form, "version")?.trim();
  const description = formValue(form, "description");
  const candidate = {
    key,
    enabled: formValue(form, "enabled") === "on",
    ...(description !== undefined ? { description: description.trim() || null } : {}),
    variants: variantsFrom(form),
    requiredModes: formValues(form, "required_modes"),
    ...(version ? { version: Number(version) } : {}),
  };
  const parsed = ExperimentInputSchema.safeParse(candidate);
  if (parsed.success) return { input: parsed.data, errors: [] };
  const errors = new Map<string, PartError>();
  for (const issue of parsed.error.issues) {
    const error = partError(issue);
    if (!errors.has(error.message)) errors.set(error.message, error);
  }
  return { errors: [...errors.values()] };
}

/** The message for one schema issue, and the part of the form it is about. */
export function partError(
  issue: { path: PropertyKey[]; code: string; format?: unknown; message: string },
): PartError {
  if (isPhiIssue(issue)) {
    const part = issue.path[0] === "description" ? "description" : "variants";
    return {
      message: phiFormError(part === "description" ? "Description" : "Variants", issue.message),
      part,
    };
  }
  switch (issue.path[0]) {
    case "key":
      return {
        message: "Key: lower case letters, digits and _ . - only, starting with a letter.",
        part: "key",
      };
    case "variants":
      return {
        message:
          "Variants: names of letters, digits and _ . - starting with a letter, with whole-number weights from 0 to 10000; at least one weight above 0.",
        part: "variants",
      };
    case "description":
      return { message: "Description: at most 500 characters.", part: "description" };
    default:
      return { message: "A field is not valid." };
  }
}

/**
 * `part` as a share of `total`, one decimal (a dash when nothing is allocated). A share that is
 * not 0 but would print as 0.0% prints "<0.1%", and one short of all that would print as 100.0%
 * prints ">99.9%", so a live variant with a tiny weight never reads like a switched-off one.
 */
export function percent(part: number, total: number): string {
  if (!(total > 0)) return "—";
  const share = (100 * part) / total;
  const printed = share.toFixed(1);
  if (part > 0 && printed === "0.0") return "<0.1%";
  if (part < total && printed === "100.0") return ">99.9%";
  return `${printed}%`;
}

/** Below this a p-value is printed as "p < 0.0001": more digits tell an admin nothing more. */
export const P_DISPLAY_FLOOR = 0.0001;

/**
 * A p-value as the page prints it: "p = 0.0016" (two significant digits), "p < 0.0001" below
 * that, and "p > 0.99" for a value under 1 that two digits would round up to 1.0.
 */
export function pValueText(p: number): string {
  if (p < P_DISPLAY_FLOOR) return `p < ${P_DISPLAY_FLOOR}`;
  if (p > 0.99 && p < 1) return "p > 0.99";
  // A p just under the warning threshold would round up to it ("p = 0.0010" beside "the warning
  // is for p < 0.001"): say which side it is on.
  if (p < SRM_THRESHOLD && Number(p.toPrecision(2)) >= SRM_THRESHOLD) return `p < ${SRM_THRESHOLD}`;
  // Two significant digits, so a p just above the threshold (0.0014) does not read as 0.001.
  return `p = ${p.toPrecision(2)}`;
}
