/**
 * The OpenFeature Remote Evaluation Protocol (OFREP) mapping: request
 * parsing, evaluation results → OFREP responses, and the bulk ETag. Pure.
 *
 * Flags are boolean (variants "on"/"off"); experiments are exposed as string
 * flags whose value is the variant key. App reasons map onto OFREP's:
 * OVERRIDE, STATIC → STATIC; TARGETING_MATCH; SPLIT; DISABLED, MODE_GATED,
 * ENVIRONMENT_GATED → DISABLED; ROLLOUT (0%, or no targeting key) → DEFAULT. The app's
 * own reason travels in `metadata.evaluationReason`. Only experiments answer
 * TARGETING_KEY_MISSING without a targeting key: a variant cannot be guessed.
 */
import { z } from "zod";
import type { Assignment } from "../experiments/assign.ts";
import type { CompiledFlag, FlagEvaluation } from "./evaluate.ts";
import {
  decodeUtf8,
  isStorableText,
  NOT_UTF8_MESSAGE,
  UNSTORABLE_TEXT_MESSAGE,
} from "../validation/text.ts";
import { isJsonMediaType } from "../http/media_type.ts";
import { murmur3 } from "./hash.ts";
import { MAX_TARGETING_KEY } from "./hash.ts";

export type OfrepReason = "STATIC" | "TARGETING_MATCH" | "SPLIT" | "DISABLED" | "DEFAULT";
export type OfrepErrorCode =
  | "PARSE_ERROR"
  | "TARGETING_KEY_MISSING"
  | "INVALID_CONTEXT"
  | "FLAG_NOT_FOUND"
  | "GENERAL";

export type OfrepMetadata = Record<string, string | number | boolean>;

export interface OfrepSuccess {
  key: string;
  /** Absent when the caller should use its code default (a gated experiment). */
  value?: boolean | string;
  reason: OfrepReason;
  variant?: string;
  metadata: OfrepMetadata;
}

export interface OfrepFailure {
  key: string;
  errorCode: OfrepErrorCode;
  errorDetails: string;
}

export type OfrepResult = OfrepSuccess | OfrepFailure;

export { MAX_TARGETING_KEY };

/** `{ context: { targetingKey?, ...attributes } }`; unknown top-level fields are refused. */
export const OfrepRequestSchema = z.object({
  context: z.record(z.string(), z.unknown()).optional(),
}).strict();

const TargetingKeySchema = z.string().min(1).max(MAX_TARGETING_KEY);

/** What evaluation takes from a request: only the targeting key (mode and environment are the server's). */
export interface OfrepContext {
  targetingKey: string | undefined;
}

export type ParsedRequest =
  | { ok: true; context: OfrepContext }
  | { ok: false; errorCode: "PARSE_ERROR" | "INVALID_CONTEXT"; errorDetails: string };

/** What OFREP answers for a body that broke off before its end. */
export const BODY_UNREADABLE_DETAILS = "The request body could not be read";
/** What OFREP answers for a body sent as another media type than JSON. */
export const NOT_JSON_MEDIA_DETAILS = "Send the body as application/json";

/**
 * Parses a request body as sent: its bytes and its Content-Type. A body is JSON only when sent
 * as JSON (`application/json` or `application/*+json`, parameters such as charset aside), as on
 * the app's other JSON routes; an empty body needs no media type (OFREP clients may send none).
 * Bytes that are not UTF-8 are PARSE_ERROR, not decoded to U+FFFD: `\xff` and `\xfe` would
 * otherwise become one targeting key and share an assignment. A body that could not be read
 * (`undefined`: it broke off before its end) is PARSE_ERROR too. Then as {@link parseOfrepRequest}.
 */
export function parseOfrepBody(
  contentType: string | undefined,
  bytes: Uint8Array | undefined,
): ParsedRequest {
  if (bytes === undefined) {
    return { ok: false, errorCode: "PARSE_ERROR", errorDetails: BODY_UNREADABLE_DETAILS };
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    return { ok: false, errorCode: "PARSE_ERROR", errorDetails: NOT_UTF8_MESSAGE };
  }
  if (text.trim() !== "" && !isJsonMediaType(contentType)) {
    return { ok: false, errorCode: "PARSE_ERROR", errorDetails: NOT_JSON_MEDIA_DETAILS };
  }
  return parseOfrepRequest(text);
}

/**
 * Parses a request body. Not JSON or not the request shape → PARSE_ERROR;
 * a context that is not an object, or a targeting key that is not a
 * non-empty string, or one with a NUL character or an unpaired surrogate
 * (text no database column holds: refused here, before any read) →
 * INVALID_CONTEXT. Client `mode` and `environment` attributes, and every
 * other attribute, are ignored (never read, stored or logged).
 */
