/**
 * Canary PHI for the Sentry tests, generated at test time from a fixed seed
 * (nothing realistic on disk). Each canary is planted in errors, URLs,
 * headers, cookies, bodies, breadcrumbs and scope data; the tests then assert
 * that no recorded envelope contains any of them.
 */
import { en, Faker, faker as shared } from "@faker-js/faker";
import { fakeSsnParts } from "./phi/corpus.ts";

export interface Canaries {
  email: string;
  ssn: string;
  phone: string;
  mrn: string;
  /** A full name; planted after a cue ("patient …"). */
  name: string;
  /** The SSN, base64-encoded with a cue, as `btoa("ssn <ssn>")`. */
  base64Ssn: string;
}

/** Canaries for one test run (seeded, so failures reproduce). */
export function makeCanaries(seed = 8_2024): Canaries {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  // fakeSsnParts draws from the shared faker instance: seed it too, for repeatable values.
  shared.seed(seed);
  const ssn = fakeSsnParts().join("-");
  return {
    email: faker.internet.email({ provider: "example.org" }).toLowerCase(),
    ssn,
    phone: faker.phone.number({ style: "national" }),
    mrn: faker.string.numeric({ length: 8, allowLeadingZeros: false }),
    name: `${faker.person.firstName()} ${faker.person.lastName()}`,
    base64Ssn: btoa(`ssn ${ssn}`),
  };
}

/** Texts that carry each canary the way real code would (with the cue a reader would see). */
export function phiMessages(c: Canaries): Record<keyof Canaries, string> {
  return {
    email: `No account for ${c.email}`,
    ssn: `Duplicate SSN ${c.ssn} in import`,
    phone: `SMS to ${c.phone} failed`,
    mrn: `Record MRN ${c.mrn} not found`,
    name: `Consent missing for patient ${c.name}`,
    base64Ssn: `Bad token ${c.base64Ssn}`,
  };
}

/** The canary values themselves, for "never appears anywhere" assertions. */
export function canaryValues(c: Canaries): string[] {
  return [c.email, c.ssn, c.phone, c.mrn, c.name, c.base64Ssn];
}

/** Which canaries occur in `text` (names of the canaries, never their values). */
export function leakedCanaries(c: Canaries, text: string): string[] {
  return (Object.keys(c) as (keyof Canaries)[]).filter((key) => text.includes(c[key]));
}
