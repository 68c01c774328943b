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

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, watch};

mod outcome;

use super::protocol::{self, Join, LeaveReason, MemberInfo, Relay, ServerMessage};

pub use outcome::{Attached, JoinError, Kick, RelayError};

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
    rooms: HashMap<String, Room>,
    peers: HashMap<String, Peer>,
    /// Resume token to peer id.
    tokens: HashMap<String, String>,
}

struct Room {
    passcode: Option<String>,
    /// Peer ids in the order they joined: the first is the seed's `master`.
    members: Vec<String>,
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
                rooms: HashMap::new(),
                peers: HashMap::new(),
                tokens: HashMap::new(),
            }),
        }
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

    /// Join a room, or resume a dropped peer when `join.resume` names one.
    /// The joiner's first queued message is its `welcome`.
    pub fn join(&self, join: &Join) -> Result<Attached, JoinError> {
        self.join_guarded(join, true)
    }

    /// [`join`](Self::join), but when `may_guess` is false a passcode is
    /// not tested: a join that would test one is refused with
    /// `too_many_attempts` (its sender has guessed wrong too often). A resume
    /// and a room without a passcode are not affected.
    pub fn join_guarded(&self, join: &Join, may_guess: bool) -> Result<Attached, JoinError> {
        let mut sends = Sends::new();
        let mut state = self.lock();
        let attached = match state.resume(join, &mut sends) {
            Some(attached) => attached,
            None => state.join(join, may_guess, &mut sends)?,
        };
        state.deliver(sends);
        Ok(attached)
    }

    /// Pass `relay` from `from` to the others in its room, or to `relay.to`.
    pub fn relay(&self, from: &Attached, relay: &Relay) -> Result<(), RelayError> {
        if let Some(named) = &relay.room_id {
            if *named != from.room_id {
                return Err(RelayError::WrongRoom { joined: from.room_id.clone(), named: named.clone() });
            }
        }
        // Serialized once, before the lock, and shared by every recipient.
        let text = Utf8Bytes::from(protocol::relay_json(relay.kind, &from.room_id, &from.peer_id, relay));
        let mut sends = Sends::new();
        let mut state = self.lock();
        {
            let room = state.current(from).ok_or(RelayError::NotJoined)?;
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
                    peer.attached = !peer.resumable;
                    peer.resumable
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

    fn resume(&mut self, join: &Join, sends: &mut Sends) -> Option<Attached> {
        let peer_id = self.tokens.get(join.resume.as_deref()?)?.clone();
        let peer = self.peers.get_mut(&peer_id)?;
        if peer.room_id != join.room_id {
            return None;
        }
        let was_detached = !peer.attached;
        // A resume can beat the server to noticing the old socket is dead:
        // cut the old one so two sockets never speak for one peer.
        peer.kick.send_replace(Some(Kick::Replaced));
        let (kick, kicked) = watch::channel(None);
        peer.kick = kick;
        peer.generation += 1;
        peer.attached = true;
        let attached = Attached {
            peer_id: peer_id.clone(),
            room_id: peer.room_id.clone(),
            generation: peer.generation,
            mailbox: peer.mailbox.clone(),
            kicked,
            resumed: true,
        };
        if was_detached {
            let text = Utf8Bytes::from(ServerMessage::PeerResumed { peer_id: &peer_id }.to_json());
            self.queue_to_others(&peer_id, &text, sends);
        }
        self.queue_welcome(&attached, sends);
        Some(attached)
    }

    fn join(&mut self, join: &Join, may_guess: bool, sends: &mut Sends) -> Result<Attached, JoinError> {
        let max_room_size = self.max_room_size;
        if let Some(room) = self.rooms.get(&join.room_id) {
            match (&room.passcode, &join.passcode) {
                (Some(_), None) => return Err(JoinError::PasscodeRequired(join.room_id.clone())),
                (Some(_), Some(_)) if !may_guess => return Err(JoinError::TooManyAttempts(join.room_id.clone())),
                (Some(want), Some(got)) if want != got => {
                    return Err(JoinError::WrongPasscode(join.room_id.clone()))
                }
                _ => {}
            }
            if room.members.len() >= max_room_size {
                return Err(JoinError::RoomFull { room: join.room_id.clone(), max: max_room_size });
            }
        }
        let peer_id = loop {
            let id = protocol::new_peer_id();
            if !self.peers.contains_key(&id) {
                break id;
            }
        };
        let resume_token = protocol::new_resume_token();
        let (outbox, rx) = mpsc::channel(self.queue);
        let (kick, kicked) = watch::channel(None);
        let mailbox = Arc::new(tokio::sync::Mutex::new(rx));
        self.peers.insert(
            peer_id.clone(),
            Peer {
                user_id: join.user_id.clone(),
                room_id: join.room_id.clone(),
                outbox,
                mailbox: mailbox.clone(),
                resume_token: resume_token.clone(),
                version: join.version,
                resumable: join.version.is_some_and(|v| v >= 1),
                generation: 0,
                attached: true,
                kick,
            },
        );
        self.tokens.insert(resume_token, peer_id.clone());
        let room = self.rooms.entry(join.room_id.clone()).or_insert_with(|| Room {
            passcode: join.passcode.clone().filter(|p| !p.is_empty()),
            members: Vec::new(),
        });
        room.members.push(peer_id.clone());
        let attached = Attached {
            peer_id,
            room_id: join.room_id.clone(),
            generation: 0,
            mailbox,
            kicked,
            resumed: false,
        };
        self.queue_welcome(&attached, sends);
        let room = &self.rooms[&join.room_id];
        let notice = ServerMessage::Join {
            count: room.members.len(),
            master: self.user_id(room.members.first()),
            viewer: &join.user_id,
            peer_id: &attached.peer_id,
            user_id: &join.user_id,
            version: join.version,
        };
        let text = Utf8Bytes::from(notice.to_json());
        self.queue_to_others(&attached.peer_id, &text, sends);
        Ok(attached)
    }

    fn queue_welcome(&self, at: &Attached, sends: &mut Sends) {
        let (Some(peer), Some(room)) = (self.peers.get(&at.peer_id), self.rooms.get(&at.room_id)) else {
            return;
        };
        let others: Vec<String> = room.members.iter().filter(|id| **id != at.peer_id).cloned().collect();
        let welcome = ServerMessage::Welcome {
            peer_id: &at.peer_id,
            resume_token: &peer.resume_token,
            resumed: at.resumed,
            protocol: protocol::PROTOCOL_VERSION,
            room_id: &at.room_id,
            count: room.members.len(),
            master: self.user_id(room.members.first()),
            viewer: self.user_id(room.members.last()),
            max_room_size: self.max_room_size,
            members: self.member_infos(&others),
        };
        let text = Utf8Bytes::from(welcome.to_json());
        self.queue_to(&at.peer_id, &text, sends);
    }

    /// Take a peer out of its room and tell the rest; an empty room goes.
    fn remove(&mut self, peer_id: &str, reason: LeaveReason, sends: &mut Sends) {
        let Some(peer) = self.peers.remove(peer_id) else { return };
        self.tokens.remove(&peer.resume_token);
        let Some(room) = self.rooms.get_mut(&peer.room_id) else { return };
        room.members.retain(|id| id != peer_id);
        if room.members.is_empty() {
            self.rooms.remove(&peer.room_id);
            return;
        }
        let room = &self.rooms[&peer.room_id];
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
