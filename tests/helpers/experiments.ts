/** Calls of the experiment variant endpoint shared by the experiment tests. */
import assert from "node:assert/strict";
import { json, type TestApp } from "./app.ts";
import type { Session } from "./auth.ts";

/** What GET /api/experiments/{key}/variant answers. */
export interface VariantAnswer {
  variant: string | null;
  reason: string;
}

/** GET /api/experiments/{key}/variant as the session, with `Sec-GPC: 1` when asked; asserts 200. */
export async function variantOf(
  app: TestApp,
  session: Session,
  key: string,
  options: { gpc?: boolean } = {},
): Promise<VariantAnswer> {
  const response = await app.request(`/api/experiments/${key}/variant`, {
    headers: session.headers(options.gpc ? { "sec-gpc": "1" } : {}),
  });
  assert.equal(response.status, 200);
  return await json<VariantAnswer>(response);
}

/** The variant the session is assigned (asserts that one is). */
export async function assignedVariant(
  app: TestApp,
  session: Session,
  key: string,
): Promise<string> {
  const { variant } = await variantOf(app, session, key);
  assert.ok(variant !== null, `no variant of ${key}`);
  return variant;
}
