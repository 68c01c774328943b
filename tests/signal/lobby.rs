//! Hosts and the waiting room: knocks, admit, deny, remove and lock, over
//! real sockets. Who is a host is stamped by the server: the room's creator,
//! or a join with the server's host key.

use std::time::Duration;

use lancall::signal::room::MAX_WAITING;
use lancall::signal::Config;
use serde_json::{json, Value};

use crate::support::{Client, TestServer};

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// A server whose rooms have a waiting room, with a host key.
async fn lobby_server() -> TestServer {
    TestServer::with(Config { waiting_room: true, host_key: Some(KEY.into()), ..Config::default() }).await
}

/// Send a join and return the first message it brings.
async fn join(c: &mut Client, data: Value) -> Value {
    c.send(json!({"event": "join", "data": data})).await;
    c.recv().await
}

/// A fresh connection that knocks at `room` as `user` (version 1); returns
/// its `waiting` data.
async fn knock(server: &TestServer, user: &str, room: &str) -> (Client, Value) {
    let mut c = server.client().await;
    let msg = join(&mut c, json!({"user_id": user, "room_id": room, "version": 1})).await;
    assert_eq!(msg["event"], "waiting", "{msg}");
    (c, msg["data"].clone())
}

/// A fresh connection that joins `room` with the host key.
async fn key_holder(server: &TestServer, user: &str, room: &str) -> (Client, Value) {
    let mut c = server.client().await;
    let msg = join(&mut c, json!({"user_id": user, "room_id": room, "version": 1, "host_key": KEY})).await;
    assert_eq!(msg["event"], "welcome", "{msg}");
    (c, msg["data"].clone())
}

