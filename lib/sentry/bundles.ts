/**
 * The app's island bundles as browser error reports may name them: every `*.js` file the island
 * build (lib/web/build.ts) wrote to static/_islands/ — the entries (`ModeBadge-3f2a9c1b7d4e.js`)
 * and the shared chunks (`chunk-3V4VRQZ6.js`) — each with the length of each of its lines.
 *
 * A browser report's frame keeps its file only when it is one of these, and its line and column
 * only when they point inside that file: any other `/_islands/…` name, or position, is text the
 * client chose. Read once when the app starts (the bundles do not change while it runs: main.ts
 * builds them before the app) and passed in as a dependency; the checks below are pure.
 */

/** Bundle file name (`ModeBadge-3f2a9c1b7d4e.js`) → the length of each of its lines. */
export type IslandBundles = ReadonlyMap<string, readonly number[]>;

/** Where the island build writes the bundles (the static root's `_islands/`). */
export const ISLAND_BUNDLE_DIR = new URL("../../static/_islands/", import.meta.url);

/** A bundle file name as the build writes them: no directory, `.js`. */
const BUNDLE_FILE = /^[\w.-]{1,200}\.js$/;

/** Bundles from their names and texts (tests; {@link readIslandBundles} for the app). */
export function islandBundles(files: Record<string, string>): IslandBundles {
  return new Map(
    Object.entries(files).map(([name, text]) => [
      name,
      // The newline that ends the file starts no line of code.
      text.replace(/\r?\n$/, "").split(/\r?\n/).map((line) => line.length),
    ]),
  );
}

/**
 * The bundles in `dir` (static/_islands/ by default), read once, synchronously; none when the
 * directory does not exist (no build yet: every browser frame's file is then `<unknown>`).
 */
export function readIslandBundles(dir: URL = ISLAND_BUNDLE_DIR): IslandBundles {
  const files: Record<string, string> = {};
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.isFile && BUNDLE_FILE.test(entry.name)) {
        files[entry.name] = Deno.readTextFileSync(new URL(entry.name, dir));
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return islandBundles(files);
}

/** The bundle file name of a URL path (`/_islands/X.js` → `X.js`) when it is one of `bundles`. */
export function bundleOfPath(path: string, bundles: IslandBundles | undefined): string | undefined {
  if (!path.startsWith("/_islands/")) return undefined;
  const name = path.slice("/_islands/".length);
  return bundles?.has(name) ? name : undefined;
}

/**
 * Whether a 1-based line and column point inside the bundle: the line exists, and the column is
 * at most one past that line's end (where an engine reports an error at the end of a line).
 */
export function inBundle(
  bundles: IslandBundles | undefined,
  name: string,
  line: unknown,
  column: unknown,
): boolean {
  const lengths = bundles?.get(name);
  if (!lengths || !Number.isInteger(line) || !Number.isInteger(column)) return false;
  const length = lengths[(line as number) - 1];
  return length !== undefined && (column as number) >= 1 && (column as number) <= length + 1;
}
