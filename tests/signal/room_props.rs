//! Property tests of the room state machine, driven directly (no sockets)
//! against a plain reference model: random joins, relays, exits, drops,
//! resumes and expiries across many clients.

use std::collections::{HashMap, VecDeque};

use lancall::signal::protocol::{self, ClientMessage, Join};
use lancall::signal::room::{Attached, Mailbox, Registry};
use proptest::prelude::*;
use serde_json::Value;

const CLIENTS: usize = 10;
const ROOMS: [&str; 3] = ["r0", "r1", "r2"];
const MAX_ROOM: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Join { client: usize, room: usize, v1: bool, passcode: Option<u8> },
    Relay { client: usize, target: Option<usize> },
    Exit { client: usize },
    Drop { client: usize },
    Resume { client: usize },
    Expire { client: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS;
    prop_oneof![
        3 => (c.clone(), 0..ROOMS.len(), any::<bool>(), prop::option::weighted(0.2, 0u8..2))
            .prop_map(|(client, room, v1, passcode)| Op::Join { client, room, v1, passcode }),
        6 => (c.clone(), prop::option::of(0..CLIENTS)).prop_map(|(client, target)| Op::Relay { client, target }),
        1 => c.clone().prop_map(|client| Op::Exit { client }),
        1 => c.clone().prop_map(|client| Op::Drop { client }),
        1 => c.clone().prop_map(|client| Op::Resume { client }),
        1 => c.prop_map(|client| Op::Expire { client }),
    ]
}

/// What the model knows of one client.
#[derive(Default)]
struct ClientState {
    /// Its hold on a peer while its socket is up.
    attached: Option<Attached>,
    /// A dropped version-1 peer waiting in its grace period: (peer id, generation, token).
    detached: Option<(String, u64, String)>,
    /// Its mailbox, kept across a drop so a resume can read on.
    mailbox: Option<Mailbox>,
    user: String,
    token: String,
    v1: bool,
    /// Messages the model says it must receive, in order.
    expected: VecDeque<Expect>,
    seq: u64,
}

#[derive(Debug, PartialEq)]
enum Expect {
    Welcome { resumed: bool },
    Join { peer: String },
    Exit { peer: String, reason: &'static str },
    Reconnecting { peer: String },
    Resumed { peer: String },
    Relay { from: String, value: String },
}

/// The model: rooms as peer-id lists in join order, passcodes, and which
/// client holds which peer.
#[derive(Default)]
struct Model {
    rooms: HashMap<String, (Option<String>, Vec<String>)>,
    /// peer id -> client index
    owner: HashMap<String, usize>,
}

struct World {
    registry: Registry,
    model: Model,
    clients: Vec<ClientState>,
}

impl World {
    fn new() -> Self {
        World {
            registry: Registry::new(MAX_ROOM, 100_000),
            model: Model::default(),
            clients: (0..CLIENTS).map(|i| ClientState { user: format!("user{i}"), ..Default::default() }).collect(),
        }
    }

    fn peer_of(&self, client: usize) -> Option<(String, String)> {
        let c = &self.clients[client];
        if let Some(at) = &c.attached {
            return Some((at.peer_id.clone(), at.room_id.clone()));
        }
        let (peer, ..) = c.detached.as_ref()?;
        let room = self.model.rooms.iter().find(|(_, (_, m))| m.contains(peer))?.0.clone();
        Some((peer.clone(), room))
    }

    fn members(&self, room: &str) -> Vec<String> {
        self.model.rooms.get(room).map(|(_, m)| m.clone()).unwrap_or_default()
    }

    fn expect_others(&mut self, room: &str, except: &str, e: impl Fn() -> Expect) {
        for peer in self.members(room) {
            if peer != except {
                let owner = self.model.owner[&peer];
                self.clients[owner].expected.push_back(e());
            }
        }
    }

