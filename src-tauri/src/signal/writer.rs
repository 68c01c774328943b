//! The writing half of a connection: everything it sends goes out here, in
//! order — its own replies first, then its peer's queue — with pings on a
//! timer and a close frame when the reader says so.

use std::future::pending;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::{mpsc, watch};
use tokio::time::{interval, MissedTickBehavior};

use super::room::Mailbox;

/// Most queued messages written before one flush.
const WRITE_BATCH: usize = 64;

/// Writes everything this connection sends, in order: its own replies first,
/// then its peer's queue; pings on a timer; a close frame when told.
pub async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut replies: mpsc::Receiver<Utf8Bytes>,
    mut mailbox: watch::Receiver<Option<Mailbox>>,
    mut closing: watch::Receiver<Option<CloseFrame>>,
    shutdown: tokio_util::sync::CancellationToken,
    farewell: Option<CloseFrame>,
    ping_every: Duration,
) {
    let mut ping = interval(ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        let current = mailbox.borrow_and_update().clone();
        // Waits only while a resumed peer's old writer still holds its queue.
        let mut queue = match current {
            Some(m) => tokio::select! {
                q = m.lock_owned() => Some(q),
                _ = shutdown.cancelled() => None,
            },
            None => None,
        };
        loop {
            let message = tokio::select! {
                biased;
                _ = closing.changed() => {
                    let frame = closing.borrow().clone();
                    if let Some(frame) = frame {
                        // Last words first (an error, `removed`): a few at most.
                        while let Ok(text) = replies.try_recv() {
                            if sink.feed(Message::Text(text)).await.is_err() {
                                return;
                            }
                        }
                        let _ = sink.send(Message::Close(Some(frame))).await;
                    }
                    return;
                }
                _ = shutdown.cancelled() => {
                    let _ = sink.send(Message::Close(farewell)).await;
                    return;
                }
                Some(text) = replies.recv() => Message::Text(text),
                changed = mailbox.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    break;
                }
                Some(text) = recv_queue(&mut queue) => Message::Text(text),
                _ = ping.tick() => Message::Ping(Default::default()),
            };
            // Under load several messages wait: write them in one go, one
            // flush (one syscall) for the batch instead of one each.
            if sink.feed(message).await.is_err() {
                return;
            }
            if let Some(q) = queue.as_mut() {
                for _ in 1..WRITE_BATCH {
                    let Ok(text) = q.try_recv() else { break };
                    if sink.feed(Message::Text(text)).await.is_err() {
                        return;
                    }
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    }
}

async fn recv_queue(
    queue: &mut Option<tokio::sync::OwnedMutexGuard<mpsc::Receiver<Utf8Bytes>>>,
) -> Option<Utf8Bytes> {
    match queue {
        Some(q) => q.recv().await,
        None => pending().await,
    }
}
