//! Rooms and their members: the state machine that every connection drives.
//!
//! One `std::sync::Mutex` guards all rooms. It is held only to read or change
//! membership and to put messages into the recipients' queues with
//! `try_send`, which never waits (microseconds), and never across an
//! `.await`. Queuing under the lock is what keeps every queue in the order
//! the room changed: sent after it, a relay or `exit_room` from another
//! thread could overtake a joiner's `welcome`, leaving it a member list
//! with someone already gone. Each peer has a bounded queue: a send that
//! finds it full disconnects that peer as too slow, so one stalled reader
//! never holds up its room.
//!
//! The queue belongs to the peer, not to its socket: when a socket drops and
//! the peer resumes on a new one within the grace period, what was queued in
//! between is delivered, and nobody saw it leave.
//!
//! Hosts, the waiting room and the lock are in [`lobby`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, watch};

mod entry;
mod lobby;
mod outcome;

use super::protocol::{self, Join, KnockEndReason, LeaveReason, MemberInfo, Relay, ServerMessage};

pub use lobby::MAX_WAITING;
pub use outcome::{Attached, HostError, JoinError, Kick, RelayError, Rights};

/// Where a peer's messages wait for its socket's writer.
pub type Mailbox = Arc<tokio::sync::Mutex<mpsc::Receiver<Utf8Bytes>>>;

/// Counts for `/healthz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub rooms: usize,
    pub peers: usize,
}

/// All rooms of one server.
pub struct Registry {
    state: Mutex<State>,
}

struct State {
    max_room_size: usize,
    /// Capacity of each peer's queue.
    queue: usize,
    /// Rooms made from now on have a waiting room.
    waiting_room: bool,
    rooms: HashMap<String, Room>,
    peers: HashMap<String, Peer>,
    /// Resume token to peer id.
    tokens: HashMap<String, String>,
}

struct Room {
    passcode: Option<String>,
    /// Peer ids in the order they joined: the first is the seed's `master`.
    members: Vec<String>,
    /// Newcomers who are not hosts knock and wait to be admitted.
    lobby: bool,
    /// Knockers (peers, not members) in the order they came.
    waiting: Vec<String>,
    /// Newcomers who are not hosts are refused.
    locked: bool,
    /// Resume tokens of members a host removed: dead for the room's life.
    removed: HashSet<String>,
}

struct Peer {
    user_id: String,
    room_id: String,
    outbox: mpsc::Sender<Utf8Bytes>,
    mailbox: Mailbox,
    resume_token: String,
    /// The protocol version it joined with, if any.
    version: Option<u32>,
    /// Spoke protocol version 1 or later, so it can resume.
    resumable: bool,
    /// A host of its room, as the server decided (creator or key holder).
    host: bool,
    /// A knocker: not a member yet, so it neither hears nor relays.
    waiting: bool,
    generation: u64,
    attached: bool,
    kick: watch::Sender<Option<Kick>>,
}

/// Messages decided under the lock, queued by `State::deliver` before it is
/// released.
type Sends = Vec<(String, mpsc::Sender<Utf8Bytes>, Utf8Bytes)>;

impl Registry {
    pub fn new(max_room_size: usize, queue: usize) -> Self {
        Registry {
            state: Mutex::new(State {
                max_room_size,
                queue: queue.max(2),
                waiting_room: false,
                rooms: HashMap::new(),
                peers: HashMap::new(),
                tokens: HashMap::new(),
            }),
        }
    }

    /// Rooms made from now on have a waiting room (`true`), or have one
    /// only if their creator asks for it.
    pub fn with_waiting_room(self, on: bool) -> Self {
        self.lock().waiting_room = on;
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock would leave plain maps behind, not a
        // broken invariant worth stopping every call for; carry on.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stats(&self) -> Stats {
        let state = self.lock();
        Stats { rooms: state.rooms.len(), peers: state.peers.len() }
    }

