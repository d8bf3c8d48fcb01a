/**
 * User agents reduced to browser family and major version ("Chrome 131"):
 * enough to see which browsers matter, too little to fingerprint anyone.
 */

const FAMILIES: ReadonlyArray<readonly [string, RegExp]> = [
  ["Edge", /\bEdg(?:e|A|iOS)?\/(\d{1,4})/],
  ["Opera", /\b(?:OPR|Opera)\/(\d{1,4})/],
  ["Samsung Internet", /\bSamsungBrowser\/(\d{1,4})/],
  ["Firefox", /\b(?:Firefox|FxiOS)\/(\d{1,4})/],
  ["Chrome", /\b(?:HeadlessChrome|Chrome|CriOS|Chromium)\/(\d{1,4})/],
  ["Safari", /\bVersion\/(\d{1,4})(?:\.\d+)*(?: Mobile\/\w+)? Safari\//],
];

/**
 * Browser family and major version of a `User-Agent` header, "Other" when it
 * is none of the known browsers, null when absent.
 *
 * @example
 * reduceUserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
 * // "Chrome 131"
 */
export function reduceUserAgent(header: string | undefined | null): string | null {
  if (!header) return null;
  const text = header.slice(0, 512);
  for (const [family, pattern] of FAMILIES) {
    const match = pattern.exec(text);
    if (match) return `${family} ${Number(match[1])}`;
  }
  return "Other";
}
