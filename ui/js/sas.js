// The short authentication string (SAS) of a peer connection: four words
// derived from the two DTLS certificate fingerprints in the offer and the
// answer and from a random nonce each side committed to before it saw the
// other's (the exchange is verify.js's). Both people read theirs aloud; if
// someone in the middle (a hostile host, or anyone on the LAN rewriting
// signaling) put its own DTLS endpoint between them, each side hashes a
// different pair and sees different words. Words from fingerprints alone
// (lancall-sas-v1) could be ground: the one in the middle could try
// certificates until 32 bits matched. A nonce it must commit to before it
// learns the other's leaves it one guess in 2^32 per call.
//
// The derivation (docs/protocol.md, "Verifying a call"):
//   F(sdp)    = every `a=fingerprint:<alg> <hex>` line of the SDP, session or
//               media level, as "<alg lower-case> <HEX UPPER-CASE>", without
//               repeats, sorted, joined with ","
//   commit    = SHA-256(UTF-8 "lancall-sas-v2-commit\n" || nonce (32 bytes)
//               || UTF-8 F(own)), in lower-case hex
//   side      = F + "\n" + nonce in lower-case hex, for each side
//   words     = the first four bytes of SHA-256(UTF-8 "lancall-sas-v2\n"
//               + first side + "\n" + second side), as WORDS (sides sorted
//               by their UTF-8 bytes, so both ends agree)
//   round     = the first 8 bytes of SHA-256(UTF-8 "lancall-sas-v2-round\n"
//               + first F + "\n" + second F) in hex: names the exchange of
//               one pair of fingerprints (one DTLS session)
//
// SHA-256 is computed here rather than with crypto.subtle, which browsers
// only give secure origins: a guest on plain http must see the words too.
// No DOM, no network: pure functions.

/** Version tag: a change to the derivation changes it, so old and new never seem to agree. */
export const SAS_TAG = 'lancall-sas-v2';

/** How many words are shown: 32 bits. */
export const SAS_LENGTH = 4;

/** 256 short, concrete, distinct English words, one per byte value (index = byte). */
export const WORDS = Object.freeze([
  'acorn', 'anchor', 'apple', 'arrow', 'atlas', 'badge', 'bagel', 'bamboo', 'banjo', 'barn', 'basil', 'beach',
  'beacon', 'beard', 'beetle', 'bell', 'bench', 'berry', 'bison', 'blade', 'blanket', 'bloom', 'boat', 'bolt',
  'bottle', 'bowl', 'brick', 'bridge', 'broom', 'bucket', 'bugle', 'bunny', 'butter', 'cabin', 'cactus',
  'camel', 'candle', 'canoe', 'canyon', 'carpet', 'carrot', 'castle', 'cedar', 'cello', 'chalk', 'cherry',
  'chess', 'cider', 'circle', 'clock', 'cloud', 'clover', 'cobra', 'cocoa', 'comet', 'copper', 'coral',
  'cotton', 'cowboy', 'crane', 'crayon', 'cricket', 'crown', 'curtain', 'daisy', 'delta', 'desert', 'diamond',
  'dingo', 'dolphin', 'donkey', 'dragon', 'drum', 'eagle', 'easel', 'echo', 'elbow', 'ember', 'engine',
  'falcon', 'feather', 'fern', 'ferry', 'fiddle', 'finch', 'flame', 'flute', 'forest', 'fossil', 'fox',
  'galaxy', 'garden', 'garlic', 'gecko', 'geyser', 'ginger', 'giraffe', 'glacier', 'globe', 'goblet', 'goose',
  'grape', 'gravel', 'guitar', 'hammer', 'harbor', 'harp', 'hazel', 'helmet', 'heron', 'hippo', 'honey',
  'hornet', 'igloo', 'iris', 'island', 'ivory', 'jacket', 'jaguar', 'jelly', 'jigsaw', 'kayak', 'kettle',
  'kitten', 'koala', 'ladder', 'lagoon', 'lantern', 'laptop', 'lemon', 'leopard', 'lily', 'lime', 'lizard',
  'llama', 'lobster', 'locket', 'lotus', 'magnet', 'mango', 'maple', 'marble', 'meadow', 'melon', 'meteor',
  'mint', 'mirror', 'mitten', 'monkey', 'moose', 'mosaic', 'muffin', 'napkin', 'nectar', 'needle', 'nest',
  'noodle', 'nutmeg', 'oasis', 'ocean', 'octopus', 'olive', 'onion', 'orbit', 'orchid', 'otter', 'owl',
  'oyster', 'paddle', 'panda', 'papaya', 'parrot', 'peach', 'peanut', 'pebble', 'pelican', 'pepper', 'piano',
  'pickle', 'pigeon', 'pillow', 'pilot', 'pine', 'pirate', 'pizza', 'planet', 'plum', 'pocket', 'pony',
  'poppy', 'potato', 'puffin', 'pumpkin', 'puzzle', 'quartz', 'quill', 'rabbit', 'radar', 'radish', 'rainbow',
  'raven', 'ribbon', 'river', 'robin', 'rocket', 'rose', 'ruby', 'saddle', 'salmon', 'sandal', 'scarf', 'seal',
  'shell', 'shovel', 'silver', 'skate', 'sled', 'snail', 'socket', 'spider', 'spoon', 'squid', 'star',
  'statue', 'stone', 'sugar', 'summit', 'sunset', 'swan', 'tablet', 'tiger', 'tomato', 'torch', 'tractor',
  'trumpet', 'tulip', 'tunnel', 'turtle', 'unicorn', 'valley', 'vanilla', 'velvet', 'violin', 'volcano',
  'waffle', 'wagon', 'walnut', 'walrus', 'whale', 'whistle', 'willow', 'window', 'wizard', 'yogurt', 'zebra',
  'zipper',
]);

