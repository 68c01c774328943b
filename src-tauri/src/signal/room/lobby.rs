//! Hosts and what only they may do: answer knocks at a room's waiting room
//! (`admit`, `deny`), put a member out (`remove`) and lock the room.
//!
//! Who is a host is the server's to say, never the peer's: the creator of a
//! room and whoever joins with the server's host key. A knocker is a peer
//! with an id and a queue but no place among the members: it hears nothing
//! of the room and cannot relay into it until a host admits it. Every host
//! hears of each knock (`knock`) and of how it ended (`knock_end`), so each
//! host's notice clears whoever answered it.

use axum::extract::ws::Utf8Bytes;

use super::{Attached, HostError, JoinError, Kick, Registry, Sends, State};
use crate::signal::protocol::{HostCommand, Join, KnockEndReason, LeaveReason, ServerMessage};

/// Most knockers one room holds waiting; one more is refused `waiting_full`.
pub const MAX_WAITING: usize = 16;

impl Registry {
    /// Carry out `command` from the peer `by` holds, if it is a host.
    pub fn command(&self, by: &Attached, command: &HostCommand) -> Result<(), HostError> {
        let mut sends = Sends::new();
        let mut state = self.lock();
        let result = state.host_of(by).and_then(|room_id| match command {
            HostCommand::Admit(peer) => state.admit(&room_id, peer, &mut sends),
            HostCommand::AdmitAll => state.admit_all(&room_id, &mut sends),
            HostCommand::Deny(peer) => state.deny(&room_id, peer, &mut sends),
            HostCommand::Remove(peer) => state.remove_by_host(&room_id, peer, &mut sends),
            HostCommand::Lock(locked) => {
                state.lock_room(&room_id, *locked, &by.peer_id, &mut sends);
                Ok(())
            }
        });
        state.deliver(sends);
        result
    }
}

impl State {
    /// The room `at` is a host of, if it is one now.
    fn host_of(&self, at: &Attached) -> Result<String, HostError> {
        match self.peers.get(&at.peer_id) {
            Some(p) if p.generation == at.generation && p.host && !p.waiting => Ok(p.room_id.clone()),
            _ => Err(HostError::NotHost),
        }
    }

    /// A join that resumes with the token of a removed member is refused:
    /// that place is gone for good.
    pub(super) fn refuse_removed(&self, join: &Join) -> Result<(), JoinError> {
        let (Some(token), Some(room)) = (&join.resume, self.rooms.get(&join.room_id)) else { return Ok(()) };
        if room.removed.contains(token) {
            return Err(JoinError::Removed(join.room_id.clone()));
        }
        Ok(())
    }

    /// Hosts of the room that are members, in join order.
    fn hosts(&self, room_id: &str) -> Vec<String> {
        let Some(room) = self.rooms.get(room_id) else { return Vec::new() };
        room.members.iter().filter(|id| self.peers.get(*id).is_some_and(|p| p.host)).cloned().collect()
    }

    /// A knocker was just put in the waiting line: it hears `waiting`, every
    /// host a `knock`.
    pub(super) fn knock(&mut self, peer_id: &str, sends: &mut Sends) {
        let Some(peer) = self.peers.get(peer_id) else { return };
        let hosts = self.hosts(&peer.room_id);
        let waiting = ServerMessage::Waiting { room_id: &peer.room_id, peer_id, hosts: hosts.len() };
        self.queue_to(peer_id, &Utf8Bytes::from(waiting.to_json()), sends);
        let knock = Utf8Bytes::from(ServerMessage::Knock { peer_id, user_id: &peer.user_id }.to_json());
        for host in &hosts {
            self.queue_to(host, &knock, sends);
        }
    }

    /// A host has just come in (or back): one `knock` for each knocker
    /// already waiting, oldest first. Nothing for a guest.
    pub(super) fn queue_knocks_to(&self, peer_id: &str, sends: &mut Sends) {
        let Some(peer) = self.peers.get(peer_id).filter(|p| p.host) else { return };
        let Some(room) = self.rooms.get(&peer.room_id) else { return };
        for knocker in &room.waiting {
            if let Some(k) = self.peers.get(knocker) {
                let knock = ServerMessage::Knock { peer_id: knocker, user_id: &k.user_id };
                self.queue_to(peer_id, &Utf8Bytes::from(knock.to_json()), sends);
            }
        }
    }

