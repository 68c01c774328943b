// Raised hands: the rules of call/hands.js on their own, then four
// Chromium pages in a call through a real `lancall serve`. Ann made the
// room, so the server stamps her its host. Ben raises his hand with H and
// Cat with the button: everyone sees them in that order, with a hand on
// their tiles, and only Ann hears the chime. Dan, joining late, learns
// both from their hellos. Ben's page, driven by hand, tells Cat to lower
// her hand: she is not told by a host, so it stays up. Ann lowers it from
// her list, and Cat is told who did. Ben lowers his own. Last, the same
// both ways between a Chromium page and the Linux app (its native engine
// carries the messages): the app raises with H, the page's host lowers it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startApp, startXvfb, until } from './support/app.js';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';
import { keepChannels, sendAll } from './support/hostile.js';
import { followHand, inOrder, obeysLower } from '../../ui/js/call/hands.js';

/** @typedef {import('playwright-core').Page} Page */

describe('the rules of raised hands (call/hands.js)', () => {
  it('a hand keeps the time it went up, and only a boolean moves it', () => {
    const up = followHand(0, true);
    assert.ok(up > 0);
    assert.equal(followHand(up, true), up, 'saying it again keeps its place in the list');
    assert.equal(followHand(up, false), 0);
    for (const odd of [undefined, null, 'yes', 1, {}]) assert.equal(followHand(up, odd), up, `hand: ${JSON.stringify(odd)}`);
  });

  it('a lower_hand is obeyed only from a host, for us, while our hand is up', () => {
    const at = { fromHost: true, me: 'p2', raised: true };
    assert.equal(obeysLower({ peer_id: 'p2' }, at), true);
    assert.equal(obeysLower({ peer_id: 'p2' }, { ...at, fromHost: false }), false);
    assert.equal(obeysLower({ peer_id: 'p3' }, at), false);
    assert.equal(obeysLower({ peer_id: 'p2' }, { ...at, raised: false }), false);
    assert.equal(obeysLower({ peer_id: '' }, { ...at, me: '' }), false, 'before our welcome we are nobody');
    assert.equal(obeysLower({}, at), false);
  });

  it('first raised first; the same millisecond by id', () => {
    const list = inOrder([
      { id: 'c', name: 'Cat', since: 30, me: false },
      { id: 'b', name: 'Ben', since: 10, me: false },
      { id: 'a', name: '', since: 30, me: true },
    ]);
    assert.deepEqual(list.map((x) => x.id), ['b', 'a', 'c']);
  });
});

/** @param {Page} page */
const handsOf = (page) => page.evaluate(() => window.lancall.hands());
/** @param {Page} page  the names on the page's list, in order */
const listed = (page) => page.$$eval('#hands .hand-name', (els) => els.map((e) => e.textContent));

