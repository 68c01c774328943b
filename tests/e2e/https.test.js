// Browser guests over HTTPS: `lancall serve --https` makes a self-signed
// certificate, keeps it, prints its fingerprint, and serves https/wss on the
// same port as http/ws. A Chromium with a fresh profile (it trusts nothing
// lancall made) gets the "not private" warning, the person accepts it, and
// the page is a secure origin whose call over WSS reaches a peer on plain WS,
// as the app's own window connects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { launch, waitFor } from './support/browser.js';
import { startServer } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo, waitUntil } from './support/call.js';
import { acceptCertificate } from './support/tls.js';

/** @typedef {import('playwright-core').Page} Page */

/**
 * The fingerprint the server presents to a TLS client, as browsers show it.
 * @param {number} port
 * @returns {Promise<string>}
 */
function presentedFingerprint(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('browser guests over HTTPS', () => {
  /** @type {string} */ let certDir;
  /** @type {Awaited<ReturnType<typeof launch>>} */ let appBrowser;
  let fingerprint = '';

  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'lancall-cert-'));
  });
  // `env.browser` is the guest's; the app's side has a browser of its own.
  const env = useServerAndBrowser({ args: () => ['--bind', '127.0.0.1', '--port', '0', '--https', '--cert-dir', certDir] });

  before(async () => {
    const line = await waitUntilLine(env.server, /certificate SHA-256 ([0-9A-F:]{95})/);
    fingerprint = line[1];
    appBrowser = await launch();
  });

  // Registered after the fixture's, so it runs once the server is stopped.
  after(async () => {
    await appBrowser?.close();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('the banner shows the fingerprint of the certificate served and kept', async () => {
    const pem = await readFile(join(certDir, 'lancall-cert.pem'), 'utf8');
    const kept = new X509Certificate(pem);
    assert.equal(kept.fingerprint256, fingerprint);
    assert.equal(await presentedFingerprint(env.server.port), fingerprint);
    assert.match(kept.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.equal((await stat(join(certDir, 'lancall-key.pem'))).mode & 0o077, 0, 'the key is private');
    assert.match(env.server.stdout(), new RegExp(`https://127\\.0\\.0\\.1:${env.server.port}/`));
    // A later run uses the kept certificate: guests see the same fingerprint.
    const again = await startServer(['--bind', '127.0.0.1', '--port', '0', '--https', '--cert-dir', certDir]);
    try {
      assert.equal((await waitUntilLine(again, /certificate SHA-256 ([0-9A-F:]{95})/))[1], fingerprint);
    } finally {
      await again.stop();
    }
  });

  it('a guest accepts the certificate and calls a plain-WS peer over WSS', async () => {
    const httpsUrl = `https://127.0.0.1:${env.server.port}/`;
    const guest = await env.browser.page(httpsUrl.replace(/\/$/, ''));
    /** @type {string[]} */
    const sockets = [];
    guest.on('websocket', (ws) => sockets.push(ws.url()));
    await acceptCertificate(guest, httpsUrl);
    assert.equal(await guest.evaluate(() => window.isSecureContext), true, 'an https page is a secure origin');

    await joinCall(guest, { url: httpsUrl }, { name: 'Guest', room: 'secure' });
    assert.ok(sockets.length > 0 && sockets.every((u) => u.startsWith(`wss://127.0.0.1:${env.server.port}/`)), `sockets: ${sockets}`);
    // The invite link the guest would pass on keeps the secure scheme.
    const invite = await waitUntil(guest, () => document.querySelector('.waiting .link code')?.textContent ?? '', (t) => t !== '',
      { what: 'the invite link' });
    assert.ok(invite.startsWith(httpsUrl), invite);

    const app = await openClient(appBrowser, env.server, 'app side');
    await joinCall(app, env.server, { name: 'Host', room: 'secure' });
    await waitFor(guest, () => window.lancall.peers().length === 1, { what: 'the guest sees the host' });
    await waitForRemoteVideo(guest, 1, { what: 'the guest decoding the host\'s video' });
    await waitForRemoteVideo(app, 1, { what: 'the host decoding the guest\'s camera' });
    const words = await Promise.all([guest, app].map((p) => waitUntil(p, () => window.lancall.peers()[0]?.sas ?? '', (s) => s !== '', { what: 'words' })));
    assert.equal(words[0], words[1], 'both sides show the same verification words');
  });
});

/**
 * Wait for a stdout line of the server matching `re`.
 * @param {{ stdout(): string }} server
 * @param {RegExp} re
 */
async function waitUntilLine(server, re) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = server.stdout().match(re);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no line matching ${re} in:\n${server.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
