// The speaker's ring: the rules of call/speaker.js on their own, then calls
// whose microphones "speak" in turns, read from WAV files this test writes.
// The sound is honestly not speech: a 2 s voice-band tone burst with a
// syllable-rate (4 Hz) envelope, then silence, looped by Chromium's fake
// microphone; Ann's file is 5 s long and Ben's 7 s, so whatever moment each
// browser started its microphone at, their turns drift past each other and
// each speaks alone again and again. Four people in Chromium (two muted
// listeners, one in each browser): Cid, listening, sees the ring go from
// Ann's tile to Ben's and back, and never on a muted tile; Ann sees her own
// tile ring; with "Follow speaker" on, the stage follows whoever speaks.
// Last, the Linux app (native engine, `level` elements) with a test tone
// that speaks in turns of its own (devices.rs `test:turns`) and a Chromium
// page: each sees the ring on the other's tile and on its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './support/server.js';
import { launch, waitFor } from './support/browser.js';
import { startServer } from './support/server.js';
import { startApp, startXvfb, until } from './support/app.js';
import { HOLD_MS, SWITCH_MS, SpeakerPicker, THRESHOLD, audioOf, levelBetween } from '../../ui/js/call/speaker.js';

/** @typedef {import('playwright-core').Page} Page */

describe('the rules of the speaker (call/speaker.js)', () => {
  it('a level is the RMS of the energy gained over the time it covers', () => {
    const a = { totalAudioEnergy: 1, totalSamplesDuration: 10 };
    assert.ok(Math.abs(levelBetween(a, { totalAudioEnergy: 1 + 0.01 * 0.5, totalSamplesDuration: 10.5 }) - 0.1) < 1e-9, 'RMS 0.1 for half a second');
    assert.equal(levelBetween(a, a), 0, 'no samples since: silence');
    assert.equal(levelBetween(undefined, a), 0, 'one sample is no interval');
    assert.equal(levelBetween(a, { totalAudioEnergy: 0, totalSamplesDuration: 1 }), 0, 'a counter that went back (a new connection)');
    assert.equal(levelBetween(undefined, { audioLevel: 0.3 }), 0.3, 'without energy, the level of the moment');
    assert.equal(levelBetween(undefined, undefined), 0);
  });

  it('a report gives the audio received and the audio sent', () => {
    const report = new Map([
      ['v', { type: 'inbound-rtp', kind: 'video', totalAudioEnergy: 9 }],
      ['a', { type: 'inbound-rtp', kind: 'audio', totalAudioEnergy: 2 }],
      ['s', { type: 'media-source', kind: 'audio', totalAudioEnergy: 3 }],
    ]);
    const { inbound, source } = audioOf(report);
    assert.equal(inbound?.totalAudioEnergy, 2);
    assert.equal(source?.totalAudioEnergy, 3);
    assert.deepEqual(audioOf(null), {});
  });

  it('the loudest takes the ring, holds it through pauses, and yields to one who keeps speaking', () => {
    const p = new SpeakerPicker();
    const loud = THRESHOLD * 4;
    const quiet = THRESHOLD / 2;
    const at = (/** @type {Record<string, number>} */ l, /** @type {number} */ t) => p.update(new Map(Object.entries(l)), t);
    assert.equal(at({ a: quiet, b: quiet }, 0), null, 'nobody over the threshold');
    assert.equal(at({ a: loud, b: loud / 2 }, 250), 'a', 'the loudest, at once when nobody holds it');
    assert.equal(at({ a: quiet, b: quiet }, 500), 'a', 'a pause between words');
    assert.equal(at({ a: quiet, b: loud }, 750), 'a', 'someone else starts while a still holds it');
    assert.equal(at({ a: loud / 8 + THRESHOLD, b: loud }, 750 + SWITCH_MS - 1), 'a');
    assert.equal(at({ a: THRESHOLD, b: loud }, 750 + SWITCH_MS), 'b', 'b stayed the loudest long enough');
    const t = 750 + SWITCH_MS;
    assert.equal(at({ a: quiet, b: quiet }, t + HOLD_MS - 1), 'b');
    assert.equal(at({ a: quiet, b: quiet }, t + HOLD_MS), null, 'silence longer than the hold: nobody');
    assert.equal(at({ a: loud }, t + HOLD_MS + 250), 'a');
    assert.equal(at({ b: loud }, t + HOLD_MS + 500), 'b', 'one who left holds nothing');
  });
});

/**
 * A mono 16-bit 48 kHz WAV, `seconds` long: a voice-band tone burst for its
 * first 2 s (fundamental `hz` with two harmonics, under a 4 Hz syllable
 * envelope, at most −10 dBFS), silence after.
 * @param {number} seconds @param {number} hz
 */
