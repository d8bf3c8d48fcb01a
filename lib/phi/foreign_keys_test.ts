/**
 * Identifier keys in German, French, Spanish, Italian, Portuguese and Dutch (`vorname`,
 * `apellido`, `geburtsdatum`, `telefono`, `plz`, …) are key names as their English words are.
 * The words for a bare "name" (`nom`, `nombre`, `nome`, `naam`) stay no key names, as `name`
 * is none, and so do short words that are technical in English (`cp`, `cap`, `via`, `ort`).
 * Canaries are synthetic.
 */
import assert from "node:assert/strict";
import { redact, scan, sensitiveKeyType } from "./mod.ts";

Deno.test("identifier keys in six languages carry their type", () => {
  for (
    const [key, type] of [
      ["vorname", "PERSON_NAME"],
      ["Nachname", "PERSON_NAME"],
      ["prenom", "PERSON_NAME"],
      ["prénom", "PERSON_NAME"],
      ["nom_de_famille", "PERSON_NAME"],
      ["nomFamille", "PERSON_NAME"],
      ["apellido", "PERSON_NAME"],
      ["primer_apellido", "PERSON_NAME"],
      ["cognome", "PERSON_NAME"],
      ["sobrenome", "PERSON_NAME"],
      ["achternaam", "PERSON_NAME"],
      ["voornaam", "PERSON_NAME"],
      ["geburtsdatum", "DATE"],
      ["date_de_naissance", "DATE"],
      ["dateNaissance", "DATE"],
      ["fecha_nacimiento", "DATE"],
      ["data_di_nascita", "DATE"],
      ["dataNascimento", "DATE"],
      ["geboortedatum", "DATE"],
      ["telefon", "PHONE"],
      ["handy", "PHONE"],
      ["telefono", "PHONE"],
      ["téléphone", "PHONE"],
      ["TÉLÉPHONE", "PHONE"],
      ["PRÉNOM", "PERSON_NAME"],
      ["fechaNacimiento", "DATE"],
      ["celular", "PHONE"],
      ["telefoon", "PHONE"],
      ["courriel", "EMAIL"],
      ["adresse", "STREET_ADDRESS"],
      ["straße", "STREET_ADDRESS"],
      ["direccion", "STREET_ADDRESS"],
      ["indirizzo", "STREET_ADDRESS"],
      ["endereço", "STREET_ADDRESS"],
      ["plz", "ZIP_CODE"],
      ["code_postal", "ZIP_CODE"],
      ["codigoPostal", "ZIP_CODE"],
      ["cep", "ZIP_CODE"],
      ["ville", "LOCATION"],
      ["ciudad", "LOCATION"],
      ["woonplaats", "LOCATION"],
      ["numero_securite_sociale", "SSN"],
      ["dni", "LICENSE_NUMBER"],
      ["codice_fiscale", "LICENSE_NUMBER"],
      ["cpf", "LICENSE_NUMBER"],
      ["bsn", "LICENSE_NUMBER"],
    ] as const
  ) assert.equal(sensitiveKeyType(key), type, key);
  for (
    const o of [
      { vorname: "Quenby", nachname: "Zarkowski" },
      { nombre: "Quenby", apellido: "Zarkowski" },
      { nom: "Zarkowski", prenom: "Quenby" },
      { geburtsdatum: "02.03.55" },
      { telefono: "612 345 678" },
      { telefon: "0171 2345678" },
    ]
  ) assert.ok(scan(o).found, JSON.stringify(o));
  assert.deepEqual(redact({ vorname: "Quenby", seite: 2 }), { vorname: "[REDACTED]", seite: 2 });
});

Deno.test("the words for a bare name and short technical words stay no key names", () => {
  for (
    const key of [
      "nom",
      "nombre",
      "nome",
      "naam",
      "cp",
      "cap",
      "via",
      "ort",
      "portable",
      "handyman",
      "true",
      "nom_count",
      "telefono_verified",
      "has_plz",
    ]
  ) assert.equal(sensitiveKeyType(key), null, key);
  assert.deepEqual(
    scan({ nom: "Tableau de bord", nombre: "Exportación", cp: "src/a.ts", cap: 100 }).findings,
    [],
  );
});
