// Generated from the Rust types by `make types` (ts-rs); do not edit.
// The signaling protocol (src-tauri/src/signal/protocol.rs): what a client
// sends and what the server sends back. docs/protocol.md is the reference.

/**
 * `join {user_id, room_id}` plus lancall's optional fields.
 */
export type Join = { user_id: string, room_id: string, 
/**
 * Set by clients that speak lancall's extensions; such a client's dropped
 * socket gets a resume grace period instead of an instant `exit_room`.
 */
version?: number, passcode?: string, 
/**
 * A resume token from an earlier `welcome`.
 */
resume?: string, 
/**
 * The server's host key: its holder joins as a host, past the waiting
 * room and the lock. A wrong one counts as a wrong passcode and is
 * otherwise ignored (the joiner is a guest).
 */
host_key?: string, 
/**
 * `true` from the joiner that creates the room: give it a waiting room
 * even on a server that does not by default. Ignored otherwise.
 */
waiting_room?: boolean, };

/**
 * The `data` of a relay a client sends.
 */
export type RelayData = { 
/**
 * The seed sends its room; lancall's client leaves it out.
 */
room_id?: string, 
/**
 * Only this peer (a `peer_id`), instead of everyone else in the room.
 */
to?: string, 
/**
 * An SDP, a candidate or app data: passed on byte for byte.
 */
value: unknown, };

/**
 * The `data` of `admit`: one knocker, or everyone waiting.
 */
export type AdmitData = { 
/**
 * The knocker's `peer_id`, from its `knock`.
 */
peer_id?: string, 
/**
 * `true`: everyone waiting, instead of one.
 */
all?: boolean, };

/**
 * The `data` of `deny` and `remove`: whom.
 */
export type PeerData = { peer_id: string, };

/**
 * The `data` of `lock`.
 */
export type LockData = { locked: boolean, };

/**
 * Every message a client may send, as the page's TypeScript sees it. The
 * server does not parse through this type ([`parse`] reads the envelope
 * and then only the `data` its event needs, without copying a relayed
 * `value`); [`tests::client_events_parse`] holds the two together.
 */
export type ClientEvent = { "event": "join", "data": Join } | { "event": "offer_sdp", "data": RelayData } | { "event": "answer_sdp", "data": RelayData } | { "event": "candidate", "data": RelayData } | { "event": "message", "data": RelayData } | { "event": "exit" } | { "event": "admit", "data": AdmitData } | { "event": "deny", "data": PeerData } | { "event": "remove", "data": PeerData } | { "event": "lock", "data": LockData };

/**
 * A member as others see it.
 */
export type MemberInfo = { peer_id: string, user_id: string, 
/**
 * The protocol version the member joined with; absent for seed clients,
 * which speak none of the extensions.
 */
version?: number, 
/**
 * A host of the room: it may admit, deny, remove and lock.
 */
host: boolean, };

/**
 * Why a peer left its room; sent in `exit_room`.
 */
export type LeaveReason = "left" | "dropped" | "timeout" | "slow" | "shutdown" | "removed";

/**
 * Why a knock ended; sent to the hosts in `knock_end`.
 */
export type KnockEndReason = "admitted" | "denied" | "left";

/**
 * The `data` of a relayed message as its recipients get it: the sender's
 * `value` untouched, stamped with the room and who sent it.
 */
export type Relayed = { room_id: string, value: unknown, 
/**
 * The sender's `peer_id`, stamped by the server: never taken from what
 * a client says of itself.
 */
from: string, to?: string, };

/**
 * Everything the server sends, serialized once per message and shared by
 * every recipient.
 */
export type ServerMessage = { "event": "welcome", "data": { peer_id: string, resume_token: string, resumed: boolean, protocol: number, room_id: string, count: number, master: string, viewer: string, max_room_size: number, members: Array<MemberInfo>, 
/**
 * The joiner is a host of the room.
 */
host: boolean, 
/**
 * The room has a waiting room: newcomers knock.
 */
waiting_room: boolean, 
/**
 * The room is locked to newcomers.
 */
locked: boolean, } } | { "event": "join", "data": { count: number, master: string, viewer: string, peer_id: string, user_id: string, version?: number, 
/**
 * The newcomer is a host of the room.
 */
host: boolean, } } | { "event": "exit_room", "data": { count: number, master: string, viewer: string, peer_id: string, user_id: string, reason: LeaveReason, } } | { "event": "peer_reconnecting", "data": { peer_id: string, } } | { "event": "peer_resumed", "data": { peer_id: string, } } | { "event": "waiting", "data": { room_id: string, peer_id: string, hosts: number, } } | { "event": "knock", "data": { peer_id: string, user_id: string, } } | { "event": "knock_end", "data": { peer_id: string, reason: KnockEndReason, } } | { "event": "denied", "data": { room_id: string, } } | { "event": "removed", "data": { room_id: string, } } | { "event": "locked", "data": { locked: boolean, 
/**
 * The host's `peer_id`.
 */
by: string, } } | { "event": "error", "data": { code: string, message: string, ref?: string, } };

/** The `data` of one server event, by its name. */
export type ServerData<E extends ServerMessage["event"]> = Extract<ServerMessage, { event: E }>["data"];
export type Welcome = ServerData<"welcome">;
export type JoinNotice = ServerData<"join">;
export type ExitNotice = ServerData<"exit_room">;
export type ServerError = ServerData<"error">;
export type WaitingNotice = ServerData<"waiting">;
export type KnockNotice = ServerData<"knock">;
export type KnockEndNotice = ServerData<"knock_end">;
export type LockedNotice = ServerData<"locked">;
/** A relayed message as the page receives it. */
export type RelayEvent = { event: "offer_sdp" | "answer_sdp" | "candidate" | "message", data: Relayed };
