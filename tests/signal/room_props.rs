//! Property tests of the room state machine, driven directly (no sockets)
//! against a plain reference model: random joins (seed or versioned,
//! passcoded, with stale or misdirected resume tokens), relays (broadcast and
//! targeted), exits, drops, resumes, reconnects over a live socket, expiries
//! and calls through superseded handles, and the waiting room (joins with
//! the host key or asking for a waiting room, knocks, and host commands
//! from anyone: admit one or all, deny, remove, lock), across twelve
//! clients and three small rooms. After every step the model and the registry must agree on
//! membership, and every mailbox must hold exactly the frames the model
//! predicts, in order. Then the slow-reader path with tiny queues, and the
//! order of queued frames when changes race on several threads.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Barrier};
use std::thread;

use lancall::signal::protocol::{self, ClientMessage, Join, LeaveReason, Relay};
use lancall::signal::protocol::HostCommand;
use lancall::signal::room::{Attached, Kick, Mailbox, Registry, Rights, MAX_WAITING};
use proptest::prelude::*;
use proptest::sample::Index;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::mpsc::error::TryRecvError;

const CLIENTS: usize = 12;
/// The last one is not ASCII: room ids may be in any script.
const ROOMS: [&str; 3] = ["r0", "salle-1", "房间.2"];
const MAX_ROOM: usize = 4;
const MAX_OPS: usize = 200;
/// Each step queues at most one frame per peer, so no mailbox ever holds more
/// than `MAX_OPS` of them: the slow-consumer path is never taken here.
const QUEUE: usize = MAX_OPS + 56;
const PASSCODES: [Option<&str>; 4] = [None, Some(""), Some("a"), Some("b")];
/// The seed page sends no version; 1 and later can resume.
const VERSIONS: [Option<u32>; 4] = [None, Some(0), Some(1), Some(2)];
const KINDS: [&str; 4] = ["offer_sdp", "answer_sdp", "candidate", "message"];
const REASONS: [(LeaveReason, &str); 4] = [
    (LeaveReason::Left, "left"),
    (LeaveReason::Timeout, "timeout"),
    (LeaveReason::Shutdown, "shutdown"),
    (LeaveReason::Dropped, "dropped"),
];

/// One step of a client, or of the server's grace timer on its behalf.
#[derive(Debug, Clone)]
enum Op {
    /// A fresh join; `stale_token` sends the token of the client's last,
    /// departed peer, which must be ignored (or, if a host removed that
    /// peer, refused); `key` joins with the host key; `lobby` asks for a
    /// waiting room (granted to a room's creator).
    Join { client: usize, room: usize, version: usize, passcode: usize, stale_token: bool, key: bool, lobby: bool },
    /// A host command from `client`'s connection, host or not: 0 admit,
    /// 1 admit all, 2 deny, 3 remove, 4 lock, 5 unlock; naming one of its
    /// room's knockers if `knocker`, else one of its members. With `host`,
    /// the sender is a connected host instead of `client`, if there is one.
    Command { client: usize, host: Option<Index>, what: u8, knocker: bool, pick: Index },
    /// `to` names a member of the sender's room (itself included) or, if
    /// `anyone`, any client's current or last peer; `room_field`: 0 omits
    /// `room_id`, 1 names the sender's room, 2 another room.
    Relay { client: usize, to: Option<(bool, Index)>, room_field: u8, kind: usize },
    Exit { client: usize, reason: usize },
    /// The socket drops: `detach`.
    Drop { client: usize },
    /// A join with the resume token by a dropped client, or if `live` by a
    /// joined one (a reconnect that beats the server to noticing the old
    /// socket is dead); `wrong_room` names another room: a fresh join.
    Resume { pick: Index, live: bool, wrong_room: bool, passcode: usize },
    /// The grace timer of a dropped client fires, or if `live` that of an
    /// earlier drop of a client since resumed; `stale` passes an old generation.
    Expire { pick: Index, live: bool, stale: bool },
    /// The grace timer of a dropped peer its client abandoned for a fresh join.
    ExpireOrphan { index: Index },
    /// A superseded connection still acts: 0 relay, 1 leave, 2 detach.
    Stale { client: usize, action: u8 },
}

fn passcode() -> impl Strategy<Value = usize> {
    prop_oneof![6 => Just(0usize), 1 => Just(1usize), 2 => Just(2usize), 1 => Just(3usize)]
}

fn version() -> impl Strategy<Value = usize> {
    prop_oneof![4 => Just(0usize), 1 => Just(1usize), 4 => Just(2usize), 1 => Just(3usize)]
}

