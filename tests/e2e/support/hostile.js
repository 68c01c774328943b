// A hostile peer for the browser tests: lancall's page in Chromium whose
// data channels the test drives by hand, over real WebRTC, to send what no
// client would (hostile-peer.test.js, hostile-peer-app.test.js).

/** @typedef {import('playwright-core').Page} Page */

/**
 * Runs in the hostile page before any of its scripts (page.addInitScript):
 * keep every connection (`window.__pcs`) and data channel (`window.__channels`).
 */
export function keepChannels() {
  const w = /** @type {any} */ (window);
  w.__pcs = [];
  w.__channels = [];
  const Original = window.RTCPeerConnection;
  const make = Original.prototype.createDataChannel;
  Original.prototype.createDataChannel = function (/** @type {any[]} */ ...args) {
    const channel = make.apply(this, /** @type {any} */ (args));
    w.__channels.push(channel);
    return channel;
  };
  window.RTCPeerConnection = class extends Original {
    constructor(/** @type {any} */ config) {
      super(config);
      w.__pcs.push(this);
      this.addEventListener('datachannel', (e) => w.__channels.push(/** @type {RTCDataChannelEvent} */ (e).channel));
    }
  };
}

/**
 * Send `messages` (strings, or `repeat` copies of `make` with $i the index)
 * on every open 'lancall' channel of the hostile page, waiting for the
 * buffer to drain as a sender must; resolves with how many channels.
 * @param {Page} page @param {string[] | { repeat: number, make: string }} messages
 */
export const sendAll = (page, messages) => page.evaluate(async (m) => {
  const channels = /** @type {RTCDataChannel[]} */ (/** @type {any} */ (window).__channels)
    .filter((c) => c.label === 'lancall' && c.readyState === 'open');
  const list = Array.isArray(m) ? m : Array.from({ length: m.repeat }, (_, i) => m.make.replaceAll('$i', String(i)));
  for (const c of channels) {
    for (const text of list) {
      // An honest page may close the channel of a flood (peer.js CUT_OFF).
      if (c.readyState !== 'open') break;
      if (c.bufferedAmount > 4 << 20) await new Promise((r) => { c.bufferedAmountLowThreshold = 1 << 20; c.addEventListener('bufferedamountlow', r, { once: true }); });
      c.send(text);
    }
  }
  return channels.length;
}, messages);


/**
 * What no client sends, from the hostile page: malformed JSON, messages of
 * the wrong shape, then a channel of an unknown label ('evil') on each
 * connected peer, with a chat ("from an unknown channel") and garbage on it.
 * Nothing of it may show; a chat id of 500 characters says "long id".
 * @param {Page} page
 */
export async function sendGarbage(page) {
  await sendAll(page, ['{not json', 'null', '[]', '42', JSON.stringify({ t: 'chat', text: 5 }),
    JSON.stringify({ t: 'chat', id: 'x'.repeat(500), text: 'long id' }),
    JSON.stringify({ t: 'rekey', peer_id: 12 }), JSON.stringify({ t: 'state', mic: 'yes' })]);
  await page.evaluate(() => {
    for (const pc of /** @type {any} */ (window).__pcs) {
      if (pc.connectionState !== 'connected') continue;
      const c = pc.createDataChannel('evil');
      c.addEventListener('open', () => { c.send('{"t":"chat","id":"evil-1","text":"from an unknown channel"}'); c.send('garbage'); });
    }
  });
}
