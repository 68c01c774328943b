// Who is speaking: each peer's audio level from getStats (the inbound
// audio's totalAudioEnergy between two polls, or its audioLevel where a
// report has no energy), ours from the audio source we send, a few times a
// second. Only what the engine already measures is read: no analyser, no
// extra audio processing. Both engines answer the same fields (the native
// one from a GStreamer `level` element, native/peer-connection.js).
//
// One speaker at a time, with hysteresis so the ring does not flicker
// between words or between two people talking over each other: the
// loudest above THRESHOLD takes it when nobody holds it; the one holding it
// keeps it through pauses shorter than HOLD_MS, unless someone else has been
// the loudest for SWITCH_MS. A muted person's level counts as silence.
// No DOM here; main.js hands the speaker to the grid.
import { Emitter } from '../emitter.js';

/**
 * @typedef {import('../call.js').Call} Call
 * @typedef {{ totalAudioEnergy?: number, totalSamplesDuration?: number, audioLevel?: number }} AudioStats
 *   what one poll reads of an audio stream (RTCInboundRtpStreamStats or RTCAudioSourceStats)
 * @typedef {object} SpeakerEvents
 * @property {string | null} speaker  a peer's id, 'local' (us), or nobody
 */

/**
 * RMS level (full scale 1) a voice must reach: −36 dBFS. Room noise through
 * a browser's noise suppression stays well under it; speech at a normal
 * distance is 10–20 dB over.
 */
export const THRESHOLD = 0.016;
/** The one speaking keeps the ring through pauses this long (between words, breaths). */
export const HOLD_MS = 900;
/** Someone else must be the loudest this long to take the ring from one still speaking. */
export const SWITCH_MS = 600;
/** How often getStats is polled: 4 Hz, a fraction of a word. */
export const POLL_MS = 250;

/**
 * The RMS level of a stream between two polls: the energy it gained over
 * the time its samples cover (the spec's totalAudioEnergy is the sum of
 * each sample's square times its duration). Without energy, the
 * instantaneous audioLevel; without either, or with no samples since, 0.
 * @param {AudioStats | undefined} before
 * @param {AudioStats | undefined} now
 */
export function levelBetween(before, now) {
  if (!now) return 0;
  if (typeof now.totalAudioEnergy === 'number' && typeof now.totalSamplesDuration === 'number') {
    if (!before || typeof before.totalAudioEnergy !== 'number' || typeof before.totalSamplesDuration !== 'number') return 0;
    const seconds = now.totalSamplesDuration - before.totalSamplesDuration;
    const energy = now.totalAudioEnergy - before.totalAudioEnergy;
    // A counter that went back (a new connection, a rebuilt native one): no level this time.
    return seconds > 0 && energy >= 0 ? Math.sqrt(energy / seconds) : 0;
  }
  return typeof now.audioLevel === 'number' && Number.isFinite(now.audioLevel) ? Math.max(0, now.audioLevel) : 0;
}

/**
 * The audio streams of a stats report: what we receive (inbound-rtp) and
 * the microphone we send (media-source), the loudest-looking of each if
 * there are several.
 * @param {RTCStatsReport | Map<string, any> | null} report
 * @returns {{ inbound?: AudioStats, source?: AudioStats }}
 */
export function audioOf(report) {
  /** @type {{ inbound?: AudioStats, source?: AudioStats }} */
  const out = {};
  report?.forEach((/** @type {any} */ s) => {
    if (s?.kind !== 'audio') return;
    const slot = s.type === 'inbound-rtp' ? 'inbound' : s.type === 'media-source' ? 'source' : null;
    if (slot && (out[slot]?.totalAudioEnergy ?? -1) <= (s.totalAudioEnergy ?? 0)) out[slot] = s;
  });
  return out;
}