fn op() -> impl Strategy<Value = Op> {
    let c = || 0..CLIENTS;
    prop_oneof![
        6 => (c(), 0..ROOMS.len(), version(), passcode(), prop::bool::weighted(0.2),
              prop::bool::weighted(0.15), prop::bool::weighted(0.5))
            .prop_map(|(client, room, version, passcode, stale_token, key, lobby)| {
                Op::Join { client, room, version, passcode, stale_token, key, lobby }
            }),
        4 => (c(), prop::option::weighted(0.7, any::<Index>()), 0u8..6, prop::bool::weighted(0.6), any::<Index>())
            .prop_map(|(client, host, what, knocker, pick)| Op::Command { client, host, what, knocker, pick }),
        12 => (c(), prop::option::of((prop::bool::weighted(0.3), any::<Index>())),
               prop_oneof![6 => Just(0u8), 3 => Just(1u8), 1 => Just(2u8)], 0..KINDS.len())
            .prop_map(|(client, to, room_field, kind)| Op::Relay { client, to, room_field, kind }),
        2 => (c(), 0..REASONS.len()).prop_map(|(client, reason)| Op::Exit { client, reason }),
        3 => c().prop_map(|client| Op::Drop { client }),
        3 => (any::<Index>(), prop::bool::weighted(0.3), prop::bool::weighted(0.15), passcode())
            .prop_map(|(pick, live, wrong_room, passcode)| Op::Resume { pick, live, wrong_room, passcode }),
        2 => (any::<Index>(), prop::bool::weighted(0.2), prop::bool::weighted(0.3))
            .prop_map(|(pick, live, stale)| Op::Expire { pick, live, stale }),
        1 => any::<Index>().prop_map(|index| Op::ExpireOrphan { index }),
        1 => (c(), 0u8..3).prop_map(|(client, action)| Op::Stale { client, action }),
    ]
}

/// How a fresh join comes in.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// With the host key.
    key: bool,
    /// Asking for a waiting room.
    lobby: bool,
}

/// A frame the model says a peer must receive next.
struct Frame {
    json: Value,
    /// A relay's `value`, as the registry must pass it: byte for byte.
    raw_value: Option<String>,
    /// A fresh `welcome`: its random `resume_token` is learned, not predicted.
    learns_token: bool,
}

/// The model's view of one peer.
struct Peer {
    client: usize,
    user: String,
    room: String,
    version: Option<u32>,
    /// Made the room or joined with the key: a host.
    host: bool,
    /// A knocker: not a member.
    waiting: bool,
    generation: u64,
    attached: bool,
    /// From its first `welcome`.
    token: Option<String>,
    mailbox: Mailbox,
    expected: VecDeque<Frame>,
}

struct Room {
    passcode: Option<String>,
    /// Peer ids in join order.
    members: Vec<String>,
    lobby: bool,
    /// Knockers, oldest first.
    waiting: Vec<String>,
    locked: bool,
    /// Tokens of removed members: refused while the room lasts.
    removed: Vec<String>,
}

/// Where a client's connection stands.
enum Slot {
    Idle,
    Live(Attached),
    /// Dropped, in its grace period: the peer id.
    Detached(String),
}

struct Client {
    slot: Slot,
    /// A handle superseded by a reconnect, to check it can no longer act.
    stale: Option<Attached>,
    /// The client's current or most recent peer.
    last_peer: Option<String>,
    /// The token of its most recently removed peer: dead.
    last_token: Option<String>,
    joins: u32,
    seq: u64,
}

struct World {
    registry: Registry,
    peers: HashMap<String, Peer>,
    rooms: HashMap<String, Room>,
    clients: Vec<Client>,
    /// Dropped peers whose client made a fresh join instead of resuming.
    orphans: Vec<String>,
    /// Peers removed by this step: their mailbox is checked, then must close.
    gone: Vec<(String, Peer)>,
}

impl World {
    fn new() -> Self {
        World {
            registry: Registry::new(MAX_ROOM, QUEUE),
            peers: HashMap::new(),
            rooms: HashMap::new(),
            clients: (0..CLIENTS)
                .map(|_| Client { slot: Slot::Idle, stale: None, last_peer: None, last_token: None, joins: 0, seq: 0 })
                .collect(),
            orphans: Vec::new(),
            gone: Vec::new(),
        }
    }

    fn user(&self, peer: Option<&String>) -> String {
        peer.map_or(String::new(), |p| self.peers[p].user.clone())
    }

    fn push(&mut self, peer: &str, json: Value, raw_value: Option<String>) {
        let frame = Frame { json, raw_value, learns_token: false };
        self.peers.get_mut(peer).expect("a live peer").expected.push_back(frame);
    }

    fn tell_others(&mut self, room: &str, except: &str, json: &Value, raw_value: Option<&str>) {
        for id in self.rooms[room].members.clone() {
            if id != except {
                self.push(&id, json.clone(), raw_value.map(str::to_owned));
            }
        }
    }

    /// The `welcome` the registry owes `peer`, from the room as it is now.
    fn welcome(&self, peer: &str, resumed: bool) -> Frame {
        let p = &self.peers[peer];
        let members = &self.rooms[&p.room].members;
        let others: Vec<Value> = members
            .iter()
            .filter(|id| *id != peer)
            .map(|id| member(id, &self.peers[id]))
            .collect();
        let json = json!({"event": "welcome", "data": {
            "peer_id": peer,
            "resume_token": p.token,
            "resumed": resumed,
            "protocol": protocol::PROTOCOL_VERSION,
            "room_id": p.room,
            "count": members.len(),
            "master": self.user(members.first()),
            "viewer": self.user(members.last()),
            "max_room_size": MAX_ROOM,
            "members": others,
            "host": p.host,
            "waiting_room": self.rooms[&p.room].lobby,
            "locked": self.rooms[&p.room].locked,
        }});
        Frame { json, raw_value: None, learns_token: !resumed }
    }

