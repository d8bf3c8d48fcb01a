/** `deno task build`: builds the island bundles into static/_islands. */
import { buildIslands } from "../lib/web/build.ts";

const force = Deno.args.includes("--force");
const { manifest, rebuilt } = await buildIslands({ root: new URL("../", import.meta.url), force });
const names = Object.keys(manifest.islands);
const line = rebuilt
  ? `Built ${names.length} island bundle(s): ${names.join(", ")}\n`
  : `Island bundles are up to date (${names.length})\n`;
await Deno.stdout.write(new TextEncoder().encode(line));
