// The native engine's data channel as an RTCDataChannel for peer.js: its
// messages and state come from the engine (peer-connection.js). No Tauri here.

/** The data channel, over the engine's. */
export class NativeDataChannel extends EventTarget {
  /** @type {RTCDataChannelState} */
  readyState = 'connecting';

  /**
   * @param {string} label
   * @param {(text: string) => void} send
   */
  constructor(label, send) {
    super();
    this.label = label;
    this.sendText = send;
  }

  /** @param {string} text */
  send(text) {
    if (this.readyState !== 'open') throw new DOMException('the data channel is not open', 'InvalidStateError');
    this.sendText(String(text));
  }

  close() { this.setState(false); }

  /** @param {boolean} open */
  setState(open) {
    const state = open ? 'open' : 'closed';
    if (this.readyState === state) return;
    this.readyState = state;
    this.dispatchEvent(new Event(state === 'open' ? 'open' : 'close'));
  }
}