describe('raised hands in a call', () => {
  const env = useServerAndBrowser();
  /** @type {Page} */ let ann;
  /** @type {Page} */ let ben;
  /** @type {Page} */ let cat;
  /** @type {Page} */ let dan;
  after(async () => { for (const p of [ann, ben, cat, dan]) await p?.close(); });

  it('Ann (the host), Ben and Cat are in a call', async () => {
    ann = await openClient(env.browser, env.server, 'ann');
    ben = await openClient(env.browser, env.server, 'ben');
    await ben.addInitScript(keepChannels);
    cat = await openClient(env.browser, env.server, 'cat');
    await joinCall(ann, env.server, { name: 'Ann', room: 'hands' });
    await joinCall(ben, env.server, { name: 'Ben', room: 'hands' });
    await joinCall(cat, env.server, { name: 'Cat', room: 'hands' });
    for (const page of [ann, ben, cat]) await waitForRemoteVideo(page, 2);
    await waitFor(ben, () => /** @type {any} */ (window).__channels.filter((c) => c.label === 'lancall' && c.readyState === 'open').length === 2,
      { what: "Ben's two data channels open" });
    assert.equal(await ann.isHidden('#hands'), true, 'no list while no hand is up');
  });

  it('Ben raises his hand with H, then Cat with the button: all see Ben, then Cat; only the host hears it', async () => {
    await ben.locator('body').press('h');
    await waitFor(ann, () => window.lancall.hands().list.length === 1, { what: "Ben's hand at Ann" });
    await cat.click('button[data-action="hand"]');
    assert.equal(await cat.getAttribute('button[data-action="hand"]', 'aria-pressed'), 'true');
    for (const page of [ann, ben, cat]) {
      await waitFor(page, () => window.lancall.hands().list.length === 2, { what: 'two hands up' });
    }
    assert.deepEqual(await listed(ann), ['Ben', 'Cat']);
    assert.deepEqual(await listed(ben), ['You', 'Cat']);
    assert.deepEqual(await listed(cat), ['Ben', 'You']);
    // A hand on the tiles of the two, not on Ann's own.
    assert.deepEqual(await ann.$$eval('.tile[data-hand="true"] .tile-name', (els) => els.map((e) => e.textContent).sort()), ['Ben', 'Cat']);
    assert.equal(await ann.isVisible('.tile.local .pill.hand'), false);
    assert.equal(await ben.isVisible('.tile.local .pill.hand'), true, 'Ben sees his own hand on his tile');
    assert.equal((await handsOf(ann)).chimes, 2, 'the host heard each hand');
    assert.equal((await handsOf(ben)).chimes, 0, 'a guest hears none');
    // A guest may lower only their own hand.
    assert.equal(await cat.locator('#hands li[data-peer="local"] button').count(), 1);
    assert.equal(await cat.locator('#hands li:not([data-peer="local"]) button').count(), 0);
    assert.equal(await ann.locator('#hands li button').count(), 2, 'the host may lower both');
  });

  it('Dan, joining late, learns both hands from their hellos', async () => {
    dan = await openClient(env.browser, env.server, 'dan');
    await joinCall(dan, env.server, { name: 'Dan', room: 'hands' });
    await waitFor(dan, () => window.lancall.hands().list.length === 2, { what: "both hands at Dan's", timeout: 30_000 });
    assert.deepEqual((await listed(dan)).sort(), ['Ben', 'Cat']);
  });

  it('Ben, who is no host, tells Cat to lower her hand: it stays up', async () => {
    const catId = await cat.evaluate(() => window.lancall.myId());
    await sendAll(ben, [JSON.stringify({ t: 'lower_hand', peer_id: catId })]);
    // A chat after it on the same channel: once Cat shows it, she has handled the lower_hand.
    await sendAll(ben, [JSON.stringify({ t: 'chat', id: 'after-lower', text: 'after the lower_hand', ts: 0 })]);
    await waitFor(cat, () => [...document.querySelectorAll('#chat-log .body')].some((b) => b.textContent === 'after the lower_hand'),
      { what: "Ben's chat at Cat" });
    assert.equal(await cat.getAttribute('button[data-action="hand"]', 'aria-pressed'), 'true');
    assert.deepEqual(await listed(ann), ['Ben', 'Cat']);
  });

  it('Ann lowers Cat\'s hand from her list: Cat is told, and everyone sees only Ben', async () => {
    await ann.click('#hands li:nth-child(2) button');
    await waitFor(cat, () => document.querySelector('button[data-action="hand"]')?.getAttribute('aria-pressed') === 'false', { what: "Cat's hand down" });
    await waitFor(cat, () => [...document.querySelectorAll('#toasts .toast')].some((t) => t.textContent?.includes('Ann lowered your hand')),
      { what: 'Cat told who lowered it' });
    for (const page of [ann, ben, cat, dan]) {
      await waitFor(page, () => window.lancall.hands().list.length === 1, { what: 'one hand up' });
    }
    assert.deepEqual(await listed(dan), ['Ben']);
  });

  it('Ben lowers his own with H: no hands, and no list', async () => {
    await ben.locator('body').press('h');
    for (const page of [ann, ben, cat, dan]) {
      await waitFor(page, () => window.lancall.hands().list.length === 0 && document.getElementById('hands')?.hidden === true, { what: 'no hands' });
    }
    assert.equal(await ann.locator('.tile[data-hand="true"]').count(), 0);
  });
});

describe('raised hands with the Linux app', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>>} */ let app;
  /** @type {Page} */ let web;
  before(async () => { x = await startXvfb(); });
  // Registered before the fixture's: the app quits while its server is up.
  after(async () => {
    await app?.stop();
    await x?.stop();
  });
  const env = useServerAndBrowser();
  const last = () => app.states().at(-1);

  it('Web (the host, in Chromium) and the app are in a call', async () => {
    web = await openClient(env.browser, env.server, 'web');
    await joinCall(web, env.server, { name: 'Web', room: 'hands-app' });
    process.env.LANCALL_TEST_SOURCE = '1';
    app = await startApp(['join', `${env.server.url}#room=hands-app`, '--name', 'App'], x.display);
    await until(() => app.states().some((s) => s.phase === 'in-call' && s.peers === 1), 'the app in the call', 45_000);
    await waitFor(web, () => window.lancall.peers().some((p) => p.state === 'connected' && p.chat), { what: "the app's data channel open", timeout: 45_000 });
  });

  it('the app raises its hand with H: the page lists it, and its host hears it', async () => {
    const env2 = { ...process.env, DISPLAY: x.display };
    const run = promisify(execFile);
    const ids = await until(() => run('xdotool', ['search', '--onlyvisible', '--name', 'lancall'], { env: env2 }).then((r) => r.stdout.trim(), () => ''),
      "the app's window (xdotool)", 10_000);
    // The key goes to the focused window: the app's, focused first.
    for (const id of ids.split(/\s+/)) await run('xdotool', ['windowfocus', '--sync', id, 'key', 'h'], { env: env2 }).catch(() => {});
    await waitFor(web, () => window.lancall.hands().list.some((h) => h.name === 'App'), { what: "the app's hand at the page" });
    assert.equal((await handsOf(web)).chimes, 1);
    await until(() => last()?.hands?.list?.[0]?.me === true, "the app's own hand in its list");
  });

  it('the page raises its hand: the app lists it after its own; the host lowers the app\'s, and the app is told', async () => {
    await web.click('button[data-action="hand"]');
    await until(() => last()?.hands?.list?.length === 2 && last().hands.list[1].name === 'Web', "Web's hand in the app's list, second");
    await web.click('#hands li:not([data-peer="local"]) button');
    await until(() => last()?.hands?.list?.length === 1 && last().hands.list[0].name === 'Web', "the app's hand down, Web's up");
    await until(() => last()?.toasts?.some((/** @type {string} */ t) => t.includes('Web lowered your hand')), 'the app told who lowered it');
    await waitFor(web, () => window.lancall.hands().list.length === 1 && window.lancall.hands().list[0].me, { what: "only Web's hand at the page" });
  });
});