function burstWav(seconds, hz) {
  const rate = 48_000;
  const n = rate * seconds;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    if (t < 2) {
      const envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
      v = 0.3 * envelope * (0.6 * Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(4 * Math.PI * hz * t) + 0.1 * Math.sin(6 * Math.PI * hz * t));
    }
    data.writeInt16LE(Math.round(v * 32767), i * 2);
  }
  const head = Buffer.alloc(44);
  head.write('RIFF', 0);
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVEfmt ', 8);
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36);
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

/** Who rings on `page`: 'me' for its own tile, else the names on the ringing tiles. */
const ringing = (/** @type {Page} */ page) => page.evaluate(() => [...document.querySelectorAll('.tile[data-speaking="true"]')]
  .map((t) => (t.classList.contains('local') ? 'me' : window.lancall.peers().find((p) => p.id === /** @type {HTMLElement} */ (t).dataset.peer)?.name ?? '?')));

/**
 * Watch `page` until the ring has gone through `order` (names, 'me' for
 * its own tile) in turn; fails at once if a name of `never` rings.
 * @param {Page} page @param {string[]} order @param {{ never?: string[], timeout?: number, what: string }} o
 */
async function ringFollows(page, order, { never = [], timeout = 90_000, what }) {
  const seen = [];
  const deadline = Date.now() + timeout;
  let next = 0;
  while (next < order.length) {
    const now = await ringing(page);
    const bad = now.filter((n) => never.includes(n));
    assert.deepEqual(bad, [], `${what}: a muted person's tile rang (seen so far: ${seen.join(' → ')})`);
    assert.ok(now.length <= 1, `${what}: one ring at a time, not ${JSON.stringify(now)}`);
    if (now.length && now[0] !== seen.at(-1)) seen.push(now[0]);
    if (now[0] === order[next]) next += 1;
    if (Date.now() > deadline) assert.fail(`${what}: timed out; the ring went ${seen.join(' → ') || 'nowhere'}, wanted ${order.join(' → ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

/**
 * Open lancall in `browser`, mute the microphone on the pre-join screen if
 * asked, and join `room` as `name`.
 * @param {Awaited<ReturnType<typeof launch>>} browser @param {string} url
 * @param {{ name: string, room: string, muted?: boolean }} o
 */
async function enter(browser, url, { name, room, muted = false }) {
  const page = await browser.page(new URL(url).origin);
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  await page.goto(`${url}?video=240#room=${room}`);
  await waitFor(page, () => window.lancall?.ready() && window.lancall.previewing(), { what: `${name}'s preview` });
  if (muted) {
    await page.click('#preview-mic');
    await waitFor(page, () => document.getElementById('preview-mic')?.getAttribute('aria-pressed') === 'true', { what: `${name} muted` });
  }
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: `${name} in the call` });
  return page;
}

