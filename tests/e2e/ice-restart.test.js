// How a lost connection is brought back (ui/js/ice-restart.js): ICE
// restarts until it is connected again, with growing pauses, and none while
// it is healthy. Plain Node with mocked timers; the connection is a stand-in
// whose states the test sets, as a browser's events would.
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { IceRestarts, RESTART_FIRST, RESTART_MAX } from '../../ui/js/ice-restart.js';

/** A connection whose states the test sets; counts restartIce() calls. */
function connection() {
  return {
    /** @type {RTCIceConnectionState} */ iceConnectionState: 'connected',
    /** @type {RTCPeerConnectionState} */ connectionState: 'connected',
    restarts: 0,
    restartIce() { this.restarts += 1; },
  };
}

describe('ICE restarts of a lost connection', () => {
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    // No jitter: the pauses are exact.
    mock.method(Math, 'random', () => 0);
  });
  afterEach(() => {
    mock.timers.reset();
    mock.restoreAll();
  });

  it('waits for a disconnected connection to come back before restarting', () => {
    const pc = connection();
    const r = new IceRestarts(pc);
    pc.iceConnectionState = 'disconnected';
    pc.connectionState = 'disconnected';
    r.check();
    mock.timers.tick(RESTART_FIRST - 1);
    assert.equal(pc.restarts, 0);
    pc.iceConnectionState = 'connected';
    pc.connectionState = 'connected';
    r.check();
    mock.timers.tick(RESTART_MAX * 4);
    assert.equal(pc.restarts, 0, 'back by itself: no restart');
  });

  it('restarts again, with doubling pauses up to a ceiling, while nothing comes back', () => {
    const pc = connection();
    const r = new IceRestarts(pc);
    pc.iceConnectionState = 'disconnected';
    pc.connectionState = 'disconnected';
    r.check();
    /** @type {number[]} */
    const at = [];
    for (let t = 0; t <= 60_000; t += 100) {
      const before = pc.restarts;
      mock.timers.tick(100);
      if (pc.restarts > before) at.push(t + 100);
      // A restart's own state changes (checking, then disconnected again)
      // must not start a second series.
      if (pc.restarts > before) {
        pc.iceConnectionState = 'checking';
        r.check();
        pc.iceConnectionState = 'disconnected';
        r.check();
      }
    }
    const pauses = at.map((t, i) => t - (at[i - 1] ?? 0));
    assert.deepEqual(pauses.slice(0, 4), [RESTART_FIRST, RESTART_FIRST * 2, RESTART_FIRST * 4, RESTART_MAX]);
    assert.ok(pauses.slice(3).every((p) => p === RESTART_MAX), `never longer than the ceiling: ${pauses}`);
  });

  it('restarts a failed connection at once, and stops once it is connected', () => {
    const pc = connection();
    const r = new IceRestarts(pc);
    // Chromium can keep ICE "disconnected" while the connection fails.
    pc.iceConnectionState = 'disconnected';
    pc.connectionState = 'failed';
    r.check();
    assert.equal(pc.restarts, 1);
    pc.iceConnectionState = 'connected';
    pc.connectionState = 'connected';
    r.check();
    mock.timers.tick(RESTART_MAX * 4);
    assert.equal(pc.restarts, 1);
  });

  it('never restarts a connection still setting up, nor one that is closed', () => {
    const pc = connection();
    pc.iceConnectionState = 'checking';
    pc.connectionState = 'connecting';
    const r = new IceRestarts(pc);
    r.check();
    mock.timers.tick(RESTART_MAX * 4);
    assert.equal(pc.restarts, 0, 'a first connection takes the time it takes');
    pc.iceConnectionState = 'disconnected';
    r.check();
    r.close();
    mock.timers.tick(RESTART_MAX * 4);
    assert.equal(pc.restarts, 0);
  });
});
