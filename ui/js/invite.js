// Invite links and room names. The room travels in the URL's hash
// (http://HOST:PORT/#room=ROOM), which browsers never send to the server, so
// it stays out of server logs.

/**
 * @typedef {{ room: string, name: string, host: string, autojoin: boolean }} Invite
 */

/**
 * What an invite link asks for.
 * @param {string} hash  location.hash
 * @returns {Invite}
 */
export function parseInvite(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  return {
    room: (p.get('room') ?? '').trim(),
    name: (p.get('name') ?? '').trim(),
    host: (p.get('host') ?? '').trim(),
    autojoin: p.get('autojoin') === '1',
  };
}

/**
 * The link that brings someone into `room`.
 * @param {string} pageBase  e.g. http://192.168.1.5:8070/
 * @param {string} room
 */
export function inviteLink(pageBase, room) {
  const u = new URL(pageBase);
  u.hash = `room=${encodeURIComponent(room)}`;
  return u.href;
}

/** Room ids the host accepts: letters (any script), digits, '-', '_', '.'. */
export function validRoom(/** @type {string} */ room) {
  return /^[\p{L}\p{N}._-]{1,64}$/u.test(room);
}

const ADJECTIVES = ['calm', 'bright', 'quiet', 'amber', 'misty', 'sunny', 'swift', 'gentle', 'silver', 'cosy', 'lucky', 'brave'];
const NOUNS = ['otter', 'maple', 'harbor', 'falcon', 'meadow', 'comet', 'river', 'pine', 'lantern', 'willow', 'panda', 'island'];

/** A room name that is easy to say out loud, e.g. "calm-otter-42". */
export function randomRoom() {
  const n = new Uint32Array(3);
  crypto.getRandomValues(n);
  return `${ADJECTIVES[n[0] % ADJECTIVES.length]}-${NOUNS[n[1] % NOUNS.length]}-${10 + (n[2] % 90)}`;
}