    /// Remove `peer` from the model as the registry would, queuing `exit_room`.
    fn model_remove(&mut self, peer: &str, reason: &'static str) {
        let owner = self.model.owner.remove(peer).expect("owned");
        let c = &mut self.clients[owner];
        c.detached = None;
        c.attached = None;
        let room = self.model.rooms.iter().find(|(_, (_, m))| m.iter().any(|p| p == peer)).map(|(r, _)| r.clone());
        let Some(room) = room else { return };
        let entry = self.model.rooms.get_mut(&room).unwrap();
        entry.1.retain(|p| p != peer);
        if entry.1.is_empty() {
            self.model.rooms.remove(&room);
        } else {
            self.expect_others(&room, peer, || Expect::Exit { peer: peer.to_owned(), reason });
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Join { client, room, v1, passcode } => self.join(client, ROOMS[room], v1, passcode, false),
            Op::Resume { client } => {
                if self.clients[client].attached.is_none() && self.clients[client].detached.is_some() {
                    let room = self.peer_of(client).map(|(_, r)| r).unwrap();
                    self.join(client, &room, true, None, true);
                }
            }
            Op::Relay { client, target } => self.relay(client, target),
            Op::Exit { client } => {
                if let Some(at) = self.clients[client].attached.take() {
                    self.registry.leave(&at, protocol::LeaveReason::Left);
                    self.model_remove(&at.peer_id, "left");
                    self.clients[client].mailbox = None;
                }
            }
            Op::Drop { client } => {
                let Some(at) = self.clients[client].attached.take() else { return };
                let kept = self.registry.detach(&at);
                assert_eq!(kept, self.clients[client].v1, "only version-1 peers are kept");
                if kept {
                    let token = self.clients[client].token.clone();
                    self.clients[client].detached = Some((at.peer_id.clone(), at.generation, token));
                    let room = at.room_id.clone();
                    self.expect_others(&room, &at.peer_id, || Expect::Reconnecting { peer: at.peer_id.clone() });
                } else {
                    self.model_remove(&at.peer_id, "dropped");
                    self.clients[client].mailbox = None;
                }
            }
            Op::Expire { client } => {
                let Some((peer, generation, _)) = self.clients[client].detached.clone() else { return };
                self.registry.expire(&peer, generation);
                self.model_remove(&peer, "dropped");
                self.clients[client].mailbox = None;
                self.clients[client].expected.clear();
            }
        }
    }

    fn join(&mut self, client: usize, room: &str, v1: bool, passcode: Option<u8>, resume: bool) {
        if self.clients[client].attached.is_some() {
            return; // the connection layer refuses a second join
        }
        let resume_token = resume.then(|| self.clients[client].token.clone());
        if !resume && self.clients[client].detached.is_some() {
            return; // a dropped client either resumes or expires first
        }
        let join = Join {
            user_id: self.clients[client].user.clone(),
            room_id: room.to_owned(),
            version: v1.then_some(1),
            passcode: passcode.map(|p| format!("code{p}")),
            resume: resume_token,
        };
        let result = self.registry.join(&join);
        if resume {
            let at = result.expect("a resume within grace succeeds");
            let (peer, ..) = self.clients[client].detached.take().unwrap();
            assert_eq!(at.peer_id, peer, "resume keeps the peer id");
            assert!(at.resumed);
            self.expect_others(room, &peer, || Expect::Resumed { peer: peer.clone() });
            self.clients[client].expected.push_back(Expect::Welcome { resumed: true });
            self.clients[client].attached = Some(at);
            return;
        }
        let existing = self.model.rooms.get(room);
        let want_err = match existing {
            Some((Some(_), _)) if join.passcode.is_none() => Some("passcode_required"),
            Some((Some(code), _)) if join.passcode.as_deref() != Some(code) => Some("wrong_passcode"),
            Some((_, m)) if m.len() >= MAX_ROOM => Some("room_full"),
            _ => None,
        };
        match (result, want_err) {
            (Err(e), Some(code)) => assert_eq!(e.code(), code),
            (Err(e), None) => panic!("join refused unexpectedly: {e:?}"),
            (Ok(at), Some(code)) => panic!("join accepted, model says {code}: {at:?}"),
            (Ok(at), None) => {
                let peer = at.peer_id.clone();
                self.expect_others(room, &peer, || Expect::Join { peer: peer.clone() });
                let entry = self.model.rooms.entry(room.to_owned()).or_insert_with(|| (join.passcode.clone(), vec![]));
                entry.1.push(peer.clone());
                self.model.owner.insert(peer, client);
                let c = &mut self.clients[client];
                c.v1 = v1;
                c.mailbox = Some(at.mailbox.clone());
                c.expected.clear();
                c.expected.push_back(Expect::Welcome { resumed: false });
                c.attached = Some(at);
                c.token.clear();
            }
        }
    }

