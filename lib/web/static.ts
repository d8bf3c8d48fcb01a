/**
 * Static files from `static/`: content type by extension, a strong ETag,
 * `immutable` caching for content-hashed island bundles and short caching
 * with revalidation for everything else. Paths cannot leave the directory.
 */
import type { MiddlewareHandler } from "hono";
import { etagMatches } from "../http/etag.ts";
import type { AppEnv } from "../http/types.ts";

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  woff2: "font/woff2",
  map: "application/json; charset=utf-8",
};

interface CachedFile {
  body: Uint8Array;
  etag: string;
  type: string;
}

async function etagOf(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return `"${
    Array.from(new Uint8Array(digest).slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("")
  }"`;
}

/** The longest file name (one path segment) served, in UTF-8 bytes: the file systems' limit. */
const MAX_NAME_BYTES = 255;
/** The longest path served, in UTF-8 bytes: far below PATH_MAX, far above any file of ours. */
const MAX_PATH_BYTES = 1024;
const UTF8 = new TextEncoder();

/** Serves GET/HEAD requests for files under `root`; passes on anything else. */
export function serveStatic(
  options: { root: URL; cacheFiles?: boolean },
): MiddlewareHandler<AppEnv> {
  const cache = new Map<string, CachedFile>();
  return async function serveStaticFiles(c, next) {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return await next();
    let path: string;
    try {
      path = decodeURIComponent(c.req.path);
    } catch {
      return await next(); // malformed percent-encoding: not a file of ours
    }
    if (path.includes("..") || path.includes("\\") || path.includes("\0") || path.endsWith("/")) {
      return await next();
    }
    // One name per file: `/./x` and `//x` would reach the same file under another path, past the
    // checks on exact paths below (and fill the cache with copies).
    if (path.includes("/./") || path.includes("//")) return await next();
    // No file of ours has a name or path the file system would refuse as too long (it reports
    // that as an error of its own kind, not as NotFound). It counts UTF-8 bytes.
    if (
      UTF8.encode(path).length > MAX_PATH_BYTES ||
      path.split("/").some((part) => UTF8.encode(part).length > MAX_NAME_BYTES)
    ) return await next();
    const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
    const type = TYPES[extension];
    if (!type || path === "/_islands/manifest.json") return await next();
    let file = options.cacheFiles ? cache.get(path) : undefined;
    if (!file) {
      try {
        const body = await Deno.readFile(new URL("." + path, options.root));
        file = { body, etag: await etagOf(body), type };
        if (options.cacheFiles) cache.set(path, file);
      } catch (error) {
        // Not a file here (also a path through a file, `/styles.css/x.js`): not ours. Only a
        // file we have and cannot read (permissions, I/O) is an error.
        if (
          error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory ||
          error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.FilesystemLoop
        ) {
          return await next();
        }
        throw error;
      }
    }
    const immutable = path.startsWith("/_islands/");
    const headers = {
      "content-type": file.type,
      etag: file.etag,
      "cache-control": immutable
        ? "public, max-age=31536000, immutable"
        : "public, max-age=300, must-revalidate",
    };
    // Its request line reads route `static` and, answered 200 or 304, is written at debug
    // (lib/http/middleware.ts): several per page view, which would drown the rest at info.
    c.set("staticFile", true);
    if (etagMatches(c.req.header("if-none-match"), file.etag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(c.req.method === "HEAD" ? null : file.body as BodyInit, {
      status: 200,
      headers,
    });
  };
}