    /// Take `peer` out as the registry must: the rest hear `exit_room`, an
    /// empty room goes, and its mailbox is checked after this step.
    fn remove(&mut self, peer: &str, reason: &str) {
        let p = self.peers.remove(peer).expect("a live peer");
        let client = &mut self.clients[p.client];
        client.last_token = p.token.clone();
        if matches!(&client.slot, Slot::Detached(id) | Slot::Live(Attached { peer_id: id, .. }) if id == peer) {
            client.slot = Slot::Idle;
        }
        self.orphans.retain(|id| id != peer);
        let room = self.rooms.get_mut(&p.room).expect("its room");
        room.members.retain(|id| id != peer);
        room.waiting.retain(|id| id != peer);
        if room.members.is_empty() && room.waiting.is_empty() {
            self.rooms.remove(&p.room);
        } else if p.waiting {
            let end = json!({"event": "knock_end", "data": {"peer_id": peer, "reason": "left"}});
            self.tell_hosts(&p.room.clone(), &end);
        } else if !room.members.is_empty() {
            let members = &self.rooms[&p.room].members;
            let notice = json!({"event": "exit_room", "data": {
                "count": members.len(),
                "master": self.user(members.first()),
                "viewer": self.user(members.last()),
                "peer_id": peer,
                "user_id": p.user,
                "reason": reason,
            }});
            self.tell_others(&p.room.clone(), peer, &notice, None);
        }
        self.gone.push((peer.to_owned(), p));
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Join { client, room, version, passcode, stale_token, key, lobby } => {
                if matches!(self.clients[client].slot, Slot::Live(_)) {
                    return; // the connection answers `already_joined` itself
                }
                let token = if stale_token { self.clients[client].last_token.clone() } else { None };
                let how = Entry { key, lobby };
                self.fresh_join(client, ROOMS[room], VERSIONS[version], PASSCODES[passcode], token, how);
            }
            Op::Command { client, host, what, knocker, pick } => {
                let hosts: Vec<usize> = (0..CLIENTS)
                    .filter(|i| match &self.clients[*i].slot {
                        Slot::Live(at) => self.peers[&at.peer_id].host,
                        _ => false,
                    })
                    .collect();
                let client = match host {
                    Some(index) if !hosts.is_empty() => hosts[index.index(hosts.len())],
                    _ => client,
                };
                self.command(client, what, knocker, pick);
            }
            Op::Resume { pick, live, wrong_room, passcode } => {
                let Some(client) = self.pick(pick, live) else { return };
                self.resume(client, wrong_room, PASSCODES[passcode]);
            }
            Op::Relay { client, to, room_field, kind } => self.relay(client, to, room_field, kind),
            Op::Exit { client, reason } => {
                let Slot::Live(at) = std::mem::replace(&mut self.clients[client].slot, Slot::Idle) else { return };
                let (reason, name) = REASONS[reason];
                self.registry.leave(&at, reason);
                self.remove(&at.peer_id, name);
            }
            Op::Drop { client } => {
                let Slot::Live(at) = std::mem::replace(&mut self.clients[client].slot, Slot::Idle) else { return };
                let kept = self.registry.detach(&at);
                let p = self.peers.get_mut(&at.peer_id).unwrap();
                let resumable = p.version.is_some_and(|v| v >= 1) && !p.waiting;
                assert_eq!(kept, resumable, "a member keeps its place on a drop iff it can resume");
                if kept {
                    p.attached = false;
                    let room = p.room.clone();
                    let notice = json!({"event": "peer_reconnecting", "data": {"peer_id": at.peer_id}});
                    self.tell_others(&room, &at.peer_id, &notice, None);
                    self.clients[client].slot = Slot::Detached(at.peer_id.clone());
                } else {
                    self.remove(&at.peer_id, "dropped");
                }
            }
            Op::Expire { pick, live, stale } => {
                let Some(client) = self.pick(pick, live) else { return };
                let (peer, attached) = match &self.clients[client].slot {
                    Slot::Idle => return,
                    Slot::Live(at) => (at.peer_id.clone(), true),
                    Slot::Detached(peer) => (peer.clone(), false),
                };
                let generation = self.peers[&peer].generation;
                if stale {
                    let old = generation.checked_sub(1).unwrap_or(generation + 1);
                    self.registry.expire(&peer, old); // a timer for another generation: no effect
                } else {
                    self.registry.expire(&peer, generation);
                    if !attached {
                        self.remove(&peer, "dropped");
                    }
                }
            }
            Op::ExpireOrphan { index } => {
                if self.orphans.is_empty() {
                    return;
                }
                let peer = self.orphans[index.index(self.orphans.len())].clone();
                self.registry.expire(&peer, self.peers[&peer].generation);
                self.remove(&peer, "dropped");
            }
            Op::Stale { client, action } => {
                let Some(old) = &self.clients[client].stale else { return };
                match action {
                    0 => {
                        let relay = parse_relay(r#"{"event":"message","data":{"value":"late"}}"#);
                        let result = self.registry.relay(old, &relay).map_err(|e| e.code());
                        assert_eq!(result, Err("not_joined"), "a superseded handle cannot relay");
                    }
                    1 => self.registry.leave(old, LeaveReason::Left),
                    _ => assert!(!self.registry.detach(old), "a superseded handle cannot detach"),
                }
            }
        }
    }

