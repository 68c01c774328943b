//! Target `rooms`: the room state machine (`room::Registry`) driven by a
//! sequence of client actions decoded from the input — joins (with resume
//! tokens of their own, of other peers, or made up), relays built as text
//! and decoded by `protocol::parse`, raw text frames decoded the same way,
//! exits, drops, expiring grace timers, handles superseded by a resume, and
//! the waiting room: joins with the host key (right, wrong or none) or asking
//! for a waiting room, knocks, and host commands (`admit` one or all, `deny`,
//! `remove`, `lock`) from hosts, guests and knockers alike — the way
//! `connection.rs` drives it (denials counted per connection and room as its
//! reader counts them), against a plain model.
//!
//! After every step: membership (and its order) agrees with the model;
//! `/healthz`'s counts agree; every peer received exactly the frames the
//! model predicts, in order (each relay reaches exactly the other members,
//! or exactly its `to`, stamped with the sender's id); removed peers' queues
//! are closed; no frame carries another peer's resume token; handles
//! replaced by a resume are told so and can no longer act.

use std::collections::HashMap;

use lancall::signal::protocol::{self, ClientMessage, HostCommand, Join, LeaveReason, Relay};
use lancall::signal::room::{Attached, Kick, Mailbox, Registry, Rights};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::mpsc::error::TryRecvError;

use super::input::Input;

const CLIENTS: usize = 6;
/// The last is not ASCII: room ids may be in any script.
const ROOMS: [&str; 3] = ["r0", "r1", "房间"];
const MAX_ROOM: usize = 3;
/// Drained after every step, so it never fills (the slow path is
/// `tests/signal/room_props.rs`'s).
const QUEUE: usize = 1024;
const MAX_STEPS: usize = 256;
const MAX_ID_CHARS: usize = 64;
const PASSCODES: [Option<&str>; 4] = [None, Some(""), Some("a"), Some("b")];
const VERSIONS: [Option<u32>; 3] = [None, Some(0), Some(1)];
const KINDS: [&str; 4] = ["offer_sdp", "answer_sdp", "candidate", "message"];
/// The host key the connection would have tested the join's against.
const KEY: &str = "0123456789abcdef0123456789abcdef";
const KEYS: [Option<&str>; 4] = [None, None, Some(KEY), Some("not the key")];
/// Denials after which a connection's knocks at a room are refused.
const MAX_DENIALS: u32 = 3;

