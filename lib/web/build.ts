/**
 * Builds the island bundles: one entry per `islands/*.tsx`, bundled together
 * with `deno bundle --code-splitting` (shared code lands in content-hashed
 * chunks), entries renamed with a content hash, and a manifest mapping island
 * names to files. Skipped when the sources have not changed since the last build.
 */

export interface IslandManifest {
  /** sha256 over every source that can end up in a bundle. */
  sourceHash: string;
  /** Island name → file name under `/_islands/`. */
  islands: Record<string, string>;
  builtAt: string;
}

export interface BuildOptions {
  /** Project root (where deno.json is). */
  root: URL;
  /** Rebuild even when the sources are unchanged. */
  force?: boolean;
  /** Minify output (default true). */
  minify?: boolean;
}

export interface BuildResult {
  manifest: IslandManifest;
  rebuilt: boolean;
}

const SOURCE_DIRS = ["islands", "lib", "components"];
const SOURCE_FILES = ["deno.json", "deno.lock"];

async function hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function listFiles(dir: URL, out: URL[]): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) await listFiles(url, out);
    else if (/\.(ts|tsx)$/.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) out.push(url);
  }
}

/** sha256 over the island sources (and everything they might import). */
export async function islandSourceHash(root: URL): Promise<string> {
  const files: URL[] = [];
  for (const dir of SOURCE_DIRS) await listFiles(new URL(`${dir}/`, root), files);
  for (const file of SOURCE_FILES) files.push(new URL(file, root));
  files.sort((a, b) => a.href.localeCompare(b.href));
  const parts: string[] = [];
  for (const file of files) {
    try {
      parts.push(file.href.slice(root.href.length), await hex(await Deno.readFile(file)));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return await hex(new TextEncoder().encode(parts.join("\n")));
}

/** The island names: file stems of `islands/*.tsx`. */
export async function islandNames(root: URL): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL("islands/", root))) {
    const match = entry.isFile ? /^([A-Z][A-Za-z0-9]*)\.tsx$/.exec(entry.name) : null;
    if (match) names.push(match[1]!);
  }
  return names.sort();
}

/** Reads the manifest of the last build, if any. */
export async function readIslandManifest(root: URL): Promise<IslandManifest | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(new URL("static/_islands/manifest.json", root)));
  } catch {
    return undefined;
  }
}

async function emptyDir(dir: URL): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.mkdir(dir, { recursive: true });
}

/** Builds the bundles when stale (or forced); returns the manifest in use. */
export async function buildIslands(options: BuildOptions): Promise<BuildResult> {
  const { root } = options;
  const sourceHash = await islandSourceHash(root);
  const previous = await readIslandManifest(root);
  if (!options.force && previous?.sourceHash === sourceHash) {
    return { manifest: previous, rebuilt: false };
  }
  const names = await islandNames(root);
  const entryDir = new URL(".build/islands/", root);
  const bundleDir = new URL(".build/out/", root);
  const outDir = new URL("static/_islands/", root);
  await emptyDir(entryDir);
  await emptyDir(bundleDir);
  for (const name of names) {
    await Deno.writeTextFile(
      new URL(`${name}.ts`, entryDir),
      `import Component from "../../islands/${name}.tsx";\n` +
        `import { boot } from "../../lib/web/boot.ts";\n` +
        `boot(${JSON.stringify(name)}, Component);\n`,
    );
  }
  const islands: Record<string, string> = {};
  if (names.length > 0) {
    const args = [
      "bundle",
      "--quiet",
      "--code-splitting",
      "--format=esm",
      "--platform=browser",
      "--outdir",
      bundleDir.pathname,
      ...(options.minify === false ? [] : ["--minify"]),
      ...names.map((name) => new URL(`${name}.ts`, entryDir).pathname),
    ];
    const result = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: root.pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      throw new Error(`Island bundling failed:\n${new TextDecoder().decode(result.stderr)}`);
    }
  }
  await emptyDir(outDir);
  for await (const entry of Deno.readDir(bundleDir)) {
    if (!entry.isFile || !entry.name.endsWith(".js")) continue;
    const bytes = await Deno.readFile(new URL(entry.name, bundleDir));
    const stem = entry.name.slice(0, -3);
    if (names.includes(stem)) {
      const file = `${stem}-${(await hex(bytes)).slice(0, 12)}.js`;
      islands[stem] = file;
      await Deno.writeFile(new URL(file, outDir), bytes);
    } else {
      // esbuild names shared chunks by content hash already.
      await Deno.writeFile(new URL(entry.name, outDir), bytes);
    }
  }
  const manifest: IslandManifest = { sourceHash, islands, builtAt: new Date().toISOString() };
  await Deno.writeTextFile(new URL("manifest.json", outDir), JSON.stringify(manifest, null, 2));
  return { manifest, rebuilt: true };
}
