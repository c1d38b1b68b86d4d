const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// cyrb53's two halves, left here by `mix` rather than returned in a fresh array: no allocation per hash.
let h1 = 0;
let h2 = 0;

function mix(text: string): void {
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
}

/**
 * cyrb53, a fast 53-bit string hash, as 9 base64url characters. Instances keep these instead of
 * eventIds, which are often 36-character UUIDs; a collision among one instance's few dozen events
 * is about 1e-13 likely.
 */
export function shortHash(text: string): string {
  mix(text);
  // 32 bits of h1 and 22 of h2, six bits a character; number-to-string in base 36 is slow.
  return String.fromCharCode(
    ALPHABET.charCodeAt(h1 & 63),
    ALPHABET.charCodeAt((h1 >>> 6) & 63),
    ALPHABET.charCodeAt((h1 >>> 12) & 63),
    ALPHABET.charCodeAt((h1 >>> 18) & 63),
    ALPHABET.charCodeAt((h1 >>> 24) & 63),
    ALPHABET.charCodeAt(((h1 >>> 30) | (h2 << 2)) & 63),
    ALPHABET.charCodeAt((h2 >>> 4) & 63),
    ALPHABET.charCodeAt((h2 >>> 10) & 63),
    ALPHABET.charCodeAt((h2 >>> 16) & 63),
  );
}

/** The same hash's low 32 bits as an unsigned number: for spreading keys over partitions. */
export function shortHashNumber(text: string): number {
  mix(text);
  return h1 >>> 0;
}