/// A frame the model says a peer receives.
#[derive(Debug)]
enum Expect {
    Welcome { peer: String, resumed: bool, members: Vec<String>, host: bool, lobby: bool },
    Waiting { peer: String, hosts: usize },
    Knock { peer: String },
    KnockEnd { peer: String, reason: &'static str },
    Denied,
    Join { peer: String, count: usize },
    ExitRoom { peer: String, count: usize, reason: &'static str },
    Reconnecting { peer: String },
    Resumed { peer: String },
    Locked { locked: bool, by: String },
    Relay { event: &'static str, from: String, value: String, to: Option<String> },
}

struct Peer {
    client: usize,
    room: String,
    resumable: bool,
    /// Made its room or joined with the key: a host.
    host: bool,
    /// A knocker, not a member.
    waiting: bool,
    generation: u64,
    attached: bool,
    /// Learned from its first `welcome`.
    token: Option<String>,
    mailbox: Mailbox,
    expect: Vec<Expect>,
}

struct Room {
    passcode: Option<String>,
    members: Vec<String>,
    lobby: bool,
    /// Knockers, oldest first.
    waiting: Vec<String>,
    locked: bool,
    /// Resume tokens of removed members: refused while the room lasts.
    removed: Vec<String>,
}

#[derive(Default)]
struct Client {
    /// The peer this connection speaks for.
    at: Option<Attached>,
    /// Handles superseded by a resume on another connection.
    replaced: Vec<Attached>,
    /// Its most recent peer's resume token.
    token: Option<String>,
    /// Knocks turned away, by room, as the connection counts them.
    denials: HashMap<String, u32>,
}

struct World {
    registry: Registry,
    peers: HashMap<String, Peer>,
    rooms: HashMap<String, Room>,
    clients: Vec<Client>,
    /// Grace timers running: (peer, generation).
    timers: Vec<(String, u64)>,
    /// Every token ever handed out, for clients that try someone else's.
    tokens: Vec<String>,
    /// Peers removed this step: their queues must drain and close.
    gone: Vec<(String, Peer)>,
    step: usize,
}

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mut world = World::new();
    while !input.is_empty() && world.step < MAX_STEPS {
        world.step += 1;
        world.act(&mut input);
        world.verify();
    }
}

impl World {
    fn new() -> Self {
        World {
            registry: Registry::new(MAX_ROOM, QUEUE),
            peers: HashMap::new(),
            rooms: HashMap::new(),
            clients: (0..CLIENTS).map(|_| Client::default()).collect(),
            timers: Vec::new(),
            tokens: Vec::new(),
            gone: Vec::new(),
            step: 0,
        }
    }

    fn act(&mut self, input: &mut Input) {
        let client = input.below(CLIENTS);
        match input.below(10) {
            0 | 1 => {
                let join = self.made_join(client, input);
                self.join(client, &join);
            }
            2 | 3 => {
                let text = self.made_relay(client, input);
                self.on_text(client, &text);
            }
            4 => {
                let raw = input.bytes(512);
                self.on_text(client, &String::from_utf8_lossy(raw));
            }
            5 => self.drop_connection(client, input.below(3)),
            6 => self.fire_timer(input),
            7 => self.stale_act(client, input.below(3)),
            // Host commands, twice as likely: only a host's do anything.
            _ => {
                let text = self.made_command(input);
                self.on_text(client, &text);
            }
        }
    }

    /// A join as a client would build it, resume token included.
    fn made_join(&self, client: usize, input: &mut Input) -> Join {
        let resume = match input.below(5) {
            0 | 1 => None,
            2 => self.clients[client].token.clone(),
            3 => (!self.tokens.is_empty()).then(|| self.tokens[input.below(self.tokens.len())].clone()),
            _ => Some(format!("{:032x}", input.byte())),
        };
        Join {
            user_id: format!("user {client}"),
            room_id: ROOMS[input.below(ROOMS.len())].to_owned(),
            version: VERSIONS[input.below(VERSIONS.len())],
            passcode: PASSCODES[input.below(PASSCODES.len())].map(str::to_owned),
            resume,
            host_key: KEYS[input.below(KEYS.len())].map(str::to_owned),
            waiting_room: [None, Some(true), Some(false)][input.below(3)],
        }
    }

    /// A relay frame as text: `to` a member, itself, someone gone or made up;
    /// `room_id` absent, its own or another.
    fn made_relay(&self, client: usize, input: &mut Input) -> String {
        let mut data = json!({"value": {"n": self.step}});
        let own = self.clients[client].at.as_ref().map(|at| (at.peer_id.clone(), at.room_id.clone()));
        match input.below(4) {
            0 => {}
            1 => {
                let ids: Vec<&String> = self.peers.keys().collect();
                if !ids.is_empty() {
                    let mut ids = ids;
                    ids.sort();
                    data["to"] = json!(ids[input.below(ids.len())]);
                }
            }
            2 => data["to"] = json!(own.as_ref().map_or("0000000000000000", |o| o.0.as_str())),
            _ => data["to"] = json!(format!("{:016x}", input.byte())),
        }
        match input.below(3) {
            0 => {}
            1 => data["room_id"] = json!(own.as_ref().map_or("r0", |o| o.1.as_str())),
            _ => data["room_id"] = json!(ROOMS[input.below(ROOMS.len())]),
        }
        json!({"event": KINDS[input.below(KINDS.len())], "data": data}).to_string()
    }

    /// A host command as text, naming a knocker, a peer of any room, or
    /// one made up.
    fn made_command(&self, input: &mut Input) -> String {
        let knockers = self.peers.iter().filter(|(_, p)| p.waiting);
        let mut ids: Vec<&String> = match input.below(2) {
            0 => knockers.map(|(id, _)| id).collect(),
            _ => self.peers.keys().collect(),
        };
        ids.sort();
        let peer = match ids.len() {
            0 => format!("{:016x}", input.byte()),
            n => ids[input.below(n)].clone(),
        };
        let (event, data) = match input.below(7) {
            0 | 1 => ("admit", json!({"peer_id": peer})),
            2 => ("admit", json!({"all": true})),
            3 | 4 => ("deny", json!({"peer_id": peer})),
            5 => ("remove", json!({"peer_id": peer})),
            _ => ("lock", json!({"locked": input.below(3) == 0})),
        };
        json!({"event": event, "data": data}).to_string()
    }

    /// A text frame, decoded and acted on as the connection's reader does.
    fn on_text(&mut self, client: usize, text: &str) {
        match protocol::parse(text, MAX_ID_CHARS) {
            Err(_) | Ok(ClientMessage::Pong | ClientMessage::Ping) => {}
            Ok(ClientMessage::Exit) => self.exit(client),
            Ok(ClientMessage::Join(join)) => self.join(client, &join),
            Ok(ClientMessage::Relay(relay)) => self.relay(client, &relay),
            Ok(ClientMessage::Host(command)) => self.command(client, &command),
        }
    }

    /// A host command: only a host's is carried out. Nobody ever waits in
    /// these rooms (none has a waiting room), so `admit` and `deny` name
    /// nobody.
    fn command(&mut self, client: usize, command: &HostCommand) {
        let Some(at) = &self.clients[client].at else { return }; // `not_host`, from the connection
        let result = self.registry.command(at, command).map_err(|e| e.code());
        let (by, room) = (at.peer_id.clone(), at.room_id.clone());
        if !self.peers[&by].host || self.peers[&by].waiting {
            return assert_eq!(result, Err("not_host"), "a guest's {command:?}");
        }
        match command {
            HostCommand::Admit(knocker) => {
                if !self.rooms[&room].waiting.contains(knocker) {
                    return assert_eq!(result, Err("unknown_peer"));
                }
                if self.rooms[&room].members.len() >= MAX_ROOM {
                    return assert_eq!(result, Err("room_full"), "the knocker keeps waiting");
                }
                assert_eq!(result, Ok(()));
                self.admit(&room, knocker);
            }
            HostCommand::AdmitAll => {
                let mut want = Ok(());
                for knocker in self.rooms[&room].waiting.clone() {
                    if self.rooms[&room].members.len() >= MAX_ROOM {
                        want = Err("room_full");
                        break;
                    }
                    self.admit(&room, &knocker);
                }
                assert_eq!(result, want);
            }
            HostCommand::Deny(knocker) => {
                if !self.rooms[&room].waiting.contains(knocker) {
                    return assert_eq!(result, Err("unknown_peer"));
                }
                assert_eq!(result, Ok(()));
                let mut p = self.peers.remove(knocker).unwrap();
                p.expect.push(Expect::Denied);
                self.rooms.get_mut(&room).unwrap().waiting.retain(|id| id != knocker);
                let c = &mut self.clients[p.client];
                let cut = c.at.take().expect("a knocker has its connection");
                assert_eq!(*cut.kicked.borrow(), Some(Kick::Denied), "the knocker's connection is told");
                *c.denials.entry(room.clone()).or_default() += 1;
                self.tell_hosts(&room, || Expect::KnockEnd { peer: knocker.clone(), reason: "denied" });
                self.gone.push((knocker.clone(), p));
            }
            HostCommand::Lock(locked) => {
                assert_eq!(result, Ok(()));
                let locked = *locked;
                self.rooms.get_mut(&room).unwrap().locked = locked;
                for id in self.rooms[&room].members.clone() {
                    self.peers.get_mut(&id).unwrap().expect.push(Expect::Locked { locked, by: by.clone() });
                }
            }
            HostCommand::Remove(target) => {
                if !self.rooms[&room].members.contains(target) {
                    return assert_eq!(result, Err("unknown_peer"));
                }
                if self.peers[target].host {
                    return assert_eq!(result, Err("not_allowed"), "a host can't be removed");
                }
                assert_eq!(result, Ok(()));
                let p = &self.peers[target];
                if let Some(token) = p.token.clone() {
                    self.rooms.get_mut(&room).unwrap().removed.push(token);
                }
                let holder = p.client;
                let cut = self.clients[holder].at.take_if(|at| at.peer_id == *target);
                if let Some(cut) = cut {
                    assert_eq!(*cut.kicked.borrow(), Some(Kick::Removed), "a removed peer's socket is cut");
                }
                self.remove(target, "removed");
            }
        }
    }

    fn join(&mut self, client: usize, join: &Join) {
        if self.clients[client].at.is_some() {
            return; // the connection answers `already_joined` itself
        }
        let removed = join.resume.as_ref().is_some_and(|t| {
            self.rooms.get(&join.room_id).is_some_and(|r| r.removed.contains(t))
        });
        if removed {
            let got = self.registry.join(join).map(|_| ()).map_err(|e| e.code());
            return assert_eq!(got, Err("removed"), "a removed member's token is dead");
        }
        let resumes = join
            .resume
            .as_ref()
            .and_then(|t| self.peers.iter().find(|(_, p)| p.token.as_ref() == Some(t)))
            .filter(|(_, p)| p.room == join.room_id)
            .map(|(id, _)| id.clone());
        let denials = self.clients[client].denials.get(&join.room_id).copied().unwrap_or(0);
        let rights = Rights {
            may_guess: true,
            key_holder: join.host_key.as_deref() == Some(KEY),
            may_knock: denials < MAX_DENIALS,
        };
        let result = self.registry.join_as(join, rights);
        match resumes {
            Some(peer) => self.resumed(client, &peer, result.expect("a resume with a live token is admitted")),
            None => self.fresh(client, join, rights, result),
        }
    }

    fn resumed(&mut self, client: usize, peer: &str, at: Attached) {
        assert!(at.resumed && at.peer_id == peer);
        let p = self.peers.get_mut(peer).unwrap();
        p.generation += 1;
        assert_eq!(at.generation, p.generation);
        let was_detached = !p.attached;
        p.attached = true;
        let holder = std::mem::replace(&mut p.client, client);
        let room = p.room.clone();
        if !was_detached {
            // Whoever spoke for the peer is cut off.
            let old = self.clients[holder].at.take().expect("an attached peer has a live handle");
            assert_eq!(old.peer_id, peer);
            assert_eq!(*old.kicked.borrow(), Some(Kick::Replaced), "a replaced connection is told");
            self.clients[holder].replaced.push(old);
        } else {
            self.tell_others(&room, peer, || Expect::Resumed { peer: peer.to_owned() });
        }
        self.clients[client].token = self.peers[peer].token.clone();
        self.welcome(peer, true);
        self.clients[client].at = Some(at);
    }

    /// A member's `welcome`, and for a host the knocks waiting.
    fn welcome(&mut self, peer: &str, resumed: bool) {
        let p = &self.peers[peer];
        let room = &self.rooms[&p.room];
        let (host, lobby, waiting) = (p.host, room.lobby, room.waiting.clone());
        let members = self.others(&p.room, peer);
        let expect = &mut self.peers.get_mut(peer).unwrap().expect;
        expect.push(Expect::Welcome { peer: peer.to_owned(), resumed, members, host, lobby });
        if host {
            expect.extend(waiting.into_iter().map(|k| Expect::Knock { peer: k }));
        }
    }

    /// Host members of a room, in join order.
    fn hosts(&self, room: &str) -> Vec<String> {
        self.rooms[room].members.iter().filter(|id| self.peers[*id].host).cloned().collect()
    }

    fn tell_hosts(&mut self, room: &str, expect: impl Fn() -> Expect) {
        for id in self.hosts(room) {
            self.peers.get_mut(&id).unwrap().expect.push(expect());
        }
    }

    /// A peer becomes a member: its welcome, the others' join.
    fn enter(&mut self, peer: &str) {
        let room = self.peers[peer].room.clone();
        self.peers.get_mut(peer).unwrap().waiting = false;
        let r = self.rooms.get_mut(&room).unwrap();
        r.members.push(peer.to_owned());
        let count = r.members.len();
        self.welcome(peer, false);
        self.tell_others(&room, peer, || Expect::Join { peer: peer.to_owned(), count });
    }

    fn fresh(&mut self, client: usize, join: &Join, rights: Rights, result: Result<Attached, lancall::signal::room::JoinError>) {
        let room = &join.room_id;
        let key = rights.key_holder;
        let refusal = self.rooms.get(room).and_then(|r| match (&r.passcode, &join.passcode) {
            (Some(_), None) => Some("passcode_required"),
            (Some(want), Some(got)) if want != got => Some("wrong_passcode"),
            _ if r.locked && !key => Some("room_locked"),
            _ if r.lobby && !key && !rights.may_knock => Some("denied"),
            _ if r.lobby && !key && r.waiting.len() >= lancall::signal::room::MAX_WAITING => Some("waiting_full"),
            _ if (!r.lobby || key) && r.members.len() >= MAX_ROOM => Some("room_full"),
            _ => None,
        });
        let at = match (result, refusal) {
            (Err(e), Some(code)) => return assert_eq!(e.code(), code),
            (Err(e), None) => panic!("join refused ({e}); the model admits it"),
            (Ok(at), Some(code)) => panic!("join admitted; the model says {code}: {at:?}"),
            (Ok(at), None) => at,
        };
        let peer = at.peer_id.clone();
        assert!(!at.resumed && at.generation == 0 && at.room_id == *room);
        assert!(!self.peers.contains_key(&peer), "peer ids are unique");
        let created = !self.rooms.contains_key(room);
        let r = self.rooms.entry(room.clone()).or_insert_with(|| Room {
            passcode: join.passcode.clone().filter(|p| !p.is_empty()),
            members: Vec::new(),
            lobby: join.waiting_room == Some(true),
            waiting: Vec::new(),
            locked: false,
            removed: Vec::new(),
        });
        let knocks = r.lobby && !created && !key;
        assert_eq!(at.knocked, knocks, "{at:?}");
        self.peers.insert(
            peer.clone(),
            Peer {
                client,
                room: room.clone(),
                resumable: join.version.is_some_and(|v| v >= 1),
                host: created || key,
                waiting: knocks,
                generation: 0,
                attached: true,
                token: None,
                mailbox: at.mailbox.clone(),
                expect: Vec::new(),
            },
        );
        if knocks {
            self.rooms.get_mut(room).unwrap().waiting.push(peer.clone());
            let hosts = self.hosts(room).len();
            self.peers.get_mut(&peer).unwrap().expect.push(Expect::Waiting { peer: peer.clone(), hosts });
            self.tell_hosts(room, || Expect::Knock { peer: peer.clone() });
        } else {
            self.enter(&peer);
        }
        self.clients[client].at = Some(at);
    }

    fn relay(&mut self, client: usize, relay: &Relay) {
        let Some(at) = &self.clients[client].at else { return }; // `not_joined`, from the connection
        let result = self.registry.relay(at, relay).map_err(|e| e.code());
        if self.peers[&at.peer_id].waiting {
            return assert_eq!(result, Err("not_joined"), "a knocker cannot relay");
        }
        let room = &self.rooms[&at.room_id];
        let want = match (&relay.room_id, &relay.to) {
            (Some(named), _) if *named != at.room_id => Err("wrong_room"),
            (_, Some(to)) if *to == at.peer_id || !room.members.contains(to) => Err("unknown_peer"),
            (_, Some(to)) => Ok(vec![to.clone()]),
            (_, None) => Ok(room.members.iter().filter(|id| **id != at.peer_id).cloned().collect()),
        };
        let recipients = match (result, want) {
            (Ok(()), Ok(recipients)) => recipients,
            (Err(got), Err(code)) => return assert_eq!(got, code),
            (got, want) => panic!("relay: registry says {got:?}, the model {want:?}"),
        };
        let from = at.peer_id.clone();
        for id in recipients {
            self.peers.get_mut(&id).unwrap().expect.push(Expect::Relay {
                event: relay.kind.event(),
                from: from.clone(),
                value: relay.value.get().to_owned(),
                to: relay.to.clone(),
            });
        }
    }

    fn exit(&mut self, client: usize) {
        if let Some(at) = self.clients[client].at.take() {
            self.registry.leave(&at, LeaveReason::Left);
            self.remove(&at.peer_id, "left");
        }
    }

    /// The socket ends: closed (a resumable peer keeps its place), idle, or
    /// the server shutting down — as `Reader::finish` handles each.
    fn drop_connection(&mut self, client: usize, how: usize) {
        let Some(at) = self.clients[client].at.take() else { return };
        match how {
            0 => {
                let kept = self.registry.detach(&at);
                let p = self.peers.get_mut(&at.peer_id).unwrap();
                assert_eq!(kept, p.resumable && !p.waiting, "a member keeps its place on a drop iff it can resume");
                if kept {
                    p.attached = false;
                    let room = p.room.clone();
                    self.timers.push((at.peer_id.clone(), at.generation));
                    self.tell_others(&room, &at.peer_id, || Expect::Reconnecting { peer: at.peer_id.clone() });
                } else {
                    self.remove(&at.peer_id, "dropped");
                }
            }
            1 => {
                self.registry.leave(&at, LeaveReason::Timeout);
                self.remove(&at.peer_id, "timeout");
            }
            _ => {
                self.registry.leave(&at, LeaveReason::Shutdown);
                self.remove(&at.peer_id, "shutdown");
            }
        }
    }

    fn fire_timer(&mut self, input: &mut Input) {
        if self.timers.is_empty() {
            return;
        }
        let (peer, generation) = self.timers.remove(input.below(self.timers.len()));
        self.registry.expire(&peer, generation);
        let due = self.peers.get(&peer).is_some_and(|p| p.generation == generation && !p.attached);
        if due {
            self.remove(&peer, "dropped");
        }
    }

    /// A connection replaced by a resume elsewhere still tries to act.
    fn stale_act(&mut self, client: usize, action: usize) {
        let Some(old) = self.clients[client].replaced.last() else { return };
        match action {
            0 => {
                let text = r#"{"event":"message","data":{"value":"late"}}"#;
                let Ok(ClientMessage::Relay(relay)) = protocol::parse(text, MAX_ID_CHARS) else { unreachable!() };
                let got = self.registry.relay(old, &relay).map_err(|e| e.code());
                assert_eq!(got, Err("not_joined"), "a replaced handle cannot relay");
            }
            1 => self.registry.leave(old, LeaveReason::Left),
            _ => assert!(!self.registry.detach(old), "a replaced handle cannot detach"),
        }
    }

    fn others(&self, room: &str, peer: &str) -> Vec<String> {
        self.rooms[room].members.iter().filter(|id| *id != peer).cloned().collect()
    }

    fn tell_others(&mut self, room: &str, except: &str, expect: impl Fn() -> Expect) {
        for id in self.others(room, except) {
            self.peers.get_mut(&id).unwrap().expect.push(expect());
        }
    }

    /// A knocker comes in: every host hears the knock is over, then the
    /// usual welcome and join.
    fn admit(&mut self, room: &str, knocker: &str) {
        self.rooms.get_mut(room).unwrap().waiting.retain(|id| id != knocker);
        self.tell_hosts(room, || Expect::KnockEnd { peer: knocker.to_owned(), reason: "admitted" });
        self.enter(knocker);
    }

    fn remove(&mut self, peer: &str, reason: &'static str) {
        let p = self.peers.remove(peer).expect("a live peer");
        let room = self.rooms.get_mut(&p.room).unwrap();
        room.members.retain(|id| id != peer);
        room.waiting.retain(|id| id != peer);
        let count = room.members.len();
        if count == 0 && room.waiting.is_empty() {
            self.rooms.remove(&p.room);
        } else if p.waiting {
            let room = p.room.clone();
            self.tell_hosts(&room, || Expect::KnockEnd { peer: peer.to_owned(), reason: "left" });
        } else if count > 0 {
            let room = p.room.clone();
            self.tell_others(&room, peer, || Expect::ExitRoom { peer: peer.to_owned(), count, reason });
        }
        self.gone.push((peer.to_owned(), p));
    }

    /// Everything the registry did this step, against the model.
    fn verify(&mut self) {
        let stats = self.registry.stats();
        assert_eq!((stats.rooms, stats.peers), (self.rooms.len(), self.peers.len()), "counts");
        for name in ROOMS.iter().map(|r| r.to_string()).chain(self.rooms.keys().cloned()) {
            let got: Vec<String> = self.registry.members(&name).into_iter().map(|m| m.peer_id).collect();
            let want = self.rooms.get(&name).map_or_else(Vec::new, |r| r.members.clone());
            assert_eq!(got, want, "members of {name}");
        }
        for client in &self.clients {
            if let Some(at) = &client.at {
                assert_eq!(*at.kicked.borrow(), None, "a live handle is not kicked");
            }
        }
        let tokens: Vec<String> = self.peers.values().filter_map(|p| p.token.clone()).collect();
        let ids: Vec<String> = self.peers.keys().cloned().collect();
        for id in ids {
            let p = self.peers.get_mut(&id).unwrap();
            let frames = drain(&p.mailbox, false);
            let expect = std::mem::take(&mut p.expect);
            let learned = compare(&id, &frames, &expect, p.token.as_deref(), &tokens);
            if let Some(token) = learned {
                p.token = Some(token.clone());
                self.clients[p.client].token = Some(token.clone());
                self.tokens.push(token);
            }
        }
        for (id, p) in std::mem::take(&mut self.gone) {
            let frames = drain(&p.mailbox, true);
            compare(&id, &frames, &p.expect, p.token.as_deref(), &tokens);
        }
    }
}

/// Take what waits in a mailbox; a removed peer's must then be closed.
fn drain(mailbox: &Mailbox, closed: bool) -> Vec<String> {
    let mut rx = mailbox.try_lock().expect("no writer holds the mailbox");
    let mut frames = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(text) => frames.push(text.as_str().to_owned()),
            Err(TryRecvError::Empty) => {
                assert!(!closed, "a removed peer's queue is closed");
                return frames;
            }
            Err(TryRecvError::Disconnected) => {
                assert!(closed, "a member's queue is open");
                return frames;
            }
        }
    }
}