    /// One of the clients that are joined (`live`) or dropped.
    fn pick(&self, index: Index, live: bool) -> Option<usize> {
        let ids: Vec<usize> = (0..CLIENTS)
            .filter(|i| match self.clients[*i].slot {
                Slot::Idle => false,
                Slot::Live(_) => live,
                Slot::Detached(_) => !live,
            })
            .collect();
        (!ids.is_empty()).then(|| ids[index.index(ids.len())])
    }

    /// A join without a usable resume token; the model decides the outcome.
    fn fresh_join(
        &mut self,
        client: usize,
        room: &str,
        version: Option<u32>,
        passcode: Option<&str>,
        token: Option<String>,
        how: Entry,
    ) {
        let c = &mut self.clients[client];
        c.joins += 1;
        let user = format!("用户 {client}/{}", c.joins);
        let join = Join {
            user_id: user.clone(),
            room_id: room.to_owned(),
            version,
            passcode: passcode.map(str::to_owned),
            resume: token.clone(),
            host_key: None,
            waiting_room: how.lobby.then_some(true),
        };
        let key = how.key;
        let removed = self.rooms.get(room).is_some_and(|r| token.as_ref().is_some_and(|t| r.removed.contains(t)));
        let refusal = self.rooms.get(room).and_then(|r| match (&r.passcode, passcode) {
            _ if removed => Some("removed"),
            (Some(_), None) => Some("passcode_required"),
            (Some(want), Some(got)) if want != got => Some("wrong_passcode"),
            _ if r.locked && !key => Some("room_locked"),
            _ if r.lobby && !key && r.waiting.len() >= MAX_WAITING => Some("waiting_full"),
            _ if (!r.lobby || key) && r.members.len() >= MAX_ROOM => Some("room_full"),
            _ => None,
        });
        let rights = if key { Rights::HOST } else { Rights::GUEST };
        let at = match (self.registry.join_as(&join, rights), refusal) {
            (Err(e), Some(code)) => {
                assert_eq!(e.code(), code, "{e}");
                assert!(e.to_string().contains(room), "the refusal names the room: {e}");
                return;
            }
            (Err(e), None) => panic!("join of {room} refused, the model admits it: {e}"),
            (Ok(at), Some(code)) => panic!("join of {room} admitted, the model says {code}: {at:?}"),
            (Ok(at), None) => at,
        };
        let peer = at.peer_id.clone();
        assert!(!at.resumed && at.generation == 0 && at.room_id == room, "{at:?}");
        assert!(peer.len() == 16 && peer.bytes().all(|b| b.is_ascii_hexdigit()), "peer id {peer}");
        assert!(!self.peers.contains_key(&peer) && !self.gone.iter().any(|(id, _)| *id == peer));

        // A dropped peer left behind by this fresh join waits for its timer.
        if let Slot::Detached(old) = std::mem::replace(&mut self.clients[client].slot, Slot::Idle) {
            self.orphans.push(old);
        }
        let created = !self.rooms.contains_key(room);
        let r = self.rooms.entry(room.to_owned()).or_insert_with(|| Room {
            passcode: passcode.filter(|p| !p.is_empty()).map(str::to_owned),
            members: Vec::new(),
            lobby: how.lobby,
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
                user: user.clone(),
                room: room.to_owned(),
                version,
                host: created || key,
                waiting: knocks,
                generation: 0,
                attached: true,
                token: None,
                mailbox: at.mailbox.clone(),
                expected: VecDeque::new(),
            },
        );
        if knocks {
            self.rooms.get_mut(room).unwrap().waiting.push(peer.clone());
            let hosts = self.hosts(room).len();
            let waiting = json!({"event": "waiting", "data": {"room_id": room, "peer_id": peer, "hosts": hosts}});
            self.push(&peer, waiting, None);
            let knock = json!({"event": "knock", "data": {"peer_id": peer, "user_id": user}});
            self.tell_hosts(room, &knock);
        } else {
            self.enter(&peer);
        }
        let c = &mut self.clients[client];
        c.last_peer = Some(peer);
        c.slot = Slot::Live(at);
    }

    fn resume(&mut self, client: usize, wrong_room: bool, passcode: Option<&str>) {
        let peer = match &self.clients[client].slot {
            Slot::Idle => return,
            Slot::Live(at) => at.peer_id.clone(),
            Slot::Detached(peer) => peer.clone(),
        };
        let live = matches!(self.clients[client].slot, Slot::Live(_));
        let p = &self.peers[&peer];
        if p.waiting {
            return; // a knocker has no token to resume with
        }
        let token = p.token.clone().expect("its welcome was read");
        if wrong_room {
            if live {
                return; // one connection, one join
            }
            let other = ROOMS[(ROOMS.iter().position(|r| *r == p.room).unwrap() + 1) % ROOMS.len()];
            return self.fresh_join(client, other, Some(1), passcode, Some(token), Entry { key: false, lobby: false });
        }
        let room = p.room.clone();
        let was_detached = !p.attached;
        let join = Join {
            // Neither a new name, version nor passcode matter: the token is the key.
            user_id: "someone else".into(),
            room_id: room.clone(),
            version: Some(1),
            passcode: passcode.map(str::to_owned),
            resume: Some(token),
            host_key: None,
            waiting_room: None,
        };
        let at = self.registry.join(&join).expect("a resume within the grace period is admitted");
        let p = self.peers.get_mut(&peer).unwrap();
        p.generation += 1;
        p.attached = true;
        assert!(at.resumed, "{at:?}");
        assert_eq!((&at.peer_id, &at.room_id, at.generation), (&peer, &room, p.generation));
        if was_detached {
            let notice = json!({"event": "peer_resumed", "data": {"peer_id": peer}});
            self.tell_others(&room, &peer, &notice, None);
        }
        // Whatever was queued while it was away comes first, then the welcome
        // (and, to a host, the knocks waiting).
        let welcome = self.welcome(&peer, true);
        self.peers.get_mut(&peer).unwrap().expected.push_back(welcome);
        self.knocks_to(&peer);
        let c = &mut self.clients[client];
        if let Slot::Live(old) = std::mem::replace(&mut c.slot, Slot::Live(at)) {
            assert_eq!(*old.kicked.borrow(), Some(Kick::Replaced), "the old socket is cut");
            c.stale = Some(old);
        }
    }