/** Levels in, one speaker out, with the hysteresis above. Time is passed in. */
export class SpeakerPicker {
  /** @type {string | null} */
  current = null;
  /** When the current speaker was last above the threshold. */
  #heard = 0;
  /** The loudest one who is not the current speaker, and since when. @type {string | null} */
  #rival = null;
  #since = 0;

  /**
   * @param {Map<string, number>} levels  each person's level now (a muted one's as 0)
   * @param {number} now  ms
   * @returns {string | null}  who holds the ring now
   */
  update(levels, now) {
    let loudest = null;
    let max = THRESHOLD;
    for (const [id, level] of levels) {
      if (level >= max) { max = level; loudest = id; }
    }
    // Someone gone (left, muted out of the list) holds nothing.
    if (this.current !== null && !levels.has(this.current)) this.current = null;
    if (this.current !== null && (levels.get(this.current) ?? 0) >= THRESHOLD) this.#heard = now;
    if (loudest === null || loudest === this.current) {
      this.#rival = null;
    } else {
      if (this.#rival !== loudest) { this.#rival = loudest; this.#since = now; }
      const free = this.current === null || now - this.#heard >= HOLD_MS;
      if (free || now - this.#since >= SWITCH_MS) {
        this.current = loudest;
        this.#heard = now;
        this.#rival = null;
      }
    }
    if (this.current !== null && now - this.#heard >= HOLD_MS) this.current = null;
    return this.current;
  }
}

/**
 * Polls the call's connections while it is in a call and says who speaks
 * ('speaker' events, only on a change).
 * @extends {Emitter<SpeakerEvents>}
 */
export class SpeakerWatch extends Emitter {
  #picker = new SpeakerPicker();
  /** The last poll's audio stats, by peer id ('id:local' for what we send on that connection). @type {Map<string, AudioStats>} */
  #last = new Map();
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer;
  #busy = false;

  /**
   * @param {object} o
   * @param {Pick<Call, 'peers' | 'local' | 'stats' | 'on'>} o.call
   * @param {number} [o.every]  ms between polls
   */
  constructor({ call, every = POLL_MS }) {
    super();
    this.call = call;
    this.every = every;
    call.on('phase', (p) => (p.phase === 'in-call' ? this.start() : this.stop()));
  }

  /** Who speaks now: a peer's id, 'local', or null. */
  get speaker() { return this.#picker.current; }

  start() {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => { this.#poll().catch((e) => console.warn('lancall: speaker poll', e)); }, this.every);
  }

  stop() {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#last.clear();
    this.#picker = new SpeakerPicker();
    this.emit('speaker', null);
  }

  async #poll() {
    // One poll at a time: a slow getStats (a busy native engine) skips a turn.
    if (this.#busy) return;
    this.#busy = true;
    try {
      const peers = this.call.peers.filter((p) => p.state === 'connected');
      const reports = await Promise.all(peers.map((p) => this.call.stats(p.id).catch(() => null)));
      if (this.#timer === undefined) return; // stopped meanwhile
      /** @type {Map<string, number>} */
      const levels = new Map();
      /** @type {Map<string, AudioStats>} */
      const next = new Map();
      let local = -1;
      peers.forEach((p, i) => {
        const { inbound, source } = audioOf(reports[i]);
        if (inbound) next.set(p.id, inbound);
        levels.set(p.id, p.mic ? levelBetween(this.#last.get(p.id), inbound) : 0);
        // What we send, as the first connection that measures it saw it
        // (each connection counts from when it began sending).
        if (source && local < 0) {
          next.set(`${p.id}:local`, source);
          local = levelBetween(this.#last.get(`${p.id}:local`), source);
        }
      });
      const me = this.call.local;
      levels.set('local', me.mic && me.hasAudio ? Math.max(0, local) : 0);
      this.#last = next;
      const before = this.#picker.current;
      const now = this.#picker.update(levels, performance.now());
      if (now !== before) this.emit('speaker', now);
    } finally {
      this.#busy = false;
    }
  }
}
