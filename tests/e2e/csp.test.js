// The client under the Content-Security-Policy `lancall serve` sends with its
// pages (src-tauri/src/signal/headers.rs): two people join a call, see each
// other's video and chat, and the browser reports no violation of the
// policy; an inline script injected into the page is refused.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

/**
 * Record every CSP violation the page reports, from its first script on.
 * @param {Page} page
 */
async function recordViolations(page) {
  await page.addInitScript(() => {
    /** @type {string[]} */
    const seen = [];
    /** @type {any} */ (window).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

/** @param {Page} page */
const violations = (page) => page.evaluate(() => /** @type {string[]} */ (/** @type {any} */ (window).__cspViolations));

describe('the client under its served Content-Security-Policy', () => {
  /** @type {Page} */ let alice;
  /** @type {Page} */ let bob;
  const env = useServerAndBrowser();

  before(async () => {
    alice = await openClient(env.browser, env.server, 'alice');
    bob = await openClient(env.browser, env.server, 'bob');
    for (const page of [alice, bob]) await recordViolations(page);
  });

  it('the page comes with the policy, nosniff and no-referrer', async () => {
    const res = await alice.goto(env.server.url);
    const headers = res?.headers() ?? {};
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self';/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['referrer-policy'], 'no-referrer');
  });

  it('a call with video and chat runs without a single violation', async () => {
    await joinCall(alice, env.server, { name: 'Alice', room: 'csp' });
    await joinCall(bob, env.server, { name: 'Bob', room: 'csp' });
    for (const page of [alice, bob]) await waitForRemoteVideo(page, 1, { what: 'the remote video under the CSP' });
    await alice.locator('body').press('c');
    await alice.getByPlaceholder('Write a message…').fill('hello under the policy');
    await alice.getByPlaceholder('Write a message…').press('Enter');
    await waitFor(bob, () => [...document.querySelectorAll('#chat-log .msg:not(.self) .body')].some((e) => e.textContent === 'hello under the policy'),
      { what: 'the chat line at the other side' });
    assert.deepEqual(await violations(alice), []);
    assert.deepEqual(await violations(bob), []);
  });

  it('an inline script injected into the page does not run, and is reported', async () => {
    const ran = await alice.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      return /** @type {any} */ (window).__inlineRan === true;
    });
    assert.equal(ran, false);
    await waitFor(alice, () => /** @type {string[]} */ (/** @type {any} */ (window).__cspViolations).some((v) => v.startsWith('script-src')),
      { what: 'the refused inline script reported' });
  });
});
