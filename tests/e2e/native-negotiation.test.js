// The native engine's RTCPeerConnection (ui/js/native/peer-connection.js)
// fires negotiationneeded as a browser does: once per need. When the engine
// could not make an offer (a share the rebuilt webrtcbin refused), the
// engine's own negotiationneeded events used to ask for one again at once,
// and peer.js offered and failed in a loop (hundreds a second in the app's
// log). A new change, or a return to stable, still asks again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NativePeerConnection } from '../../ui/js/native/peer-connection.js';

/** The app's side of the bridge: commands answered by `answer`, events sent by `emit`. */
function fakeBridge(answer) {
  /** @type {((m: any) => void)[]} */
  const channels = [];
  return {
    calls: /** @type {string[]} */ ([]),
    invoke(cmd, args) {
      this.calls.push(cmd);
      return answer(cmd, args);
    },
    channel(onMessage) {
      channels.push(onMessage);
      return channels.length - 1;
    },
    /** An engine event on the peer's event channel (the first one it made). */
    emit(event) { channels[0](event); },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('the native connection asks for an offer once per need', () => {
  it('a failed offer is not asked for again by the engine\'s events, but is by a new change or a return to stable', async () => {
    const bridge = fakeBridge(async (cmd) => {
      if (cmd === 'native_peer_create') return 'p1';
      if (cmd === 'native_create_offer') throw { code: 'negotiation', message: 'negotiation failed: webrtcbin gave no pad sink_3' };
      return 'stable';
    });
    const pc = new NativePeerConnection(bridge, new WeakMap());
    let asked = 0;
    let failed = 0;
    pc.addEventListener('negotiationneeded', async () => {
      asked += 1;
      // As peer.js does: make an offer, and report a failure.
      await pc.createOffer().catch(() => { failed += 1; });
    });
    try {
      pc.createDataChannel('lancall');
      await tick();
      assert.equal(asked, 1, 'asked once for the data channel');
      assert.equal(failed, 1);

      // webrtcbin's own on-negotiation-needed, late and repeated, while the
      // cause stays: nothing more.
      for (let i = 0; i < 20; i += 1) {
        bridge.emit({ type: 'negotiationneeded' });
        await tick();
      }
      assert.equal(asked, 1, `no offer loop: asked ${asked} times`);
      assert.equal(bridge.calls.filter((c) => c === 'native_create_offer').length, 1);

      // A new change needs an offer: asked again, once.
      pc.addTransceiver('video', { direction: 'sendonly' });
      await tick();
      assert.equal(asked, 2, 'asked again after a new change');

      // Back in stable after the other side's offer, the offer is still owed.
      bridge.emit({ type: 'signalingstatechange', state: 'have-remote-offer' });
      bridge.emit({ type: 'signalingstatechange', state: 'stable' });
      await tick();
      assert.equal(asked, 3, 'asked again back in stable');
    } finally {
      // Ends a loop, should there be one, so the failure is reported.
      pc.close();
    }
  });
});
