// LocalMedia's order of things when a camera or microphone goes away (the
// call ends, the camera is turned off or switched): our own tile and the
// preview are handed a new stream first, and only then is the old track
// stopped; the stream they were playing is never changed under them. On
// WebKitGTK, a track stopped or removed under a playing <video> deadlocked
// the app's page (a removed guest's window froze for good).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

/** A track that says when it was stopped. */
class FakeTrack {
  /** @param {'audio' | 'video'} kind @param {string[]} log */
  constructor(kind, log) {
    this.kind = kind;
    this.id = `${kind}-${FakeTrack.n++}`;
    this.enabled = true;
    this.stopped = false;
    this.log = log;
  }

  stop() {
    this.stopped = true;
    this.log.push(`stop ${this.id}`);
  }

  getSettings() { return { deviceId: `${this.kind}-device` }; }
}
FakeTrack.n = 0;

/** A stream that counts the changes made to it after it was made. */
class FakeStream {
  /** @param {FakeTrack[]} [tracks] */
  constructor(tracks = []) {
    this.tracks = [...tracks];
    this.changes = 0;
  }

  getTracks() { return [...this.tracks]; }
  getAudioTracks() { return this.tracks.filter((t) => t.kind === 'audio'); }
  getVideoTracks() { return this.tracks.filter((t) => t.kind === 'video'); }
  /** @param {FakeTrack} t */
  addTrack(t) { this.tracks.push(t); this.changes += 1; }
  /** @param {FakeTrack} t */
  removeTrack(t) { this.tracks = this.tracks.filter((x) => x !== t); this.changes += 1; }
}

globalThis.MediaStream = /** @type {any} */ (FakeStream);
const { LocalMedia } = await import('../../ui/js/media.js');

/** LocalMedia over fake devices; `log` has each stop and each time the listeners were told. */
function setUp() {
  /** @type {string[]} */
  const log = [];
  const devicesApi = {
    /** @param {{ audio?: unknown, video?: unknown }} c */
    getUserMedia: async (c) => new FakeStream([
      ...(c.audio ? [new FakeTrack('audio', log)] : []),
      ...(c.video ? [new FakeTrack('video', log)] : []),
    ]),
  };
  const media = new LocalMedia({ mediaDevices: /** @type {any} */ (devicesApi) });
  /** @type {{ preview: FakeStream, shown: FakeTrack | undefined, live: string[] }[]} */
  const told = [];
  media.on('tracks', (t) => {
    const preview = /** @type {FakeStream} */ (/** @type {unknown} */ (t.preview));
    // What a player of the preview has at this moment.
    told.push({ preview, shown: preview.getVideoTracks()[0], live: preview.getTracks().filter((x) => !x.stopped).map((x) => x.id) });
    log.push('told');
  });
  return { media, log, told };
}

describe('LocalMedia hands out a new preview before it stops a track', () => {
  it('the camera turned off: a preview without it is handed out, then the camera stops', async () => {
    const { media, log, told } = setUp();
    await media.open();
    const played = /** @type {FakeStream} */ (/** @type {unknown} */ (media.preview));
    const camera = /** @type {FakeTrack} */ (/** @type {unknown} */ (media.video));
    assert.equal(played.getVideoTracks()[0], camera, 'the preview plays the camera');
    log.length = 0;

    await media.setCam(false);
    assert.deepEqual(log, ['told', `stop ${camera.id}`]);
    assert.notEqual(told.at(-1)?.preview, played, 'a new stream');
    assert.equal(told.at(-1)?.shown, undefined, 'without the camera');
    assert.equal(played.changes, 0, 'the stream that was playing was never changed');
    assert.equal(camera.stopped, true, 'and its light goes out');
  });

  it('the call ends: every track stops after the listeners have an empty preview', async () => {
    const { media, log, told } = setUp();
    await media.open();
    const played = /** @type {FakeStream} */ (/** @type {unknown} */ (media.preview));
    const tracks = /** @type {FakeTrack[]} */ (/** @type {unknown} */ ([media.audio, media.video]));
    log.length = 0;

    media.close();
    assert.equal(log[0], 'told');
    assert.deepEqual(log.slice(1).sort(), tracks.map((t) => `stop ${t.id}`).sort(), 'each track stopped once, after');
    assert.deepEqual(told.at(-1)?.live, []);
    assert.equal(told.at(-1)?.preview.getTracks().length, 0);
    assert.equal(played.changes, 0);
    assert.equal(media.stream.getTracks().length, 0, 'nothing left to send');
  });

  it('another camera: the new one is handed out in a new preview, then the old one stops', async () => {
    const { media, log, told } = setUp();
    await media.open();
    const played = /** @type {FakeStream} */ (/** @type {unknown} */ (media.preview));
    const before = /** @type {FakeTrack} */ (/** @type {unknown} */ (media.video));
    log.length = 0;

    await media.use('video', 'other-camera');
    const after = /** @type {FakeTrack} */ (/** @type {unknown} */ (media.video));
    assert.notEqual(after, before);
    assert.deepEqual(log, ['told', `stop ${before.id}`]);
    assert.equal(told.at(-1)?.shown, after);
    assert.equal(played.changes, 0);
    assert.deepEqual(media.stream.getVideoTracks(), [after], 'the sent stream keeps its identity and has the new camera');
  });

  it('opening again replaces the tracks in one step, the old ones stopped after', async () => {
    const { media, log, told } = setUp();
    await media.open();
    const sent = media.stream;
    const old = /** @type {FakeTrack[]} */ (/** @type {unknown} */ ([media.audio, media.video]));
    log.length = 0;
    told.length = 0;

    await media.open();
    assert.equal(told.length, 1, 'one change, not an empty moment between');
    assert.equal(log[0], 'told');
    assert.deepEqual(log.slice(1).sort(), old.map((t) => `stop ${t.id}`).sort());
    assert.equal(media.stream, sent, 'what we send keeps its stream (its id goes with our tracks)');
    assert.equal(told[0].shown, media.video);
  });
});