export function parseOfrepRequest(text: string): ParsedRequest {
  let body: unknown;
  try {
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return { ok: false, errorCode: "PARSE_ERROR", errorDetails: "The body is not valid JSON" };
  }
  if (body && typeof body === "object" && !Array.isArray(body) && "context" in body) {
    const context = (body as { context: unknown }).context;
    if (
      context !== undefined && (!context || typeof context !== "object" || Array.isArray(context))
    ) {
      return {
        ok: false,
        errorCode: "INVALID_CONTEXT",
        errorDetails: "The context must be an object",
      };
    }
  }
  const parsed = OfrepRequestSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      errorCode: "PARSE_ERROR",
      errorDetails: "The body must be an object with only a context",
    };
  }
  const raw = parsed.data.context?.targetingKey;
  if (raw === undefined || raw === null || raw === "") {
    return { ok: true, context: { targetingKey: undefined } };
  }
  const key = TargetingKeySchema.safeParse(raw);
  if (!key.success) {
    return {
      ok: false,
      errorCode: "INVALID_CONTEXT",
      errorDetails: `The targetingKey must be a string of 1 to ${MAX_TARGETING_KEY} characters`,
    };
  }
  if (!isStorableText(key.data)) {
    return {
      ok: false,
      errorCode: "INVALID_CONTEXT",
      errorDetails: `The targetingKey is not valid: ${UNSTORABLE_TEXT_MESSAGE}`,
    };
  }
  return { ok: true, context: { targetingKey: key.data } };
}

const FLAG_REASON_MAP: Record<string, OfrepReason> = {
  OVERRIDE: "STATIC",
  STATIC: "STATIC",
  TARGETING_MATCH: "TARGETING_MATCH",
  SPLIT: "SPLIT",
  DISABLED: "DISABLED",
  MODE_GATED: "DISABLED",
  ENVIRONMENT_GATED: "DISABLED",
  ROLLOUT: "DEFAULT",
};

/**
 * The OFREP result of a flag evaluation (the flag exists in the snapshot).
 *
 * A percentage rollout without a targeting key is answered as evaluated: off, `ROLLOUT` (DESIGN
 * rule 7, no id → false), OFREP reason DEFAULT. Not TARGETING_KEY_MISSING: on an error the SDKs
 * return the caller's own code default, which may be `true`, so a partial rollout would be on for
 * every caller that sends no key (the same reason a flag that only targets listed users is off).
 */
export function flagResult(
  compiled: CompiledFlag,
  evaluation: FlagEvaluation,
): OfrepResult {
  return {
    key: evaluation.key,
    value: evaluation.value,
    reason: FLAG_REASON_MAP[evaluation.reason] ?? "DEFAULT",
    variant: evaluation.value ? "on" : "off",
    metadata: { kind: "flag", evaluationReason: evaluation.reason, version: compiled.flag.version },
  };
}

/** The OFREP result of an experiment assignment: a string flag whose value is the variant key. */
export function experimentResult(
  key: string,
  assignment: Assignment,
  version: number,
): OfrepResult {
  if (assignment.reason === "NO_ID") {
    return {
      key,
      errorCode: "TARGETING_KEY_MISSING",
      errorDetails: "Experiments assign by targetingKey",
    };
  }
  const metadata = { kind: "experiment", evaluationReason: assignment.reason, version };
  if (assignment.variant === null) {
    // Not running here: the caller's code default applies (OFREP ADR 0006).
    return { key, reason: "DISABLED", metadata };
  }
  // SPLIT for a sticky assignment too (a persisted split); `evaluationReason` tells STICKY apart.
  return { key, value: assignment.variant, reason: "SPLIT", variant: assignment.variant, metadata };
}

/**
 * The ETag of a bulk answer: of its results, except that an experiment's stored variant
 * (`evaluationReason` `STICKY`) counts as the split it came from. Whether an instance answers
 * STICKY or SPLIT for the same variant depends on its own cache of the user's stored assignments
 * (refreshed with the snapshot, not announced on the bus), so with the whole body two instances
 * gave a polling client different ETags for the same values at every turn of a load balancer, and
 * never a 304 (OFREP review). Values, variants, reasons and versions all still count.
 */
export function bulkEtagOf(results: readonly OfrepResult[]): string {
  const basis = results.map((result) =>
    "metadata" in result && result.metadata.evaluationReason === "STICKY"
      ? { ...result, metadata: { ...result.metadata, evaluationReason: "SPLIT" } }
      : result
  );
  return bulkEtag(JSON.stringify({ flags: basis }));
}

/** A strong ETag for a bulk response body. */
export function bulkEtag(body: string): string {
  const a = murmur3(body, 0x0f0e0d0c).toString(16).padStart(8, "0");
  const b = murmur3(body, 0x01020304).toString(16).padStart(8, "0");
  return `"${a}${b}"`;
}

/** Moved to lib/http/etag.ts (static files compare the same way); kept for existing imports. */
export { etagMatches } from "../http/etag.ts";