    fn relay(&mut self, client: usize, target: Option<usize>) {
        let to = target.and_then(|t| self.peer_of(t)).map(|(p, _)| p);
        let c = &mut self.clients[client];
        c.seq += 1;
        let value = format!("{{\"c\":{client},\"seq\":{} }}", c.seq);
        let text = match &to {
            Some(to) => format!(r#"{{"event":"candidate","data":{{"value":{value},"to":"{to}"}}}}"#),
            None => format!(r#"{{"event":"candidate","data":{{"value":{value}}}}}"#),
        };
        let Ok(ClientMessage::Relay(relay)) = protocol::parse(&text, 64) else { panic!("{text}") };
        let Some(at) = &c.attached else { return };
        let (from, room) = (at.peer_id.clone(), at.room_id.clone());
        let result = self.registry.relay(at, &relay);
        let members = self.members(&room);
        match &to {
            Some(to) if *to == from || !members.contains(to) => {
                assert_eq!(result.map_err(|e| e.code()), Err("unknown_peer"));
            }
            Some(to) => {
                result.expect("targeted relay");
                let owner = self.model.owner[to];
                self.clients[owner].expected.push_back(Expect::Relay { from, value });
            }
            None => {
                result.expect("broadcast relay");
                self.expect_others(&room, &from.clone(), || Expect::Relay { from: from.clone(), value: value.clone() });
            }
        }
    }

    /// Drain every attached client's mailbox and compare with the model.
    fn check(&mut self) {
        for (i, c) in self.clients.iter_mut().enumerate() {
            if c.attached.is_none() {
                continue; // a detached client's messages wait in its mailbox
            }
            let mailbox = c.mailbox.as_ref().expect("attached clients have a mailbox");
            let mut rx = mailbox.try_lock().expect("no writer holds the mailbox in this test");
            while let Ok(text) = rx.try_recv() {
                let v: Value = serde_json::from_str(text.as_str()).expect("server JSON");
                let d = &v["data"];
                let got = match v["event"].as_str().unwrap() {
                    "welcome" => {
                        if !d["resumed"].as_bool().unwrap() {
                            c.token = d["resume_token"].as_str().unwrap().to_owned();
                        }
                        Expect::Welcome { resumed: d["resumed"].as_bool().unwrap() }
                    }
                    "join" => Expect::Join { peer: d["peer_id"].as_str().unwrap().to_owned() },
                    "exit_room" => Expect::Exit {
                        peer: d["peer_id"].as_str().unwrap().to_owned(),
                        reason: match d["reason"].as_str().unwrap() {
                            "left" => "left",
                            "dropped" => "dropped",
                            other => panic!("unexpected reason {other}"),
                        },
                    },
                    "peer_reconnecting" => Expect::Reconnecting { peer: d["peer_id"].as_str().unwrap().to_owned() },
                    "peer_resumed" => Expect::Resumed { peer: d["peer_id"].as_str().unwrap().to_owned() },
                    "candidate" => {
                        // The raw value, byte for byte, out of the frame.
                        let raw = text.as_str();
                        let start = raw.find(r#""value":"#).unwrap() + 8;
                        let end = raw.find(r#","from":"#).unwrap();
                        Expect::Relay { from: d["from"].as_str().unwrap().to_owned(), value: raw[start..end].to_owned() }
                    }
                    other => panic!("unexpected event {other}"),
                };
                let want = c.expected.pop_front();
                assert_eq!(want.as_ref(), Some(&got), "client {i}: expected {want:?}, got {got:?} ({text})");
            }
            assert!(c.expected.is_empty(), "client {i} never got {:?}", c.expected);
        }
        // Membership matches, in join order, and nothing is over its cap.
        let stats = self.registry.stats();
        assert_eq!(stats.rooms, self.model.rooms.len(), "room count");
        assert_eq!(stats.peers, self.model.owner.len(), "peer count");
        for room in ROOMS {
            let got: Vec<String> = self.registry.members(room).into_iter().map(|m| m.peer_id).collect();
            assert_eq!(got, self.members(room), "members of {room}");
            assert!(got.len() <= MAX_ROOM);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any sequence of joins, relays, exits, drops, resumes and expiries keeps
    /// membership as the model says, and every member gets exactly the
    /// notices and relayed messages it should, once each, in order, with
    /// `from` stamped and `value` byte for byte.
    #[test]
    fn rooms_match_the_model(ops in prop::collection::vec(op(), 1..150)) {
        let mut world = World::new();
        for op in &ops {
            world.apply(op);
            world.check();
        }
    }
}

/// A member whose queue fills is dropped as `slow`; the others keep getting
/// every message, and the room goes on without it.
#[test]
fn full_queue_drops_only_the_slow_member() {
    let registry = Registry::new(MAX_ROOM, 8);
    let join = |user: &str| Join {
        user_id: user.into(),
        room_id: "r".into(),
        version: Some(1),
        passcode: None,
        resume: None,
    };
    let sender = registry.join(&join("sender")).unwrap();
    let reader = registry.join(&join("reader")).unwrap();
    let stuck = registry.join(&join("stuck")).unwrap();
    let drain = |at: &Attached| -> Vec<Value> {
        let mut rx = at.mailbox.try_lock().unwrap();
        std::iter::from_fn(|| rx.try_recv().ok()).map(|t| serde_json::from_str(t.as_str()).unwrap()).collect()
    };
    drain(&sender);
    drain(&reader);
    let mut got = 0;
    for n in 0..50 {
        let text = format!(r#"{{"event":"message","data":{{"value":{n}}}}}"#);
        let Ok(ClientMessage::Relay(relay)) = protocol::parse(&text, 64) else { panic!() };
        registry.relay(&sender, &relay).unwrap();
        for m in drain(&reader) {
            if m["event"] == "message" {
                assert_eq!(m["data"]["value"], got);
                got += 1;
            } else {
                assert_eq!(m["event"], "exit_room");
                assert_eq!(m["data"]["peer_id"], stuck.peer_id.as_str());
                assert_eq!(m["data"]["reason"], "slow");
            }
        }
    }
    assert_eq!(got, 50, "the reader got every message");
    assert_eq!(*stuck.kicked.borrow(), Some(lancall::signal::room::Kick::Slow));
    assert_eq!(registry.members("r").len(), 2);
}