    /// Every host hears that `peer_id`'s knock is over.
    pub(super) fn knock_end(&self, room_id: &str, peer_id: &str, reason: KnockEndReason, sends: &mut Sends) {
        let text = Utf8Bytes::from(ServerMessage::KnockEnd { peer_id, reason }.to_json());
        for host in self.hosts(room_id) {
            self.queue_to(&host, &text, sends);
        }
    }

    fn waiting_in(&self, room_id: &str, peer_id: &str) -> Result<(), HostError> {
        let waits = self.rooms.get(room_id).is_some_and(|r| r.waiting.iter().any(|id| id == peer_id));
        waits.then_some(()).ok_or_else(|| HostError::UnknownPeer(peer_id.to_owned()))
    }

    /// Let one knocker in, if the room has a place for it.
    fn admit(&mut self, room_id: &str, peer_id: &str, sends: &mut Sends) -> Result<(), HostError> {
        self.waiting_in(room_id, peer_id)?;
        let full = self.rooms.get(room_id).is_none_or(|r| r.members.len() >= self.max_room_size);
        if full {
            return Err(HostError::RoomFull { room: room_id.to_owned(), max: self.max_room_size });
        }
        if let Some(room) = self.rooms.get_mut(room_id) {
            room.waiting.retain(|id| id != peer_id);
        }
        self.knock_end(room_id, peer_id, KnockEndReason::Admitted, sends);
        self.enter(peer_id, sends);
        Ok(())
    }

    /// Let everyone waiting in, oldest first, until the room is full.
    fn admit_all(&mut self, room_id: &str, sends: &mut Sends) -> Result<(), HostError> {
        let waiting = self.rooms.get(room_id).map_or_else(Vec::new, |r| r.waiting.clone());
        for peer_id in waiting {
            self.admit(room_id, &peer_id, sends)?;
        }
        Ok(())
    }

    /// Turn a knocker away: it hears `denied` and waits no more; its socket
    /// stays open.
    fn deny(&mut self, room_id: &str, peer_id: &str, sends: &mut Sends) -> Result<(), HostError> {
        self.waiting_in(room_id, peer_id)?;
        let denied = Utf8Bytes::from(ServerMessage::Denied { room_id }.to_json());
        self.queue_to(peer_id, &denied, sends);
        if let Some(room) = self.rooms.get_mut(room_id) {
            room.waiting.retain(|id| id != peer_id);
        }
        if let Some(peer) = self.peers.remove(peer_id) {
            self.tokens.remove(&peer.resume_token);
            peer.kick.send_replace(Some(Kick::Denied));
        }
        self.knock_end(room_id, peer_id, KnockEndReason::Denied, sends);
        Ok(())
    }

    /// Put a member that is not a host out of the call: the others hear
    /// `exit_room` (`removed`), its socket is cut, and its resume token
    /// will not bring it back.
    fn remove_by_host(&mut self, room_id: &str, peer_id: &str, sends: &mut Sends) -> Result<(), HostError> {
        let member = self.rooms.get(room_id).is_some_and(|r| r.members.iter().any(|id| id == peer_id));
        let Some(peer) = self.peers.get(peer_id).filter(|_| member) else {
            return Err(HostError::UnknownPeer(peer_id.to_owned()));
        };
        if peer.host {
            return Err(HostError::NotAllowed("a host can't be removed (nor remove itself); leave with exit"));
        }
        peer.kick.send_replace(Some(Kick::Removed));
        let token = peer.resume_token.clone();
        if let Some(room) = self.rooms.get_mut(room_id) {
            room.removed.insert(token);
        }
        self.remove(peer_id, LeaveReason::Removed, sends);
        Ok(())
    }

    /// Lock or unlock the room; every member hears who did it.
    fn lock_room(&mut self, room_id: &str, locked: bool, by: &str, sends: &mut Sends) {
        let Some(room) = self.rooms.get_mut(room_id) else { return };
        room.locked = locked;
        let text = Utf8Bytes::from(ServerMessage::Locked { locked, by }.to_json());
        for id in &self.rooms[room_id].members {
            self.queue_to(id, &text, sends);
        }
    }
}