/**
 * One side's fingerprint string F(sdp); '' when the SDP has none.
 * @param {string} sdp
 */
export function fingerprintsOf(sdp) {
  const found = new Set();
  for (const line of sdp.split(/\r?\n/)) {
    const m = line.match(/^a=fingerprint:(\S+) +([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*) *$/);
    if (m) found.add(`${m[1].toLowerCase()} ${m[2].toUpperCase()}`);
  }
  return [...found].sort().join(',');
}

/** How many bytes of randomness each side commits to. */
export const NONCE_BYTES = 32;

const utf8 = new TextEncoder();

/** @param {Uint8Array} bytes */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @param {string} hex  an even number of hex digits */
export function fromHex(hex) {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** A fresh nonce (crypto.getRandomValues exists on plain http too). */
export function makeNonce() {
  return crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
}

/**
 * Byte order of two strings' UTF-8, as the derivation sorts.
 * @param {string} a @param {string} b
 */
function byBytes(a, b) {
  const [x, y] = [utf8.encode(a), utf8.encode(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * A side's commitment to its nonce and its own fingerprint string, in hex.
 * @param {Uint8Array} nonce
 * @param {string} fingerprints  F(own description)
 */
export function commitment(nonce, fingerprints) {
  const tag = utf8.encode(`${SAS_TAG}-commit\n`);
  const fp = utf8.encode(fingerprints);
  const input = new Uint8Array(tag.length + nonce.length + fp.length);
  input.set(tag);
  input.set(nonce, tag.length);
  input.set(fp, tag.length + nonce.length);
  return toHex(sha256(input));
}

/**
 * The name of the exchange for one pair of fingerprint strings, the same
 * on both ends: 16 hex digits.
 * @param {string} local @param {string} remote
 */
export function roundOf(local, remote) {
  const [first, second] = [local, remote].sort(byBytes);
  return toHex(sha256(utf8.encode(`${SAS_TAG}-round\n${first}\n${second}`)).slice(0, 8));
}

/**
 * The words both sides of a connection should see, from each side's
 * fingerprint string and nonce.
 * @param {{ fingerprints: string, nonce: Uint8Array }} local
 * @param {{ fingerprints: string, nonce: Uint8Array }} remote
 */
export function shortAuthString(local, remote) {
  const [first, second] = [local, remote].map((s) => `${s.fingerprints}\n${toHex(s.nonce)}`).sort(byBytes);
  const digest = sha256(utf8.encode(`${SAS_TAG}\n${first}\n${second}`));
  return Array.from(digest.slice(0, SAS_LENGTH), (b) => WORDS[b]).join(' ');
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * SHA-256 (FIPS 180-4) of `bytes`.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array} 32 bytes
 */
export function sha256(bytes) {
  // Pad: 0x80, zeros, then the length in bits as a 64-bit big-endian number.
  const blocks = Math.ceil((bytes.length + 9) / 64);
  const msg = new Uint8Array(blocks * 64);
  msg.set(bytes);
  msg[bytes.length] = 0x80;
  const view = new DataView(msg.buffer);
  view.setUint32(msg.length - 8, Math.floor(bytes.length / 0x20000000));
  view.setUint32(msg.length - 4, (bytes.length * 8) >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (/** @type {number} */ x, /** @type {number} */ n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < msg.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    const add = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = (h[i] + add[i]) >>> 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]);
  return out;
}