#[derive(Deserialize)]
struct Frame<'a> {
    event: String,
    #[serde(borrow)]
    data: &'a RawValue,
}

#[derive(Deserialize)]
struct RelayData<'a> {
    #[serde(borrow)]
    value: &'a RawValue,
    from: String,
    to: Option<String>,
}

/// Frames received against frames expected, in order. Returns the resume
/// token a fresh `welcome` handed out.
fn compare(peer: &str, frames: &[String], expect: &[Expect], token: Option<&str>, tokens: &[String]) -> Option<String> {
    assert_eq!(frames.len(), expect.len(), "{peer} got {frames:#?}, expected {expect:#?}");
    let mut learned = None;
    for (text, want) in frames.iter().zip(expect) {
        for t in tokens.iter().filter(|t| Some(t.as_str()) != token) {
            assert!(!text.contains(t.as_str()), "{peer} was sent another peer's resume token: {text}");
        }
        let frame: Frame = serde_json::from_str(text).unwrap_or_else(|e| panic!("bad JSON ({e}): {text}"));
        if let Expect::Relay { event, from, value, to } = want {
            let data: RelayData = serde_json::from_str(frame.data.get()).expect("relay data");
            assert_eq!(frame.event, *event, "{text}");
            assert_eq!((&data.from, data.value.get(), &data.to), (from, value.as_str(), to), "{text}");
            continue;
        }
        let data: Value = serde_json::from_str(frame.data.get()).expect("data");
        let field = |k: &str| data[k].as_str().unwrap_or_default().to_owned();
        let count = |n: &usize| data["count"].as_u64() == Some(*n as u64);
        match want {
            Expect::Welcome { peer: id, resumed, members, host, lobby } => {
                assert_eq!(frame.event, "welcome", "{text}");
                assert!(field("peer_id") == *id && data["resumed"] == *resumed, "{text}");
                assert!(data["host"] == *host && data["waiting_room"] == *lobby, "{text}");
                let got: Vec<String> = data["members"]
                    .as_array()
                    .expect("members")
                    .iter()
                    .map(|m| m["peer_id"].as_str().unwrap_or_default().to_owned())
                    .collect();
                assert_eq!(&got, members, "welcome's member list: {text}");
                assert_eq!(data["count"].as_u64(), Some(members.len() as u64 + 1));
                let t = field("resume_token");
                assert!(t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
                match token {
                    Some(known) => assert_eq!(t, known, "a resumed peer keeps its token"),
                    None => learned = Some(t),
                }
            }
            Expect::Join { peer: id, count: n } => {
                assert!(frame.event == "join" && field("peer_id") == *id && count(n), "{text}")
            }
            Expect::ExitRoom { peer: id, count: n, reason } => assert!(
                frame.event == "exit_room" && field("peer_id") == *id && count(n) && field("reason") == *reason,
                "{text} vs {want:?}"
            ),
            Expect::Reconnecting { peer: id } => {
                assert!(frame.event == "peer_reconnecting" && field("peer_id") == *id, "{text}")
            }
            Expect::Resumed { peer: id } => assert!(frame.event == "peer_resumed" && field("peer_id") == *id, "{text}"),
            Expect::Waiting { peer: id, hosts } => assert!(
                frame.event == "waiting" && field("peer_id") == *id && data["hosts"].as_u64() == Some(*hosts as u64),
                "{text}"
            ),
            Expect::Knock { peer: id } => assert!(frame.event == "knock" && field("peer_id") == *id, "{text}"),
            Expect::KnockEnd { peer: id, reason } => assert!(
                frame.event == "knock_end" && field("peer_id") == *id && field("reason") == *reason,
                "{text}"
            ),
            Expect::Denied => assert_eq!(frame.event, "denied", "{text}"),
            Expect::Locked { locked, by } => {
                assert!(frame.event == "locked" && data["locked"] == *locked && field("by") == *by, "{text}")
            }
            Expect::Relay { .. } => unreachable!(),
        }
    }
    learned
}
