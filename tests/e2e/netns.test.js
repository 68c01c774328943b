// Two real network hosts (network namespaces joined by a veth pair, made
// and removed here): `lancall serve --advertise --https` on one is found by
// `lancall discover` on the other within 3 s, over mDNS on the veth; then a
// headless Chromium on each host opens the https address discovery gave,
// accepts the host's self-signed certificate as a person would, joins the
// same room, and each decodes the other's video, media flowing host to host.
//
// Needs root (namespaces). Without it the test skips and says why; CI runs
// as root, so there it always runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './support/browser.js';
import { LANCALL_BIN } from './support/server.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';
import { chromiumIn, makeLan, netnsUnavailable } from './support/netns.js';
import { acceptCertificate } from './support/tls.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @typedef {import('node:child_process').ChildProcess} ChildProcess */

const why = netnsUnavailable();
if (why) console.log(`netns test skipped: ${why}`);

/**
 * Lines of a child's stdout, as they come, until `test(line)` holds.
 * @param {ChildProcess} child
 * @param {(line: string) => boolean} test
 * @param {number} timeoutMs
 * @param {string} what
 * @returns {Promise<string>}
 */
function lineMatching(child, test, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ${what} in ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
    child.stderr?.on('data', (d) => { err += d; });
    child.stdout?.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (test(line)) { clearTimeout(timer); resolve(line); return; }
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited (${code}) before ${what}; stderr:\n${err}`)); });
  });
}

/** @param {ChildProcess | undefined} child */
async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

describe('two hosts on a LAN (network namespaces)', { skip: why ?? false }, () => {
  /** @type {ReturnType<typeof makeLan>} */ let lan;
  /** @type {ChildProcess} */ let server;
  let port = 0;
  /** @type {string} */ let url;
  /** @type {{ close(): Promise<void> }[]} */ const browsers = [];
  /** @type {{ remove(): Promise<void> }[]} */ const wrappers = [];
  /** @type {string} */ let certDir;

  before(async () => {
    lan = makeLan();
    certDir = await mkdtemp(join(tmpdir(), 'lancall-netns-cert-'));
    server = lan.a.exec(LANCALL_BIN, ['serve', '--advertise', '--name', 'Namespace A', '--https', '--cert-dir', certDir,
      '--bind', '0.0.0.0', '--port', '0'], { env: { ...process.env, RUST_LOG: 'warn' } });
    const banner = await lineMatching(server, (l) => /ws:\/\/[^\s/]+:\d+\/ws/.test(l), 15_000, 'banner');
    port = Number(/** @type {RegExpMatchArray} */ (banner.match(/:(\d+)\/ws/))[1]);
  });

  after(async () => {
    for (const b of browsers) await b.close();
    for (const w of wrappers) await w.remove();
    await stop(server);
    lan?.remove();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('the other host discovers the server within 3 s', async () => {
    const started = Date.now();
    const discover = lan.b.exec(LANCALL_BIN, ['discover', '--timeout', '3']);
    try {
      const line = await lineMatching(discover, (l) => l.includes('"found"'), 4_000, 'host found');
      const elapsed = Date.now() - started;
      const host = JSON.parse(line);
      console.log(`discovered ${host.url} in ${elapsed} ms (process start included)`);
      assert.ok(elapsed <= 3_000, `found after ${elapsed} ms`);
      assert.equal(host.name, 'Namespace A');
      assert.equal(host.port, port);
      assert.deepEqual(host.addresses, [lan.a.ip]);
      assert.equal(host.version, 1);
      assert.equal(host.tls, true);
      assert.equal(host.room, null, 'no room names unless the host says so');
      url = host.url;
      assert.equal(url, `https://${lan.a.ip}:${port}/`);
    } finally {
      await stop(discover);
    }
  });

  it('a browser on each host accepts the certificate, joins the room and decodes the other\'s video', async () => {
    assert.ok(url, 'discovery gave the address');
    const pages = [];
    for (const [who, host] of /** @type {const} */ ([['server side', lan.a], ['guest', lan.b]])) {
      const wrapper = await chromiumIn(host);
      wrappers.push(wrapper);
      const browser = await launch({ executable: wrapper.path });
      browsers.push(browser);
      const page = await openClient(browser, { url }, who);
      await acceptCertificate(page, url);
      pages.push([who, page]);
    }
    for (const [who, page] of pages) await joinCall(/** @type {any} */ (page), { url }, { name: String(who), room: 'veth' });
    for (const [who, page] of pages) await waitForRemoteVideo(/** @type {any} */ (page), 1, { what: `${who}'s remote video` });
    // Each namespace has nothing but its loopback and the veth, so the media
    // went host to host over the veth, on a direct (host) candidate pair.
    for (const [who, page] of pages) {
      const stats = await /** @type {import('playwright-core').Page} */ (page).evaluate(() => window.lancall.stats());
      assert.equal(stats[0]?.candidateType, 'host', `${who}: direct path`);
    }
    // And the two ends show the same verification words.
    // (once each has checked the other's reveal: verify.js)
    const words = await Promise.all(pages.map(([, page]) => /** @type {import('playwright-core').Page} */ (page)
      .waitForFunction(() => window.lancall.peers()[0]?.sas, undefined, { timeout: 20_000, polling: 100 }).then((h) => h.jsonValue())));
    assert.ok(words[0] && words[0] === words[1], `words: ${words}`);
  });
});
