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

/**
 * The link that opens `room` in a browser and joins at once as `name`.
 * @param {string} pageBase
 * @param {string} room
 * @param {string} name
 */
export function autojoinLink(pageBase, room, name) {
  const named = name ? `&name=${encodeURIComponent(name)}` : '';
  return `${inviteLink(pageBase, room)}${named}&autojoin=1`;
}

/**
 * True if `text` is more than a bare "host:port": a link, or host/room.
 * @param {string} text
 */
export function looksLikeLink(text) {
  return /[/#]/.test(text.trim());
}

/**
 * What a person pastes, taken apart as the app's `lancall join` does:
 * `http://HOST:PORT/#room=ROOM[&name=N]`, the same without the scheme, or
 * `HOST:PORT/ROOM`. https links keep their scheme in `host` (for wss).
 * Parts that are missing come back empty; null if it can't be a host.
 * @param {string} text
 * @returns {{ host: string, room: string, name: string } | null}
 */
export function parseInviteText(text) {
  let rest = text.trim();
  let secure = false;
  const scheme = rest.match(/^([a-z][a-z0-9+.-]*):\/\//i);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s !== 'http' && s !== 'https') return null;
    secure = s === 'https';
    rest = rest.slice(scheme[0].length);
  }
  const hashAt = rest.indexOf('#');
  const beforeHash = hashAt < 0 ? rest : rest.slice(0, hashAt);
  const params = new URLSearchParams(hashAt < 0 ? '' : rest.slice(hashAt + 1));
  const slash = beforeHash.indexOf('/');
  const authority = slash < 0 ? beforeHash : beforeHash.slice(0, slash);
  if (!authority || !/^[\w.:[\]-]+$/.test(authority)) return null;
  let room = (params.get('room') ?? '').trim();
  if (!room && slash >= 0) {
    try { room = decodeURIComponent(beforeHash.slice(slash + 1).replace(/\/+$/, '')).trim(); } catch { room = ''; }
  }
  return { host: secure ? `https://${authority}` : authority, room, name: (params.get('name') ?? '').trim() };
}

/** Room ids the host accepts: letters (any script), digits, '-', '_', '.'. */
export function validRoom(/** @type {string} */ room) {
  return /^[\p{L}\p{N}._-]{1,64}$/u.test(room);
}

/**
 * The lancall:// link that opens the desktop app in `room` at `host`
 * ("host:port", or "https://host:port"): what the browser page's "Open in
 * the app" button points at (src-tauri/src/app/deep_link.rs reads it).
 * @param {string} host
 * @param {string} room
 * @param {string} [name]
 */
export function appLink(host, room, name = '') {
  const named = name.trim() ? `&name=${encodeURIComponent(name.trim())}` : '';
  return `lancall://join?host=${encodeURIComponent(host.trim())}&room=${encodeURIComponent(room.trim())}${named}`;
}
