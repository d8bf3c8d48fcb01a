/**
 * MurmurHash3 x86 32-bit over UTF-8 bytes, and the rollout bucket built on it.
 *
 * The bucket is the one Unleash uses (`murmur3("<group>:<id>", 0) % 100 + 1`),
 * so a team moving from Unleash keeps every user's bucket. Pure: no I/O, safe
 * to import from islands.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * The longest targeting key (user or session id) evaluated, everywhere: OFREP, the status API,
 * the Why tool and the rollout preview. Here, a module islands may import.
 */
export const MAX_TARGETING_KEY = 256;

/** MurmurHash3 x86 32-bit of `bytes` with `seed`, as an unsigned 32-bit integer. */
export function murmur3Bytes(bytes: Uint8Array, seed = 0, length = bytes.length): number {
  let h = seed >>> 0;
  const blocks = length & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[i + 2]! << 16;
    if (tail >= 2) k ^= bytes[i + 1]! << 8;
    k ^= bytes[i]!;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();
// A scratch buffer reused across calls (grown on demand): hashing allocates nothing.
let scratch = new Uint8Array(256);

/**
 * MurmurHash3 x86 32-bit of the UTF-8 bytes of `text`.
 *
 * @example
 * murmur3("Hello, world!", 0x9747b28c); // 0x24884cba
 */
export function murmur3(text: string, seed = 0): number {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  // Short ASCII (keys and ids, nearly always) is copied directly; anything else is encoded.
  let i = 0;
  for (; i < text.length && text.length <= 128; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) break;
    scratch[i] = unit;
  }
  if (i === text.length && text.length <= 128) return murmur3Bytes(scratch, seed, i);
  const { written } = encoder.encodeInto(text, scratch);
  return murmur3Bytes(scratch, seed, written);
}

/** The seed of flag rollout buckets (Unleash's gradual rollout). */
export const FLAG_SEED = 0;

/**
 * The rollout bucket of `id` for `flagKey`: 1..100, stable, uniform and
 * independent between flags. A flag at rollout `p` is on for buckets `1..p`.
 *
 * DESIGN.md writes the same predicate as `hash % 100 < p` (a 0..99 bucket);
 * `hash % 100 + 1 <= p` is identical, and is how Unleash numbers it.
 */
export function bucketOf(flagKey: string, id: string): number {
  return (murmur3(`${flagKey}:${id}`, FLAG_SEED) % 100) + 1;
}

/** Whether a bucket (1..100) is inside a rollout of `percent` (0..100). */
export function inRollout(bucket: number, percent: number): boolean {
  return bucket <= percent;
}