    /// Members of a room in join order, for tests and diagnostics.
    pub fn members(&self, room_id: &str) -> Vec<MemberInfo> {
        let state = self.lock();
        state.rooms.get(room_id).map_or_else(Vec::new, |room| state.member_infos(&room.members))
    }

    /// Join a room as a guest, or resume a dropped peer when `join.resume`
    /// names one. The joiner's first queued message is its `welcome`, or
    /// `waiting` if it knocked.
    pub fn join(&self, join: &Join) -> Result<Attached, JoinError> {
        self.join_as(join, Rights::GUEST)
    }

    /// [`join`](Self::join) with what the connection knows of the joiner.
    /// Without `may_guess` a passcode is not tested: a join that would test
    /// one is refused with `too_many_attempts`. A resume and a room without
    /// a passcode are not affected.
    pub fn join_as(&self, join: &Join, rights: Rights) -> Result<Attached, JoinError> {
        let mut sends = Sends::new();
        let mut state = self.lock();
        state.refuse_removed(join)?;
        let attached = match state.resume(join, &mut sends) {
            Some(attached) => attached,
            None => state.join(join, rights, &mut sends)?,
        };
        state.deliver(sends);
        Ok(attached)
    }

    /// Pass `relay` from `from` to the others in its room, or to `relay.to`.
    pub fn relay(&self, from: &Attached, relay: &Relay) -> Result<(), RelayError> {
        // Serialized once, before the lock, and shared by every recipient.
        let text = Utf8Bytes::from(protocol::relay_json(relay.kind, &from.room_id, &from.peer_id, relay));
        let mut sends = Sends::new();
        let mut state = self.lock();
        {
            let room = state.current(from).ok_or(RelayError::NotJoined)?;
            // A knocker is in no room yet, whichever it names.
            if state.peers.get(&from.peer_id).is_none_or(|p| p.waiting) {
                return Err(RelayError::NotJoined);
            }
            if let Some(named) = relay.room_id.as_ref().filter(|named| **named != from.room_id) {
                return Err(RelayError::WrongRoom { joined: from.room_id.clone(), named: named.clone() });
            }
            match &relay.to {
                Some(to) => {
                    if to == &from.peer_id || !room.members.contains(to) {
                        return Err(RelayError::UnknownPeer(to.clone()));
                    }
                    state.queue_to(to, &text, &mut sends);
                }
                None => {
                    for id in room.members.iter().filter(|id| **id != from.peer_id) {
                        state.queue_to(id, &text, &mut sends);
                    }
                }
            }
        }
        state.deliver(sends);
        Ok(())
    }

    /// The peer leaves its room for good (`exit`, timeout, or a socket drop of
    /// a peer that cannot resume). Does nothing if `at` is no longer current.
    pub fn leave(&self, at: &Attached, reason: LeaveReason) {
        let mut sends = Sends::new();
        let mut state = self.lock();
        if state.current(at).is_some() {
            state.remove(&at.peer_id, reason, &mut sends);
        }
        state.deliver(sends);
    }

    /// The peer's socket dropped. A resumable peer keeps its place and the room
    /// is told it is reconnecting; returns true if so, and the caller must
    /// call [`expire`](Self::expire) after the grace period. Otherwise it
    /// leaves at once.
    pub fn detach(&self, at: &Attached) -> bool {
        let mut sends = Sends::new();
        let mut state = self.lock();
        let kept = {
            let resumable = match state.peers.get_mut(&at.peer_id) {
                Some(peer) if peer.generation == at.generation && peer.attached => {
                    // A knocker has no place to keep: it stops waiting.
                    let keep = peer.resumable && !peer.waiting;
                    peer.attached = !keep;
                    keep
                }
                _ => return false,
            };
            if resumable {
                let text = Utf8Bytes::from(
                    ServerMessage::PeerReconnecting { peer_id: &at.peer_id }.to_json(),
                );
                state.queue_to_others(&at.peer_id, &text, &mut sends);
            } else {
                state.remove(&at.peer_id, LeaveReason::Dropped, &mut sends);
            }
            resumable
        };
        state.deliver(sends);
        kept
    }