describe('the speaker\'s ring between Chromium pages', () => {
  /** @type {string} */ let scratch;
  /** @type {Awaited<ReturnType<typeof startServer>>} */ let server;
  /** @type {Awaited<ReturnType<typeof launch>>[]} */ const browsers = [];
  /** @type {Record<string, Page>} */ const pages = {};

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'lancall-speaker-'));
    await writeFile(join(scratch, 'ann.wav'), burstWav(5, 180));
    await writeFile(join(scratch, 'ben.wav'), burstWav(7, 240));
    server = await startServer();
    for (const who of ['ann', 'ben']) browsers.push(await launch({ args: [`--use-file-for-fake-audio-capture=${join(scratch, `${who}.wav`)}`] }));
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('four join: Ann and Ben speaking, Cid and Dee muted', async () => {
    const room = `speaker-${process.pid}`;
    pages.ann = await enter(browsers[0], server.url, { name: 'Ann', room });
    pages.ben = await enter(browsers[1], server.url, { name: 'Ben', room });
    pages.cid = await enter(browsers[0], server.url, { name: 'Cid', room, muted: true });
    pages.dee = await enter(browsers[1], server.url, { name: 'Dee', room, muted: true });
    for (const [who, page] of Object.entries(pages)) {
      await waitFor(page, () => window.lancall.peers().filter((p) => p.state === 'connected').length === 3,
        { what: `${who} connected to the three others`, timeout: 45_000 });
    }
  });

  it('Cid sees the ring go from Ann to Ben and back, never on a muted tile', async () => {
    const seen = await ringFollows(pages.cid, ['Ann', 'Ben', 'Ann'], { never: ['me', 'Dee'], what: "Cid's screen" });
    console.log(`Cid saw the ring go ${seen.join(' → ')}`);
  });

  it('Ann sees her own tile ring while she speaks, and Ben\'s while he does', async () => {
    await ringFollows(pages.ann, ['me', 'Ben'], { never: ['Cid', 'Dee'], what: "Ann's screen" });
    const label = await waitFor(pages.ann, () => document.querySelector('.tile.local[data-speaking="true"]')?.getAttribute('aria-label'),
      { what: "Ann's own tile ringing again", timeout: 30_000 });
    assert.match(String(label), /speaking/, 'a ringing tile says so to a screen reader');
  });

  it('with Follow speaker on, the stage follows whoever speaks; the choice is kept', async () => {
    const cid = pages.cid;
    const follow = cid.locator('button[data-action="follow"]');
    await follow.waitFor({ state: 'visible' });
    assert.equal(await follow.getAttribute('aria-pressed'), 'false');
    await follow.click();
    assert.equal(await follow.getAttribute('aria-pressed'), 'true');
    assert.equal(await cid.evaluate(() => localStorage.getItem('lancall.followSpeaker')), '1');
    const staged = () => cid.evaluate(() => {
      const t = /** @type {HTMLElement | null} */ (document.querySelector('#grid[data-layout="stage"] > .tile.on-stage'));
      return t ? window.lancall.peers().find((p) => p.id === t.dataset.peer)?.name ?? '?' : null;
    });
    for (const name of ['Ann', 'Ben', 'Ann']) {
      await until(async () => (await staged()) === name, async () => `${name} on Cid's stage (now: ${await staged()})`, 60_000);
    }
    // The README's picture: Ann on the stage with her ring, while she speaks.
    await until(async () => (await staged()) === 'Ann' && (await ringing(cid))[0] === 'Ann', 'Ann on the stage and ringing', 60_000);
    await cid.screenshot({ path: join(REPO, 'docs', 'screenshots', 'follow-speaker.png'), animations: 'disabled' });
    // Off again: the grid of equals.
    await follow.click();
    await waitFor(cid, () => document.getElementById('grid')?.dataset.layout === undefined, { what: 'the grid without a stage' });
  });
});

describe('the speaker\'s ring between the app (native engine) and Chromium', () => {
  /** @type {string} */ let scratch;
  /** @type {Awaited<ReturnType<typeof startServer>>} */ let server;
  /** @type {Awaited<ReturnType<typeof launch>>} */ let browser;
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>> | undefined} */ let app;
  /** @type {Page} */ let page;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'lancall-speaker-app-'));
    await writeFile(join(scratch, 'web.wav'), burstWav(7, 240));
    server = await startServer();
    browser = await launch({ args: [`--use-file-for-fake-audio-capture=${join(scratch, 'web.wav')}`] });
    x = await startXvfb();
  });

  after(async () => {
    const result = await app?.stop();
    if (result && result.code !== 0) console.error(app?.log());
    await browser?.close();
    await server?.stop();
    await x?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('the page and the app, whose engine sends a tone speaking in turns, meet', async () => {
    const room = `speaker-app-${process.pid}`;
    page = await enter(browser, server.url, { name: 'Web', room });
    process.env.LANCALL_TEST_SOURCE = '1';
    app = await startApp(['join', `${server.url}#room=${room}`, '--name', 'App'], x.display,
      { settings: { name: 'App', microphone: 'test:turns' } });
    const joined = app;
    await until(() => joined.states().some((s) => s.phase === 'in-call' && s.peers === 1), 'the app in the call with the page', 45_000);
    await waitFor(page, () => window.lancall.peers().some((p) => p.state === 'connected'), { what: 'the page connected to the app', timeout: 45_000 });
  });

  it('the page sees the ring on the app\'s tile and on its own, in turns', async () => {
    const seen = await ringFollows(page, ['App', 'me', 'App'], { what: "the page's screen" });
    console.log(`the page saw the ring go ${seen.join(' → ')}`);
  });

  it('the app sees the ring on the page\'s tile (its engine\'s level of what it receives) and on its own (its microphone\'s)', async () => {
    const joined = /** @type {NonNullable<typeof app>} */ (app);
    const since = Date.now();
    const rang = (/** @type {(s: any) => boolean} */ who) => joined.states().some((s) => s.at >= since && who(s));
    await until(() => rang((s) => s.speaking?.length === 1 && s.speaking[0] === s.remote?.[0]?.id),
      () => `the app's tile of the page to ring (last: ${JSON.stringify(joined.states().at(-1)?.speaking)})`, 45_000);
    await until(() => rang((s) => s.speaking?.length === 1 && s.speaking[0] === 'local'),
      () => `the app's own tile to ring (last: ${JSON.stringify(joined.states().at(-1)?.speaking)})`, 45_000);
  });
});
