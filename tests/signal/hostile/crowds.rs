//! Too many at once: thousands of idle sockets up to the connection cap and
//! one more, and join storms into one room.

use std::time::Duration;

use futures_util::future::join_all;
use lancall::signal::Config;
use serde_json::json;

use crate::support::{raise_fd_limit, Client, Honest, TestServer};

const CAP: usize = 2_000;

/// Connect `n` clients, `batch` at a time.
async fn connect_many(url: &str, n: usize, batch: usize) -> Vec<Client> {
    let mut all = Vec::with_capacity(n);
    while all.len() < n {
        let k = batch.min(n - all.len());
        all.extend(join_all((0..k).map(|_| Client::connect(url))).await);
    }
    all
}

/// Two thousand sockets that connect and say nothing fill the server to its
/// cap; the next one is told `server_full` and closed with 1013, the honest
/// room among them still talks, and when one idle socket goes a newcomer
/// gets its place.
#[tokio::test]
async fn idle_sockets_up_to_the_cap_and_one_more() {
    // Both ends of every socket live in this process.
    let fds = raise_fd_limit(3 * CAP as u64 + 500);
    assert!(fds >= 2 * CAP as u64 + 200, "need {} open files, have {fds}", 2 * CAP + 200);
    let server = TestServer::with(Config { max_connections: CAP, ..Config::default() }).await;
    let mut honest = Honest::start(&server).await;
    let mut idle = connect_many(&server.ws_url(), CAP - 2, 100).await;
    server.wait_until("the server is full", |s| s.connections() == CAP).await;
    honest.still_relay().await;

    let mut one_more = server.client().await;
    one_more.expect_error("server_full").await;
    assert_eq!(one_more.expect_close().await, 1013);
    assert_eq!(server.shared().connections(), CAP);
    honest.still_relay().await;

    idle.pop().expect("an idle socket").close().await;
    server.wait_until("a place is free", |s| s.connections() == CAP - 1).await;
    let mut newcomer = server.client().await;
    newcomer.join_v1("newcomer", "new").await;
    honest.still_relay().await;
    drop(idle);
    server.wait_until("the idle sockets are gone", |s| s.connections() == 3).await;
}

/// Join all `clients` to `room` at once; returns how many were admitted
/// and the clients with their answers.
async fn storm(clients: Vec<Client>, room: &str) -> (usize, Vec<Client>) {
    let joins = clients.into_iter().enumerate().map(|(i, mut c)| {
        let room = room.to_owned();
        tokio::spawn(async move {
            c.send(json!({"event": "join", "data": {"user_id": format!("storm{i}"), "room_id": room, "version": 1}}))
                .await;
            let answer = c.recv().await;
            let admitted = match answer["event"].as_str() {
                Some("welcome") => true,
                Some("error") => {
                    assert_eq!(answer["data"]["code"], "room_full", "{answer}");
                    false
                }
                _ => panic!("storm join answered {answer}"),
            };
            (admitted, c)
        })
    });
    let results: Vec<(bool, Client)> = join_all(joins).await.into_iter().map(|r| r.expect("join task")).collect();
    let admitted = results.iter().filter(|(ok, _)| *ok).count();
    (admitted, results.into_iter().map(|(_, c)| c).collect())
}

/// Three hundred clients joining one room at the same moment: exactly the
/// room's size get in and the rest hear `room_full`; the room's member list
/// and the server's counts agree.
#[tokio::test]
async fn join_storm_into_one_room() {
    // In process even beside an external server: it reads the member list.
    let server = TestServer::with(Config::default()).await;
    let mut honest = Honest::start(&server).await;
    let clients = connect_many(&server.ws_url(), 300, 100).await;
    let (admitted, _clients) = storm(clients, "storm").await;
    let max = Config::default().max_room_size;
    assert_eq!(admitted, max);
    assert_eq!(server.shared().registry.members("storm").len(), max);
    assert_eq!(server.shared().stats().peers, max + 2);
    honest.still_relay().await;
}

/// A storm into the honest room itself fills its free places and no more:
/// each honest peer hears exactly that many `join` notices, then talks on.
#[tokio::test]
async fn join_storm_into_a_live_room() {
    let server = TestServer::start().await;
    let mut honest = Honest::start(&server).await;
    let clients = connect_many(&server.ws_url(), 100, 100).await;
    let (admitted, _clients) = storm(clients, "honest").await;
    let free = Config::default().max_room_size - 2;
    assert_eq!(admitted, free);
    for peer in [&mut honest.a, &mut honest.b] {
        for n in 0..free {
            let join = peer.expect("join").await;
            assert_eq!(join["count"], 3 + n, "{join}");
        }
        peer.expect_silence(Duration::from_millis(100)).await;
    }
    // The newcomers hear the relays too; the honest pair still hear each other.
    honest.still_relay().await;
}