/// The close frame's code and reason, skipping text frames before it.
async fn close_frame(c: &mut Client) -> (u16, String) {
    loop {
        match c.next_text(crate::support::PROMPT).await {
            Some(Ok(_)) => continue,
            Some(Err(Some(frame))) => return (u16::from(frame.code), frame.reason.to_string()),
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

const QUIET: Duration = Duration::from_millis(200);

/// A knocker waits (no welcome, no relays, cannot relay), the host hears the
/// knock; once admitted it gets the usual welcome with the id it was given
/// and the host the usual join.
#[tokio::test]
async fn knock_then_admit_gives_welcome_and_join() {
    let server = lobby_server().await;
    let (mut host, wh) = server.joined("Ann", "r").await;
    assert_eq!((&wh["host"], &wh["waiting_room"], &wh["locked"]), (&json!(true), &json!(true), &json!(false)));

    let (mut bao, waiting) = knock(&server, "Bao", "r").await;
    assert_eq!(waiting["room_id"], "r");
    assert_eq!(waiting["hosts"], 1);
    let id = waiting["peer_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 16);
    assert_eq!(host.expect("knock").await, json!({"peer_id": id, "user_id": "Bao"}));
    assert_eq!(server.shared().registry.members("r").len(), 1, "a knocker is not a member");

    // Waiting: it hears nothing of the room and cannot speak into it.
    host.send(json!({"event": "message", "data": {"value": "members only"}})).await;
    bao.expect_silence(QUIET).await;
    bao.send(json!({"event": "message", "data": {"value": "let me in"}})).await;
    bao.expect_error("not_joined").await;
    host.expect_silence(QUIET).await;

    host.send(json!({"event": "admit", "data": {"peer_id": id}})).await;
    assert_eq!(host.expect("knock_end").await, json!({"peer_id": id, "reason": "admitted"}));
    let notice = host.expect("join").await;
    assert_eq!((&notice["peer_id"], &notice["host"], &notice["count"]), (&json!(id), &json!(false), &json!(2)));
    let welcome = bao.expect("welcome").await;
    assert_eq!(welcome["peer_id"], id);
    assert_eq!((&welcome["host"], &welcome["waiting_room"]), (&json!(false), &json!(true)));
    assert_eq!(welcome["members"], json!([{"peer_id": wh["peer_id"], "user_id": "Ann", "version": 1, "host": true}]));
    // A member now: relays flow both ways.
    bao.send(json!({"event": "message", "data": {"value": "hi"}})).await;
    assert_eq!(host.expect("message").await["from"], id);
}

/// A denied knocker hears `denied`, keeps its socket and may join elsewhere;
/// after three denials in one room its knocks there are refused.
#[tokio::test]
async fn deny_turns_away_and_stops_knock_spam() {
    let server = lobby_server().await;
    let (mut host, _) = server.joined("Ann", "r").await;
    let (mut bao, waiting) = knock(&server, "Bao", "r").await;
    for round in 1..=3 {
        let id = if round == 1 {
            waiting["peer_id"].clone()
        } else {
            let msg = join(&mut bao, json!({"user_id": "Bao", "room_id": "r", "version": 1})).await;
            assert_eq!(msg["event"], "waiting", "round {round}: {msg}");
            msg["data"]["peer_id"].clone()
        };
        assert_eq!(host.expect("knock").await["peer_id"], id);
        host.send(json!({"event": "deny", "data": {"peer_id": id}})).await;
        assert_eq!(host.expect("knock_end").await, json!({"peer_id": id, "reason": "denied"}));
        assert_eq!(bao.expect("denied").await, json!({"room_id": "r"}));
    }
    bao.send(json!({"event": "join", "data": {"user_id": "Bao", "room_id": "r", "version": 1}})).await;
    let refusal = bao.expect_error("denied").await;
    assert_eq!(refusal["ref"], "join");
    host.expect_silence(QUIET).await;
    // The same socket can still make a room of its own.
    let welcome = bao.join_v1("Bao", "elsewhere").await;
    assert_eq!(welcome["host"], true);
}

/// `admit {all}` lets everyone waiting in, oldest first.
#[tokio::test]
async fn admit_all_lets_everyone_in() {
    let server = lobby_server().await;
    let (mut host, _) = server.joined("Ann", "r").await;
    let mut knockers = Vec::new();
    for name in ["Bao", "Chen", "Dana"] {
        let (c, w) = knock(&server, name, "r").await;
        assert_eq!(host.expect("knock").await["user_id"], name);
        knockers.push((c, w["peer_id"].clone()));
    }
    host.send(json!({"event": "admit", "data": {"all": true}})).await;
    for (_, id) in &knockers {
        assert_eq!(host.expect("knock_end").await, json!({"peer_id": id, "reason": "admitted"}));
        assert_eq!(host.expect("join").await["peer_id"], *id);
    }
    for (c, id) in &mut knockers {
        assert_eq!(c.expect("welcome").await["peer_id"], *id);
    }
    assert_eq!(server.shared().registry.members("r").len(), 4);
}

/// Every host hears every knock and how each ended, whoever answered it:
/// admitted, or left (the knocker exited, or its socket closed).
#[tokio::test]
async fn knock_end_reaches_every_host() {
    let server = lobby_server().await;
    let (mut ann, _) = server.joined("Ann", "r").await;
    let (mut kim, wk) = key_holder(&server, "Kim", "r").await;
    assert_eq!(wk["host"], true);
    assert_eq!(ann.expect("join").await["host"], true);

    let (_bao, w) = knock(&server, "Bao", "r").await;
    assert_eq!(w["hosts"], 2);
    let bao_id = w["peer_id"].clone();
    for h in [&mut ann, &mut kim] {
        assert_eq!(h.expect("knock").await["peer_id"], bao_id);
    }
    kim.send(json!({"event": "admit", "data": {"peer_id": bao_id}})).await;
    for h in [&mut ann, &mut kim] {
        assert_eq!(h.expect("knock_end").await, json!({"peer_id": bao_id, "reason": "admitted"}));
        assert_eq!(h.expect("join").await["peer_id"], bao_id);
    }

    let (mut chen, w) = knock(&server, "Chen", "r").await;
    let chen_id = w["peer_id"].clone();
    let (dana, w) = knock(&server, "Dana", "r").await;
    let dana_id = w["peer_id"].clone();
    chen.send(json!({"event": "exit"})).await;
    dana.close().await;
    for h in [&mut ann, &mut kim] {
        assert_eq!(h.expect("knock").await["peer_id"], chen_id);
        assert_eq!(h.expect("knock").await["peer_id"], dana_id);
        assert_eq!(h.expect("knock_end").await, json!({"peer_id": chen_id, "reason": "left"}));
        assert_eq!(h.expect("knock_end").await, json!({"peer_id": dana_id, "reason": "left"}));
    }
}

/// A host who comes in later (or when the last host has gone) hears one
/// knock for each one already waiting, oldest first; the knockers kept
/// waiting meanwhile.
#[tokio::test]
async fn late_host_hears_earlier_knocks() {
    let server = lobby_server().await;
    let (mut host, _) = server.joined("Ann", "r").await;
    let (_bao, wb) = knock(&server, "Bao", "r").await;
    let (_chen, wc) = knock(&server, "Chen", "r").await;
    host.send(json!({"event": "exit"})).await;
    server.wait_until("the host has left", |s| s.registry.members("r").is_empty()).await;
    let (_dana, wd) = knock(&server, "Dana", "r").await;
    assert_eq!(wd["hosts"], 0, "nobody to answer yet");

    let (mut kim, welcome) = key_holder(&server, "Kim", "r").await;
    assert_eq!(welcome["members"], json!([]));
    for w in [wb, wc, wd] {
        assert_eq!(kim.expect("knock").await["peer_id"], w["peer_id"]);
    }
}

/// Only hosts may give host commands: a member who is not, a knocker and a
/// connection in no room all get `not_host`, with the event as `ref`.
#[tokio::test]
async fn guests_commands_are_not_host() {
    let server = lobby_server().await;
    let (mut host, _) = server.joined("Ann", "r").await;
    let (mut bao, w) = knock(&server, "Bao", "r").await;
    let bao_id = w["peer_id"].clone();
    host.expect("knock").await;
    host.send(json!({"event": "admit", "data": {"peer_id": bao_id}})).await;
    bao.expect("welcome").await;
    let (mut chen, w) = knock(&server, "Chen", "r").await;
    let chen_id = w["peer_id"].clone();
    let mut stranger = server.client().await;
    let commands = [
        ("admit", json!({"peer_id": chen_id})),
        ("admit", json!({"all": true})),
        ("deny", json!({"peer_id": chen_id})),
        ("remove", json!({"peer_id": bao_id})),
        ("lock", json!({"locked": true})),
    ];
    for c in [&mut bao, &mut chen, &mut stranger] {
        for (event, data) in &commands {
            c.send(json!({"event": event, "data": data})).await;
            assert_eq!(c.expect_error("not_host").await["ref"], *event);
        }
    }
    // Nothing happened: Chen still waits, Bao is still in, the room is open.
    assert_eq!(server.shared().registry.members("r").len(), 2);
    let (mut dana, _) = knock(&server, "Dana", "r").await;
    dana.expect_silence(QUIET).await;
}

/// The host key makes a host who skips the waiting room; a wrong key makes
/// a guest who knocks, told nothing about the key, and counts as a wrong
/// passcode (too many close the socket).
#[tokio::test]
async fn host_key_is_host_and_wrong_key_is_guest() {
    let config = Config { waiting_room: true, host_key: Some(KEY.into()), passcode_attempts: 2, ..Config::default() };
    let server = TestServer::with(config).await;
    let (mut ann, _) = server.joined("Ann", "r").await;
    let (_kim, wk) = key_holder(&server, "Kim", "r").await;
    assert_eq!(wk["host"], true);
    assert_eq!(ann.expect("join").await["host"], true);

    let mut eve = server.client().await;
    let wrong = json!({"user_id": "Eve", "room_id": "r", "version": 1, "host_key": "ffffffffffffffffffffffffffffffff"});
    let msg = join(&mut eve, wrong.clone()).await;
    assert_eq!(msg["event"], "waiting", "a wrong key is a plain guest: {msg}");
    assert_eq!(ann.expect("knock").await["user_id"], "Eve");
    eve.send(json!({"event": "exit"})).await;
    assert_eq!(ann.expect("knock_end").await["reason"], "left");
    // The second wrong guess on this connection reaches the limit of 2: it
    // is closed, and its knock, made before, ends with it.
    eve.send(json!({"event": "join", "data": wrong})).await;
    assert_eq!(eve.expect_close().await, 1008);
    assert_eq!(ann.expect("knock").await["user_id"], "Eve");
    assert_eq!(ann.expect("knock_end").await["reason"], "left");
    server.wait_until("the knocker is gone", |s| s.stats().peers == 2).await;
}

/// Without a waiting room the creator is still the room's host; the others
/// join straight in, as guests, and a seed client's flow is unchanged.
#[tokio::test]
async fn creator_is_host_and_rooms_without_waiting_room_are_unchanged() {
    let server = TestServer::start().await;
    let (mut ann, wa) = server.joined("Ann", "r").await;
    assert_eq!((&wa["host"], &wa["waiting_room"]), (&json!(true), &json!(false)));
    let mut seed = server.client().await;
    let ws = seed.join_seed("张三", "r").await;
    assert_eq!(ws["host"], false);
    let notice = ann.expect("join").await;
    assert_eq!((&notice["user_id"], &notice["host"]), (&json!("张三"), &json!(false)));
    seed.send(json!({"event": "offer_sdp", "data": {"room_id": "r", "value": {"sdp": "v=0"}}})).await;
    assert_eq!(ann.expect("offer_sdp").await["value"], json!({"sdp": "v=0"}));
}

/// A seed client (no version) knocking at a waiting room waits like anyone
/// and, admitted, gets its welcome and can offer.
#[tokio::test]
async fn seed_client_waits_and_is_admitted() {
    let server = lobby_server().await;
    let (mut host, _) = server.joined("Ann", "1001").await;
    let mut seed = server.client().await;
    let msg = join(&mut seed, json!({"user_id": "张三", "room_id": "1001"})).await;
    assert_eq!(msg["event"], "waiting", "{msg}");
    let id = msg["data"]["peer_id"].clone();
    assert_eq!(host.expect("knock").await["user_id"], "张三");
    host.send(json!({"event": "admit", "data": {"peer_id": id}})).await;
    assert_eq!(seed.expect("welcome").await["peer_id"], id);
    host.expect("knock_end").await;
    host.expect("join").await;
    seed.send(json!({"event": "offer_sdp", "data": {"room_id": "1001", "value": "sdp"}})).await;
    assert_eq!(host.expect("offer_sdp").await["from"], id);
}

/// A creator may ask for a waiting room on a server without one; a later
/// joiner asking for one changes nothing.
#[tokio::test]
async fn creator_may_ask_for_a_waiting_room() {
    let server = TestServer::start().await;
    let mut ann = server.client().await;
    let w = join(&mut ann, json!({"user_id": "Ann", "room_id": "r", "version": 1, "waiting_room": true})).await;
    assert_eq!((&w["event"], &w["data"]["waiting_room"]), (&json!("welcome"), &json!(true)));
    let (_bao, _) = knock(&server, "Bao", "r").await;
    assert_eq!(ann.expect("knock").await["user_id"], "Bao");

    let (_cho, _) = server.joined("Cho", "open").await;
    let mut dan = server.client().await;
    let w = join(&mut dan, json!({"user_id": "Dan", "room_id": "open", "version": 1, "waiting_room": true})).await;
    assert_eq!((&w["event"], &w["data"]["waiting_room"]), (&json!("welcome"), &json!(false)));
}

/// A removed member hears `removed`, its socket is closed 1008 "removed by
/// the host", the others hear `exit_room` (removed), and its resume token is
/// refused from then on. Hosts can't be removed, nor can the host itself.
#[tokio::test]
async fn remove_closes_and_kills_the_resume_token() {
    let server = TestServer::with(Config { host_key: Some(KEY.into()), ..Config::default() }).await;
    let (mut ann, wa) = server.joined("Ann", "r").await;
    let (mut bao, wb) = server.joined("Bao", "r").await;
    let (mut chen, _) = server.joined("Chen", "r").await;
    let (_kim, wk) = key_holder(&server, "Kim", "r").await;
    for _ in 0..3 {
        ann.expect("join").await;
    }
    for _ in 0..2 {
        bao.expect("join").await;
    }
    chen.expect("join").await;

    for (id, code) in [(&wa["peer_id"], "not_allowed"), (&wk["peer_id"], "not_allowed"), (&json!("ffffffffffffffff"), "unknown_peer")] {
        ann.send(json!({"event": "remove", "data": {"peer_id": id}})).await;
        assert_eq!(ann.expect_error(code).await["ref"], "remove");
    }

    ann.send(json!({"event": "remove", "data": {"peer_id": wb["peer_id"]}})).await;
    assert_eq!(bao.expect("removed").await, json!({"room_id": "r"}));
    assert_eq!(close_frame(&mut bao).await, (1008, "removed by the host".to_owned()));
    for c in [&mut ann, &mut chen] {
        let exit = c.expect("exit_room").await;
        assert_eq!((&exit["peer_id"], &exit["reason"], &exit["count"]), (&wb["peer_id"], &json!("removed"), &json!(3)));
    }
    // No grace: gone at once, and its token can't bring it back.
    assert_eq!(server.shared().registry.members("r").len(), 3);
    let mut back = server.client().await;
    let resume = json!({"user_id": "Bao", "room_id": "r", "version": 1, "resume": wb["resume_token"]});
    back.send(json!({"event": "join", "data": resume})).await;
    assert_eq!(back.expect_error("removed").await["ref"], "join");
    ann.expect_silence(QUIET).await;
}

/// Locking tells every member who locked it; newcomers are refused
/// `room_locked` but a key holder still comes in; knockers already waiting
/// stay and can be admitted; unlocking lets newcomers knock again.
#[tokio::test]
async fn lock_refuses_newcomers_but_not_key_holders() {
    let server = lobby_server().await;
    let (mut ann, wa) = server.joined("Ann", "r").await;
    let (_bao, w) = knock(&server, "Bao", "r").await;
    let bao_id = w["peer_id"].clone();
    ann.expect("knock").await;

    ann.send(json!({"event": "lock", "data": {"locked": true}})).await;
    assert_eq!(ann.expect("locked").await, json!({"locked": true, "by": wa["peer_id"]}));
    let mut eve = server.client().await;
    eve.send(json!({"event": "join", "data": {"user_id": "Eve", "room_id": "r", "version": 1}})).await;
    assert_eq!(eve.expect_error("room_locked").await["ref"], "join");

    let (mut kim, wk) = key_holder(&server, "Kim", "r").await;
    assert_eq!(wk["locked"], true);
    assert_eq!(kim.expect("knock").await["peer_id"], bao_id, "the waiting knocker still waits");
    ann.expect("join").await;
    kim.send(json!({"event": "admit", "data": {"peer_id": bao_id}})).await;
    ann.expect("knock_end").await;
    assert_eq!(ann.expect("join").await["peer_id"], bao_id);

    kim.send(json!({"event": "lock", "data": {"locked": false}})).await;
    assert_eq!(ann.expect("locked").await, json!({"locked": false, "by": wk["peer_id"]}));
    let msg = join(&mut eve, json!({"user_id": "Eve", "room_id": "r", "version": 1})).await;
    assert_eq!(msg["event"], "waiting");
}

/// At most MAX_WAITING (16) wait at once in one room; the next is refused
/// `waiting_full`.
#[tokio::test]
async fn waiting_room_holds_sixteen() {
    let server = lobby_server().await;
    let (_ann, _) = server.joined("Ann", "r").await;
    assert_eq!(MAX_WAITING, 16);
    let mut waiting = Vec::new();
    for i in 0..MAX_WAITING {
        waiting.push(knock(&server, &format!("guest {i}"), "r").await.0);
    }
    let mut late = server.client().await;
    late.send(json!({"event": "join", "data": {"user_id": "late", "room_id": "r", "version": 1}})).await;
    late.expect_error("waiting_full").await;
    // One leaves: there is a place again.
    waiting.pop().unwrap().close().await;
    server.wait_until("a knocker has gone", |s| s.stats().peers == MAX_WAITING).await;
    let msg = join(&mut late, json!({"user_id": "late", "room_id": "r", "version": 1})).await;
    assert_eq!(msg["event"], "waiting");
}

/// Room size is checked when a host admits: a full room answers the host
/// `room_full` and the knocker keeps waiting until there is a place.
#[tokio::test]
async fn room_full_at_admit_time() {
    let config = Config { waiting_room: true, max_room_size: 2, ..Config::default() };
    let server = TestServer::with(config).await;
    let (mut ann, _) = server.joined("Ann", "r").await;
    let (mut bao, w) = knock(&server, "Bao", "r").await;
    let bao_id = w["peer_id"].clone();
    let (mut chen, w) = knock(&server, "Chen", "r").await;
    let chen_id = w["peer_id"].clone();
    ann.expect("knock").await;
    ann.expect("knock").await;
    ann.send(json!({"event": "admit", "data": {"all": true}})).await;
    // The error is the connection's own reply and may overtake the room's
    // notices: read all three, in any order.
    let mut got = Vec::new();
    for _ in 0..3 {
        let msg = ann.recv().await;
        got.push((msg["event"].as_str().unwrap().to_owned(), msg["data"]["peer_id"].clone(), msg["data"]["code"].clone()));
    }
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, [
        ("error".to_owned(), Value::Null, json!("room_full")),
        ("join".to_owned(), bao_id.clone(), Value::Null),
        ("knock_end".to_owned(), bao_id.clone(), Value::Null),
    ]);
    bao.expect("welcome").await;
    chen.expect_silence(QUIET).await;

    bao.send(json!({"event": "exit"})).await;
    ann.expect("exit_room").await;
    ann.send(json!({"event": "admit", "data": {"peer_id": chen_id}})).await;
    assert_eq!(chen.expect("welcome").await["peer_id"], chen_id);
}

/// A host that drops and resumes is still a host, and hears the knocks
/// waiting again after its welcome.
#[tokio::test]
async fn resumed_host_keeps_host_status() {
    let server = lobby_server().await;
    let (ann, wa) = server.joined("Ann", "r").await;
    let (_bao, w) = knock(&server, "Bao", "r").await;
    ann.close().await;
    let mut back = server.client().await;
    let resume = json!({"user_id": "Ann", "room_id": "r", "version": 1, "resume": wa["resume_token"]});
    back.send(json!({"event": "join", "data": resume})).await;
    // The knock queued while away, then the welcome, then the knocks again.
    let mut events = Vec::new();
    loop {
        let msg = back.recv().await;
        if msg["event"] == "welcome" {
            assert_eq!((&msg["data"]["resumed"], &msg["data"]["host"]), (&json!(true), &json!(true)));
            break;
        }
        events.push(msg["event"].clone());
    }
    assert!(events.iter().all(|e| e == "knock"), "{events:?}");
    assert_eq!(back.expect("knock").await["peer_id"], w["peer_id"]);
    back.send(json!({"event": "admit", "data": {"peer_id": w["peer_id"]}})).await;
    assert_eq!(back.expect("knock_end").await["reason"], "admitted");
}

/// Host commands of the wrong shape get a clear error and change nothing.
#[tokio::test]
async fn bad_host_commands_are_errors() {
    let server = lobby_server().await;
    let (mut ann, _) = server.joined("Ann", "r").await;
    for (text, code) in [
        (r#"{"event":"admit","data":{}}"#, "bad_message"),
        (r#"{"event":"admit","data":{"peer_id":"nobody"}}"#, "unknown_peer"),
        (r#"{"event":"deny","data":{"peer_id":"ffffffffffffffff"}}"#, "unknown_peer"),
        (r#"{"event":"lock","data":{"locked":1}}"#, "bad_message"),
        (r#"{"event":"remove"}"#, "bad_message"),
    ] {
        ann.send_text(text).await;
        ann.expect_error(code).await;
    }
    let (_bao, _) = knock(&server, "Bao", "r").await;
    assert_eq!(ann.expect("knock").await["user_id"], "Bao");
}
