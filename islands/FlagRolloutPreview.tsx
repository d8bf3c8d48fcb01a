/**
 * A live rollout preview beside the flag edit form: as the rollout field
 * changes, it shows how many of 1,000 sample ids would get the flag, and the
 * bucket of any id typed in (the same MurmurHash3 bucketing the server uses).
 * Server-rendered with the stored rollout, so the page reads the same
 * without JavaScript; hydrated, it follows the form's rollout field, from the value the field
 * holds when the island hydrates or the page is shown again (a browser-restored value after Back
 * or a reload, not only what is typed afterwards).
 */
import { useSignal } from "@preact/signals";
import type { VNode } from "preact";
import { useEffect } from "preact/hooks";
import { bucketOf, inRollout, MAX_TARGETING_KEY } from "../lib/flags/hash.ts";

export interface FlagRolloutPreviewProps extends Record<string, unknown> {
  flagKey: string;
  rolloutPercent: number;
  /** The id of the form's rollout input to follow once hydrated. */
  inputId: string;
}

const SAMPLE = 1000;

/** How many of the sample ids `sample-0 … sample-999` fall inside the rollout. */
export function sampleOn(flagKey: string, percent: number): number {
  let on = 0;
  for (let i = 0; i < SAMPLE; i++) if (inRollout(bucketOf(flagKey, `sample-${i}`), percent)) on++;
  return on;
}

/** Which of the buckets 1–100 are on at `percent` (0–100), as the summary says it. */
export function bucketsOn(percent: number): string {
  if (percent <= 0) return "no bucket is on";
  if (percent === 1) return "bucket 1 is on";
  if (percent >= 100) return "every bucket (1–100) is on";
  return `buckets 1–${percent} are on`;
}

function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, Math.round(value))) : 0;
}

export default function FlagRolloutPreview(
  { flagKey, rolloutPercent, inputId }: FlagRolloutPreviewProps,
): VNode {
  const percent = useSignal(clamp(rolloutPercent));
  const id = useSignal("");
  const live = useSignal(false);

  useEffect(() => {
    const input = document.getElementById(inputId) as HTMLInputElement | null;
    live.value = true;
    if (!input) return;
    const follow = () => (percent.value = clamp(Number(input.value)));
    // The field may already hold another value than the stored one: the browser restores what
    // was typed when the page is reloaded or reached with Back (and, from the back/forward
    // cache, with no `input` event), so it is read now and on every `pageshow`.
    follow();
    input.addEventListener("input", follow);
    globalThis.addEventListener("pageshow", follow);
    return () => {
      input.removeEventListener("input", follow);
      globalThis.removeEventListener("pageshow", follow);
    };
  }, []);

  const on = sampleOn(flagKey, percent.value);
  // As typed, spaces included: a service's targeting key is bucketed so.
  const bucket = id.value === "" ? null : bucketOf(flagKey, id.value);
  return (
    <section class="panel rollout-preview" aria-labelledby="rollout-preview-heading">
      <h2 id="rollout-preview-heading">Rollout preview</h2>
      <p aria-live="polite" data-testid="preview-summary">
        At <strong>{percent.value}%</strong>, {bucketsOn(percent.value)}: <strong>{on}</strong> of
        {" "}
        {SAMPLE} sample ids get the flag (target users always do).
      </p>
      <label>
        Check an id
        <input
          type="text"
          value={id.value}
          disabled={!live.value}
          maxLength={MAX_TARGETING_KEY}
          autocomplete="off"
          data-testid="preview-id"
          onInput={(event) => (id.value = (event.currentTarget as HTMLInputElement).value)}
        />
        <span class="field-hint">
          {live.value
            ? "Type a user or session id to see its bucket. Nothing is sent anywhere."
            : "Needs JavaScript; use the “Why is it on or off?” form above instead."}
        </span>
      </label>
      {bucket !== null && (
        <p aria-live="polite" data-testid="preview-bucket">
          Bucket <strong>{bucket}</strong>: {inRollout(bucket, percent.value) ? "on" : "off"} at
          {" "}
          {percent.value}%.
        </p>
      )}
    </section>
  );
}