    /// End the grace period of a detached peer that did not come back.
    pub fn expire(&self, peer_id: &str, generation: u64) {
        let mut sends = Sends::new();
        let mut state = self.lock();
        let due = matches!(state.peers.get(peer_id),
            Some(p) if p.generation == generation && !p.attached);
        if due {
            state.remove(peer_id, LeaveReason::Dropped, &mut sends);
        }
        state.deliver(sends);
    }
}

impl State {
    /// Queue what was decided, still under the lock. A full queue means its
    /// peer is not keeping up: it is cut off and removed, which may queue more
    /// notices, so this works through a list until nothing is left.
    fn deliver(&mut self, mut sends: Sends) {
        while !sends.is_empty() {
            let mut slow = Vec::new();
            for (peer_id, outbox, text) in sends.drain(..) {
                if let Err(mpsc::error::TrySendError::Full(_)) = outbox.try_send(text) {
                    slow.push(peer_id);
                }
            }
            for peer_id in slow {
                if let Some(peer) = self.peers.get(&peer_id) {
                    tracing::info!(peer = %peer_id, "peer too slow: queue full, disconnecting");
                    peer.kick.send_replace(Some(Kick::Slow));
                    self.remove(&peer_id, LeaveReason::Slow, &mut sends);
                }
            }
        }
    }

    fn current(&self, at: &Attached) -> Option<&Room> {
        let peer = self.peers.get(&at.peer_id)?;
        (peer.generation == at.generation).then_some(())?;
        self.rooms.get(&peer.room_id)
    }

    fn member_infos(&self, ids: &[String]) -> Vec<MemberInfo> {
        ids.iter()
            .filter_map(|id| {
                self.peers.get(id).map(|p| MemberInfo {
                    peer_id: id.clone(),
                    user_id: p.user_id.clone(),
                    version: p.version,
                    host: p.host,
                })
            })
            .collect()
    }

    fn user_id(&self, peer_id: Option<&String>) -> &str {
        peer_id.and_then(|id| self.peers.get(id)).map_or("", |p| p.user_id.as_str())
    }

    fn queue_to(&self, peer_id: &str, text: &Utf8Bytes, sends: &mut Sends) {
        if let Some(peer) = self.peers.get(peer_id) {
            sends.push((peer_id.to_owned(), peer.outbox.clone(), text.clone()));
        }
    }

    fn queue_to_others(&self, peer_id: &str, text: &Utf8Bytes, sends: &mut Sends) {
        let Some(room) = self.peers.get(peer_id).and_then(|p| self.rooms.get(&p.room_id)) else {
            return;
        };
        for id in room.members.iter().filter(|id| *id != peer_id) {
            self.queue_to(id, text, sends);
        }
    }

    /// Take a peer out of its room and tell the rest (a knocker: the
    /// hosts); a room with nobody in it or waiting goes.
    fn remove(&mut self, peer_id: &str, reason: LeaveReason, sends: &mut Sends) {
        let Some(peer) = self.peers.remove(peer_id) else { return };
        self.tokens.remove(&peer.resume_token);
        let Some(room) = self.rooms.get_mut(&peer.room_id) else { return };
        room.members.retain(|id| id != peer_id);
        room.waiting.retain(|id| id != peer_id);
        if room.members.is_empty() && room.waiting.is_empty() {
            self.rooms.remove(&peer.room_id);
            return;
        }
        if peer.waiting {
            self.knock_end(&peer.room_id, peer_id, KnockEndReason::Left, sends);
            return;
        }
        let room = &self.rooms[&peer.room_id];
        if room.members.is_empty() {
            return;
        }
        let notice = ServerMessage::ExitRoom {
            count: room.members.len(),
            master: self.user_id(room.members.first()),
            viewer: self.user_id(room.members.last()),
            peer_id,
            user_id: &peer.user_id,
            reason,
        };
        let text = Utf8Bytes::from(notice.to_json());
        for id in &room.members {
            self.queue_to(id, &text, sends);
        }
    }
}