    fn relay(&mut self, client: usize, to: Option<(bool, Index)>, room_field: u8, kind: usize) {
        let Slot::Live(at) = &self.clients[client].slot else { return };
        if self.peers[&at.peer_id].waiting {
            let relay = parse_relay(r#"{"event":"message","data":{"room_id":"elsewhere","value":0}}"#);
            let result = self.registry.relay(at, &relay).map_err(|e| e.code());
            return assert_eq!(result, Err("not_joined"), "a knocker is in no room");
        }
        let to = to.and_then(|(anyone, index)| {
            if anyone {
                self.clients[index.index(CLIENTS)].last_peer.clone()
            } else {
                let members = &self.rooms[&at.room_id].members;
                Some(members[index.index(members.len())].clone())
            }
        });
        let c = &mut self.clients[client];
        let Slot::Live(at) = &c.slot else { return };
        c.seq += 1;
        // Odd spacing, key order and escapes: all must survive untouched.
        let value = format!(r#"{{ "s" :[{client},{}], "t":"é\u00e9\n", "z":null}}"#, c.seq);
        let (from, room) = (at.peer_id.clone(), at.room_id.clone());
        let named = match room_field {
            0 => None,
            1 => Some(room.clone()),
            _ => Some(ROOMS.iter().find(|r| **r != room).unwrap().to_string()),
        };
        let mut data = json!({"from": "0000000000000000", "value": "@"});
        if let Some(named) = &named {
            data["room_id"] = json!(named);
        }
        if let Some(to) = &to {
            data["to"] = json!(to);
        }
        let text = json!({"event": KINDS[kind], "data": data}).to_string().replace(r#""@""#, &value);
        let result = self.registry.relay(at, &parse_relay(&text)).map_err(|e| e.code());

        let mut out = json!({"event": KINDS[kind], "data": {
            "room_id": room,
            "value": serde_json::from_str::<Value>(&value).unwrap(),
            "from": from,
        }});
        if named.as_ref().is_some_and(|n| *n != room) {
            return assert_eq!(result, Err("wrong_room"));
        }
        match to {
            Some(to) if to == from || !self.rooms[&room].members.contains(&to) => {
                assert_eq!(result, Err("unknown_peer"), "to {to}");
            }
            Some(to) => {
                assert_eq!(result, Ok(()));
                out["data"]["to"] = json!(to);
                self.push(&to, out, Some(value));
            }
            None => {
                assert_eq!(result, Ok(()));
                self.tell_others(&room, &from, &out, Some(&value));
            }
        }
    }

    /// Host members of a room, in join order.
    fn hosts(&self, room: &str) -> Vec<String> {
        self.rooms[room].members.iter().filter(|id| self.peers[*id].host).cloned().collect()
    }

    fn tell_hosts(&mut self, room: &str, json: &Value) {
        for id in self.hosts(room) {
            self.push(&id, json.clone(), None);
        }
    }

    /// To a host just in (or back): a knock for each knocker, oldest first.
    fn knocks_to(&mut self, peer: &str) {
        if !self.peers[peer].host {
            return;
        }
        for k in self.rooms[&self.peers[peer].room].waiting.clone() {
            let knock = json!({"event": "knock", "data": {"peer_id": k, "user_id": self.peers[&k].user}});
            self.push(peer, knock, None);
        }
    }

    /// A peer becomes a member: its welcome, the others' join.
    fn enter(&mut self, peer: &str) {
        let p = self.peers.get_mut(peer).unwrap();
        p.waiting = false;
        let (room, user, version, host) = (p.room.clone(), p.user.clone(), p.version, p.host);
        self.rooms.get_mut(&room).unwrap().members.push(peer.to_owned());
        let welcome = self.welcome(peer, false);
        self.peers.get_mut(peer).unwrap().expected.push_back(welcome);
        let members = &self.rooms[&room].members;
        let mut notice = json!({"event": "join", "data": {
            "count": members.len(),
            "master": self.user(members.first()),
            "viewer": user,
            "peer_id": peer,
            "user_id": user,
            "host": host,
        }});
        if let Some(v) = version {
            notice["data"]["version"] = json!(v);
        }
        self.tell_others(&room, peer, &notice, None);
        self.knocks_to(peer);
    }

    /// A knocker comes in: the hosts hear the knock is over, then the
    /// usual welcome and join.
    fn admit(&mut self, room: &str, knocker: &str) {
        self.rooms.get_mut(room).unwrap().waiting.retain(|id| id != knocker);
        let end = json!({"event": "knock_end", "data": {"peer_id": knocker, "reason": "admitted"}});
        self.tell_hosts(room, &end);
        self.enter(knocker);
    }

    fn command(&mut self, client: usize, what: u8, knocker: bool, pick: Index) {
        let Slot::Live(at) = &self.clients[client].slot else { return }; // `not_host`, from the connection
        let (by, room) = (at.peer_id.clone(), at.room_id.clone());
        let mut pool: Vec<String> = if knocker {
            self.rooms[&room].waiting.clone()
        } else {
            self.rooms[&room].members.clone()
        };
        pool.sort();
        let target = if pool.is_empty() { "0123456789abcdef".to_owned() } else { pool[pick.index(pool.len())].clone() };
        let command = match what {
            0 => HostCommand::Admit(target.clone()),
            1 => HostCommand::AdmitAll,
            2 => HostCommand::Deny(target.clone()),
            3 => HostCommand::Remove(target.clone()),
            n => HostCommand::Lock(n == 4),
        };
        let result = self.registry.command(at, &command).map_err(|e| e.code());
        if !self.peers[&by].host || self.peers[&by].waiting {
            return assert_eq!(result, Err("not_host"), "{command:?} from a guest");
        }
        let waits = self.rooms[&room].waiting.contains(&target);
        match command {
            HostCommand::Admit(_) | HostCommand::Deny(_) if !waits => assert_eq!(result, Err("unknown_peer")),
            HostCommand::Admit(_) if self.rooms[&room].members.len() >= MAX_ROOM => {
                assert_eq!(result, Err("room_full"), "checked at admit time");
            }
            HostCommand::Admit(_) => {
                assert_eq!(result, Ok(()));
                self.admit(&room, &target);
            }
            HostCommand::AdmitAll => {
                let mut want = Ok(());
                for k in self.rooms[&room].waiting.clone() {
                    if self.rooms[&room].members.len() >= MAX_ROOM {
                        want = Err("room_full");
                        break;
                    }
                    self.admit(&room, &k);
                }
                assert_eq!(result, want);
            }
            HostCommand::Deny(_) => {
                assert_eq!(result, Ok(()));
                self.push(&target, json!({"event": "denied", "data": {"room_id": room}}), None);
                let p = self.peers.remove(&target).unwrap();
                self.rooms.get_mut(&room).unwrap().waiting.retain(|id| *id != target);
                let Slot::Live(cut) = std::mem::replace(&mut self.clients[p.client].slot, Slot::Idle) else {
                    panic!("a knocker has its connection");
                };
                assert_eq!(*cut.kicked.borrow(), Some(Kick::Denied), "the knocker's connection is told");
                let end = json!({"event": "knock_end", "data": {"peer_id": target, "reason": "denied"}});
                self.tell_hosts(&room, &end);
                self.gone.push((target, p));
            }
            HostCommand::Remove(_) => {
                if !self.rooms[&room].members.contains(&target) {
                    return assert_eq!(result, Err("unknown_peer"));
                }
                if self.peers[&target].host {
                    return assert_eq!(result, Err("not_allowed"), "a host can't be removed");
                }
                assert_eq!(result, Ok(()));
                let p = &self.peers[&target];
                if let Some(token) = p.token.clone() {
                    self.rooms.get_mut(&room).unwrap().removed.push(token);
                }
                if let Slot::Live(cut) = &self.clients[p.client].slot {
                    if cut.peer_id == target {
                        assert_eq!(*cut.kicked.borrow(), Some(Kick::Removed), "its socket is cut");
                    }
                }
                self.remove(&target, "removed");
            }
            HostCommand::Lock(locked) => {
                assert_eq!(result, Ok(()));
                self.rooms.get_mut(&room).unwrap().locked = locked;
                let text = json!({"event": "locked", "data": {"locked": locked, "by": by}});
                for id in self.rooms[&room].members.clone() {
                    self.push(&id, text.clone(), None);
                }
            }
        }
    }

    /// Read every mailbox with a socket behind it (and those of peers just
    /// removed) and hold the registry to the model.
    fn check(&mut self) {
        for (id, mut p) in std::mem::take(&mut self.gone) {
            drain(&id, &mut p);
            let mut rx = p.mailbox.try_lock().unwrap();
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected), "a removed peer's queue closes");
        }
        for (id, p) in self.peers.iter_mut().filter(|(_, p)| p.attached) {
            drain(id, p);
        }
        for (i, c) in self.clients.iter().enumerate() {
            if let Slot::Live(at) = &c.slot {
                assert_eq!(*at.kicked.borrow(), None, "client {i} was cut off");
            }
        }
        let stats = self.registry.stats();
        assert_eq!((stats.rooms, stats.peers), (self.rooms.len(), self.peers.len()), "stats");
        for room in ROOMS {
            let got: Vec<Value> =
                self.registry.members(room).into_iter().map(|m| serde_json::to_value(m).unwrap()).collect();
            let want: Vec<Value> = self.rooms.get(room).map_or_else(Vec::new, |r| {
                r.members.iter().map(|id| member(id, &self.peers[id])).collect()
            });
            assert_eq!(got, want, "members of {room}, in join order");
            assert!(got.len() <= MAX_ROOM, "{room} over its cap");
        }
    }
}

#[derive(Deserialize)]
struct RelayFrame<'a> {
    #[serde(borrow)]
    data: RelayData<'a>,
}

