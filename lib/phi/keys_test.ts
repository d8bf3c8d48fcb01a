import assert from "node:assert/strict";
import { isSensitiveKey, keyWords, sensitiveKeyType } from "./keys.ts";

Deno.test("keyWords() splits camelCase, snake_case, kebab-case and acronyms", () => {
  assert.deepEqual(keyWords("firstName"), ["first", "name"]);
  assert.deepEqual(keyWords("FIRST-NAME"), ["first", "name"]);
  assert.deepEqual(keyWords("IPAddress"), ["ip", "address"]);
  assert.deepEqual(keyWords("patient_mrn2"), ["patient", "mrn", "2"]);
});

Deno.test("isSensitiveKey() matches identifier keys whatever their case and separators", () => {
  for (
    const key of [
      "ssn",
      "SSN",
      "social_security",
      "socialSecurityNumber",
      "dob",
      "birth_date",
      "dateOfBirth",
      "mrn",
      "medical_record",
      "patient_name",
      "firstName",
      "last-name",
      "email",
      "E-Mail",
      "contactEmail",
      "phone",
      "faxNumber",
      "address",
      "street",
      "zip",
      "postal_code",
      "ip",
      "clientIP",
      "password",
      "access_token",
      "secret",
      "Authorization",
      "cookie",
      "license",
      "vin",
      "device_id",
      "account_number",
      "beneficiary",
    ]
  ) {
    assert.equal(isSensitiveKey(key), true, key);
  }
});

Deno.test("isSensitiveKey() leaves technical keys and look-alike words alone", () => {
  for (
    const key of [
      "description",
      "zipped",
      "tip",
      "event",
      "flag_key",
      "email_count",
      "token_type",
      "has_email",
      "is_patient",
      "name",
      "ts",
      "created_at",
      "version",
      "ship_date",
    ]
  ) {
    assert.equal(isSensitiveKey(key), false, key);
  }
});

Deno.test("sensitiveKeyType() names the identifier type a key announces", () => {
  assert.equal(sensitiveKeyType("ip_address"), "IP_ADDRESS");
  assert.equal(sensitiveKeyType("emailAddress"), "EMAIL");
  assert.equal(sensitiveKeyType("home_address"), "STREET_ADDRESS");
  assert.equal(sensitiveKeyType("patientId"), "MRN");
  assert.equal(sensitiveKeyType("apiKey"), "SECRET");
});

Deno.test("birth counts and flags are no birth date: multipleBirthInteger, birthOrder", () => {
  for (
    const key of [
      "multipleBirthInteger",
      "multipleBirthBoolean",
      "multiple_birth",
      "birthOrder",
      "birth_order",
    ]
  ) {
    assert.equal(sensitiveKeyType(key), null, key);
  }
  for (const key of ["birthDate", "birth_date", "dateOfBirth", "birth", "dob", "birthday"]) {
    assert.equal(sensitiveKeyType(key), "DATE", key);
  }
});
