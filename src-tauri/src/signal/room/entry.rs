//! How a peer comes into a room: a resume of its dropped place, or a fresh
//! join that the room's passcode, lock, size and waiting room let through,
//! straight in or by knocking; and the `welcome` it gets once in.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, watch};

use super::lobby::MAX_WAITING;
use super::{Attached, JoinError, Kick, Peer, Rights, Room, Sends, State};
use crate::signal::protocol::{self, Join, ServerMessage};

impl State {
    pub(super) fn resume(&mut self, join: &Join, sends: &mut Sends) -> Option<Attached> {
        let peer_id = self.tokens.get(join.resume.as_deref()?)?.clone();
        let peer = self.peers.get_mut(&peer_id)?;
        if peer.room_id != join.room_id || peer.waiting {
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
            knocked: false,
        };
        if was_detached {
            let text = Utf8Bytes::from(ServerMessage::PeerResumed { peer_id: &peer_id }.to_json());
            self.queue_to_others(&peer_id, &text, sends);
        }
        self.queue_welcome(&peer_id, true, sends);
        self.queue_knocks_to(&peer_id, sends);
        Some(attached)
    }

    pub(super) fn join(&mut self, join: &Join, rights: Rights, sends: &mut Sends) -> Result<Attached, JoinError> {
        let knocks = match self.rooms.get(&join.room_id) {
            Some(room) => self.admissible(room, join, rights)?,
            None => false,
        };
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
        let lobby = self.waiting_room || join.waiting_room == Some(true);
        let created = !self.rooms.contains_key(&join.room_id);
        let room = self.rooms.entry(join.room_id.clone()).or_insert_with(|| Room {
            passcode: join.passcode.clone().filter(|p| !p.is_empty()),
            members: Vec::new(),
            lobby,
            waiting: Vec::new(),
            locked: false,
            removed: HashSet::new(),
        });
        if knocks {
            room.waiting.push(peer_id.clone());
        }
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
                host: created || rights.key_holder,
                waiting: knocks,
                generation: 0,
                attached: true,
                kick,
            },
        );
        self.tokens.insert(resume_token, peer_id.clone());
        if knocks {
            self.knock(&peer_id, sends);
        } else {
            self.enter(&peer_id, sends);
        }
        Ok(Attached {
            peer_id,
            room_id: join.room_id.clone(),
            generation: 0,
            mailbox,
            kicked,
            resumed: false,
            knocked: knocks,
        })
    }

    /// May `join` come into `room`, which exists? `Ok(true)`: by knocking.
    fn admissible(&self, room: &Room, join: &Join, rights: Rights) -> Result<bool, JoinError> {
        let name = || join.room_id.clone();
        match (&room.passcode, &join.passcode) {
            (Some(_), None) => return Err(JoinError::PasscodeRequired(name())),
            (Some(_), Some(_)) if !rights.may_guess => return Err(JoinError::TooManyAttempts(name())),
            (Some(want), Some(got)) if want != got => return Err(JoinError::WrongPasscode(name())),
            _ => {}
        }
        if rights.key_holder || !room.lobby {
            if room.locked && !rights.key_holder {
                return Err(JoinError::RoomLocked(name()));
            }
            if room.members.len() >= self.max_room_size {
                return Err(JoinError::RoomFull { room: name(), max: self.max_room_size });
            }
            return Ok(false);
        }
        if room.locked {
            return Err(JoinError::RoomLocked(name()));
        }
        if !rights.may_knock {
            return Err(JoinError::Denied(name()));
        }
        if room.waiting.len() >= MAX_WAITING {
            return Err(JoinError::WaitingFull { room: name(), max: MAX_WAITING });
        }
        Ok(true)
    }

    /// A peer becomes a member: it gets its `welcome` (and, a host, the
    /// knocks waiting), the others a `join`.
    pub(super) fn enter(&mut self, peer_id: &str, sends: &mut Sends) {
        let Some(peer) = self.peers.get_mut(peer_id) else { return };
        peer.waiting = false;
        let Some(room) = self.rooms.get_mut(&peer.room_id) else { return };
        room.members.push(peer_id.to_owned());
        self.queue_welcome(peer_id, false, sends);
        let peer = &self.peers[peer_id];
        let room = &self.rooms[&peer.room_id];
        let notice = ServerMessage::Join {
            count: room.members.len(),
            master: self.user_id(room.members.first()),
            viewer: &peer.user_id,
            peer_id,
            user_id: &peer.user_id,
            version: peer.version,
            host: peer.host,
        };
        let text = Utf8Bytes::from(notice.to_json());
        self.queue_to_others(peer_id, &text, sends);
        self.queue_knocks_to(peer_id, sends);
    }

    pub(super) fn queue_welcome(&self, peer_id: &str, resumed: bool, sends: &mut Sends) {
        let Some(peer) = self.peers.get(peer_id) else { return };
        let Some(room) = self.rooms.get(&peer.room_id) else { return };
        let others: Vec<String> = room.members.iter().filter(|id| *id != peer_id).cloned().collect();
        let welcome = ServerMessage::Welcome {
            peer_id,
            resume_token: &peer.resume_token,
            resumed,
            protocol: protocol::PROTOCOL_VERSION,
            room_id: &peer.room_id,
            count: room.members.len(),
            master: self.user_id(room.members.first()),
            viewer: self.user_id(room.members.last()),
            max_room_size: self.max_room_size,
            members: self.member_infos(&others),
            host: peer.host,
            waiting_room: room.lobby,
            locked: room.locked,
        };
        let text = Utf8Bytes::from(welcome.to_json());
        self.queue_to(peer_id, &text, sends);
    }
}