#[derive(Deserialize)]
struct RelayData<'a> {
    #[serde(borrow)]
    value: &'a RawValue,
}

/// A member as `welcome` and `members()` show it.
fn member(id: &str, p: &Peer) -> Value {
    let mut m = json!({"peer_id": id, "user_id": p.user, "host": p.host});
    if let Some(v) = p.version {
        m["version"] = json!(v);
    }
    m
}

fn parse_relay(text: &str) -> Relay {
    match protocol::parse(text, 64) {
        Ok(ClientMessage::Relay(relay)) => relay,
        other => panic!("{text}: {other:?}"),
    }
}

/// Read what is queued for `p` and match it frame by frame with the model.
fn drain(id: &str, p: &mut Peer) {
    let mut rx = p.mailbox.try_lock().expect("nothing else reads mailboxes here");
    while let Ok(text) = rx.try_recv() {
        let got: Value = serde_json::from_str(text.as_str()).expect("the server sends JSON");
        let Some(mut want) = p.expected.pop_front() else {
            panic!("peer {id} got an unexpected frame: {text}");
        };
        if want.learns_token {
            let token = got["data"]["resume_token"].as_str().unwrap_or_default().to_owned();
            assert!(token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "token {token:?}");
            want.json["data"]["resume_token"] = json!(token);
            p.token = Some(token);
        }
        assert_eq!(got, want.json, "peer {id}: got {text}");
        if let Some(raw) = want.raw_value {
            let frame: RelayFrame = serde_json::from_str(text.as_str()).unwrap();
            assert_eq!(frame.data.value.get(), raw, "value byte for byte");
        }
    }
    if let Some(missed) = p.expected.front() {
        panic!("peer {id} never got {} (and {} more)", missed.json, p.expected.len() - 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any sequence of joins, relays, exits, drops, resumes and expiries keeps
    /// each room's members in join order under its cap, and gives every peer
    /// exactly the notices and relays it should, once each, in order.
    #[test]
    fn registry_follows_the_model(ops in prop::collection::vec(op(), 1..=MAX_OPS)) {
        let mut world = World::new();
        for op in &ops {
            world.apply(op);
            world.check();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A member that never reads is cut off as `slow` once its queue is full,
    /// keeping exactly what fit; the members who read lose nothing.
    #[test]
    fn only_the_stalled_member_is_cut_off(
        queue in 0usize..8,
        stalled in prop::collection::vec(any::<bool>(), 2..=MAX_ROOM),
        senders in prop::collection::vec(any::<Index>(), 8..24),
    ) {
        let capacity = queue.max(2); // the registry's floor
        let readers = stalled.iter().filter(|s| !**s).count();
        let stuck = stalled.len() - readers;
        // A reader gets at most one relay plus one notice per stalled member in
        // one step; more than fits would cut it off too.
        prop_assume!(readers >= 1 && stuck >= 1 && stuck < capacity);
        // More relays (at least 8) than any queue (at most 7) holds: every
        // stalled member overflows.

        let registry = Registry::new(MAX_ROOM, queue);
        struct Member { at: Attached, stalled: bool, joined: usize, cut: Option<usize>, got: Vec<Value> }
        let mut members: Vec<Member> = Vec::new();
        // After each step: the readers read, and who was cut off is noted.
        let settle = |members: &mut Vec<Member>, step: usize| {
            for m in members.iter_mut() {
                if m.stalled {
                    m.cut = m.cut.or(m.at.kicked.borrow().map(|_| step));
                    continue;
                }
                let mut rx = m.at.mailbox.try_lock().unwrap();
                while let Ok(text) = rx.try_recv() {
                    m.got.push(serde_json::from_str(text.as_str()).unwrap());
                }
            }
        };
        for (step, stalled) in stalled.iter().enumerate() {
            let join = Join {
                user_id: format!("u{step}"),
                room_id: "r".into(),
                version: Some(1),
                passcode: None,
                resume: None,
                host_key: None,
                waiting_room: None,
            };
            let at = registry.join(&join).unwrap();
            members.push(Member { at, stalled: *stalled, joined: step, cut: None, got: Vec::new() });
            settle(&mut members, step);
        }
        let reader_ids: Vec<usize> = (0..members.len()).filter(|i| !members[*i].stalled).collect();
        let mut sent = Vec::new();
        for (n, pick) in senders.iter().enumerate() {
            let from = reader_ids[pick.index(reader_ids.len())];
            let relay = parse_relay(&format!(r#"{{"event":"message","data":{{"value":{n}}}}}"#));
            registry.relay(&members[from].at, &relay).unwrap();
            sent.push(from);
            settle(&mut members, stalled.len() + n);
        }

        // Stalled members in the order they were cut off.
        let mut cut: Vec<&Member> = members.iter().filter(|m| m.stalled).collect();
        cut.sort_by_key(|m| (m.cut, m.joined));
        for m in &cut {
            prop_assert!(m.cut.is_some(), "every stalled member overflows");
            prop_assert_eq!(*m.at.kicked.borrow(), Some(Kick::Slow));
            // What fit stays queued, welcome first, then the queue closed.
            let mut rx = m.at.mailbox.try_lock().unwrap();
            let held: Vec<Value> = std::iter::from_fn(|| rx.try_recv().ok())
                .map(|t| serde_json::from_str(t.as_str()).unwrap())
                .collect();
            prop_assert_eq!(held.len(), capacity);
            prop_assert_eq!(held[0]["event"].as_str(), Some("welcome"));
            prop_assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        }
        for (i, m) in members.iter().enumerate().filter(|(_, m)| !m.stalled) {
            prop_assert_eq!(*m.at.kicked.borrow(), None);
            prop_assert_eq!(m.got[0]["event"].as_str(), Some("welcome"));
            // Every relay from someone else, once, in order.
            let relays: Vec<u64> = m.got.iter().filter(|f| f["event"] == "message")
                .map(|f| f["data"]["value"].as_u64().unwrap()).collect();
            let want: Vec<u64> = (0..sent.len() as u64).filter(|n| sent[*n as usize] != i).collect();
            prop_assert_eq!(relays, want);
            // A `slow` exit for each stalled member cut off since it joined.
            let exits: Vec<&str> = m.got.iter().filter(|f| f["event"] == "exit_room").map(|f| {
                assert_eq!(f["data"]["reason"], "slow");
                f["data"]["peer_id"].as_str().unwrap()
            }).collect();
            let want: Vec<&str> = cut.iter().filter(|s| s.cut >= Some(m.joined))
                .map(|s| s.at.peer_id.as_str()).collect();
            prop_assert_eq!(exits, want);
            // Each notice's count follows the room as this reader saw it.
            let mut count = m.got[0]["data"]["count"].as_u64().unwrap();
            for f in &m.got[1..] {
                match f["event"].as_str() {
                    Some("join") => count += 1,
                    Some("exit_room") => count -= 1,
                    _ => continue,
                }
                prop_assert_eq!(f["data"]["count"].as_u64(), Some(count), "{}", f);
            }
        }
        let left: Vec<String> = registry.members("r").into_iter().map(|m| m.peer_id).collect();
        let readers: Vec<String> = reader_ids.iter().map(|i| members[*i].at.peer_id.clone()).collect();
        prop_assert_eq!(registry.stats().peers, readers.len());
        prop_assert_eq!(left, readers);
    }
}

/// A member's picture of its room, built from its `welcome` and the notices
/// after it; panics if a notice's `count` disagrees with that picture.
fn room_as_seen(at: &Attached) -> Vec<String> {
    let mut rx = at.mailbox.try_lock().unwrap();
    let frames: Vec<Value> = std::iter::from_fn(|| rx.try_recv().ok())
        .map(|t| serde_json::from_str(t.as_str()).unwrap())
        .collect();
    assert_eq!(frames.first().map(|f| &f["event"]), Some(&json!("welcome")), "welcome first: {frames:?}");
    let data = &frames[0]["data"];
    let mut seen: Vec<String> =
        data["members"].as_array().unwrap().iter().map(|m| m["peer_id"].as_str().unwrap().to_owned()).collect();
    seen.push(at.peer_id.clone());
    assert_eq!(data["count"].as_u64(), Some(seen.len() as u64), "{frames:?}");
    for f in &frames[1..] {
        let peer = f["data"]["peer_id"].as_str().unwrap_or_default().to_owned();
        match f["event"].as_str() {
            Some("join") => seen.push(peer),
            Some("exit_room") => seen.retain(|p| *p != peer),
            _ => continue,
        }
        assert_eq!(f["data"]["count"].as_u64(), Some(seen.len() as u64), "count out of order: {frames:?}");
    }
    seen
}

/// A join racing a leave and a relay on other threads still gets its
/// `welcome` first, and every member's picture of the room ends up true.
#[test]
fn concurrent_changes_reach_every_queue_in_order() {
    let join = |user: &str| Join {
        user_id: user.into(),
        room_id: "r".into(),
        version: Some(1),
        passcode: None,
        resume: None,
        host_key: None,
        waiting_room: None,
    };
    let hello = parse_relay(r#"{"event":"message","data":{"value":"hi"}}"#);
    // Enough rounds that an unordered registry fails nearly always on two
    // cores; on one core the threads rarely overlap and this proves little.
    for _ in 0..1000 {
        let registry = Arc::new(Registry::new(MAX_ROOM, 16));
        let sender = registry.join(&join("sender")).unwrap();
        let watcher = registry.join(&join("watcher")).unwrap();
        let leaver = registry.join(&join("leaver")).unwrap();
        let start = Arc::new(Barrier::new(3));
        let joining = thread::spawn({
            let (registry, start) = (registry.clone(), start.clone());
            move || {
                start.wait();
                registry.join(&join("joiner")).unwrap()
            }
        });
        let leaving = thread::spawn({
            let (registry, start) = (registry.clone(), start.clone());
            move || {
                start.wait();
                registry.leave(&leaver, LeaveReason::Left);
            }
        });
        start.wait();
        registry.relay(&sender, &hello).unwrap();
        let joiner = joining.join().unwrap();
        leaving.join().unwrap();

        let mut room: Vec<String> = registry.members("r").into_iter().map(|m| m.peer_id).collect();
        room.sort();
        for at in [&watcher, &joiner] {
            let mut seen = room_as_seen(at);
            seen.sort();
            assert_eq!(seen, room, "what {} was told", at.peer_id);
        }
    }
}
