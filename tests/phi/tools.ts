/**
 * The redactors compared side by side, each reduced to a redaction mask over the input
 * text, so that one scoring function (presidio.ts) measures them all the same way.
 */
import { SyncRedactor } from "redact-pii";
import { OpenRedaction } from "@openredaction/openredaction";
import { redactText } from "../../lib/phi/mod.ts";
import { type MaskFn, maskFromPositions, maskFromRedacted } from "./presidio.ts";

const OUR_PLACEHOLDER = /\[REDACTED(?::[A-Z_]+)?\]/;

/** Our scanner, through its public redactText(). */
export const oursMask: MaskFn = (text) => maskFromRedacted(text, redactText(text), OUR_PLACEHOLDER);

const REDACT_PII_PLACEHOLDER = new RegExp(
  "(?:" + [
    "US_SOCIAL_SECURITY_NUMBER",
    "CREDIT_CARD_NUMBER",
    "STREET_ADDRESS",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "PERSON_NAME",
    "CREDENTIALS",
    "IP_ADDRESS",
    "USERNAME",
    "PASSWORD",
    "ZIPCODE",
    "DIGITS",
    "URL",
  ].join("|") + ")",
);

/** redact-pii with its default built-ins, as its README shows. */
export function redactPiiTool(): { redact: (text: string) => string; mask: MaskFn } {
  const redactor = new SyncRedactor();
  return {
    redact: (text) => redactor.redact(text),
    mask: (text) => maskFromRedacted(text, redactor.redact(text), REDACT_PII_PLACEHOLDER),
  };
}

/** @openredaction/openredaction with its defaults; it reports positions directly. */
export function openRedactionTool(): { redact: (text: string) => string; mask: MaskFn } {
  const detector = new OpenRedaction();
  return {
    redact: (text) => detector.detect(text).redacted,
    mask: (text) =>
      maskFromPositions(
        text.length,
        detector.detect(text).detections.map((d) => d.position),
      ),
  };
}
