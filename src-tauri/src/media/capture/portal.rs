//! The xdg-desktop-portal ScreenCast portal: the system's own picker of a
//! monitor or a window (Wayland desktops, and X11 desktops whose portal has
//! a ScreenCast backend), through the `ashpd` crate.
//!
//! A share is one portal session: create it, select sources (monitor and
//! window, one of them, the cursor drawn into the picture, persisted so a
//! restore token comes back), start it (the picker shows here, unless a
//! restore token from an earlier share lets the portal skip it), then open
//! the PipeWire remote. The fd and the stream's node id go to
//! `pipewiresrc` ([`super::ScreenSource::PipeWire`]). The [`Cast`] keeps
//! the session and the fd for the share's life; [`Cast::closed`] resolves
//! when the portal ends the session (the person stopped it from the
//! system's own control), and [`Cast::close`] ends it from our side.
//!
//! Everything here is async D-Bus on the caller's tokio runtime (zbus's
//! tokio feature): nothing blocks a thread while the person picks.

use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use ashpd::desktop::screencast::{CursorMode, Screencast, SelectSourcesOptions, SourceType};
use ashpd::desktop::{PersistMode, ResponseError, Session};
use futures_util::StreamExt;

use super::ScreenSource;
use crate::media::error::{Error, Result};

/// How long the session bus and the portal have to answer whether there is
/// a ScreenCast portal at all. A bus that activates the portal service on
/// first use answers within a second or two; one that hangs must not keep
/// the person waiting for the ximagesrc fallback.
const DETECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The ScreenCast portal of a session bus, once it answered.
pub struct Portal {
    proxy: Screencast,
    /// The source types its backend offers (xdg-desktop-portal-wlr: monitors only).
    types: ashpd::enumflags2::BitFlags<SourceType>,
}

impl Portal {
    /// The ScreenCast portal on the session bus of this process
    /// (`DBUS_SESSION_BUS_ADDRESS`), or None where no bus or no portal with
    /// a ScreenCast backend answers (a bare X11 session, Xvfb in tests):
    /// why is logged.
    pub async fn detect() -> Option<Portal> {
        let found = tokio::time::timeout(DETECT_TIMEOUT, async {
            let connection = ashpd::zbus::Connection::session().await.map_err(|e| format!("no session bus: {e}"))?;
            Portal::on(connection).await.map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|_| Err(format!("no answer in {} s", DETECT_TIMEOUT.as_secs())));
        match found {
            Ok(portal) => Some(portal),
            Err(why) => {
                tracing::info!(%why, "no ScreenCast portal: the screen is shared through ximagesrc");
                None
            }
        }
    }

    /// The ScreenCast portal on `connection`: it must answer for its
    /// source types (a bus where the portal service lacks a ScreenCast
    /// backend says it has no such interface).
    pub async fn on(connection: ashpd::zbus::Connection) -> Result<Portal> {
        let proxy = Screencast::with_connection(connection).await.map_err(portal_error)?;
        let types = proxy.available_source_types().await.map_err(portal_error)?;
        if types.is_empty() {
            return Err(Error::Portal("the ScreenCast portal offers no source types".into()));
        }
        Ok(Portal { proxy, types })
    }

    /// Ask for one monitor or window (with `restore`, the one picked last
    /// time, where the portal still allows it). The person cancelling the
    /// picker is [`Error::Cancelled`].
    pub async fn cast(self, restore: Option<&str>) -> Result<Cast> {
        let Portal { proxy, types } = self;
        let session = proxy.create_session(Default::default()).await.map_err(portal_error)?;
        let opened = async {
            let wanted = (SourceType::Monitor | SourceType::Window) & types;
            let options = SelectSourcesOptions::default()
                .set_cursor_mode(CursorMode::Embedded)
                .set_sources(if wanted.is_empty() { types } else { wanted })
                .set_multiple(false)
                .set_persist_mode(PersistMode::ExplicitlyRevoked)
                .set_restore_token(restore);
            proxy.select_sources(&session, options).await.and_then(|r| r.response()).map_err(portal_error)?;
            let streams = proxy.start(&session, None, Default::default()).await.and_then(|r| r.response()).map_err(portal_error)?;
            let stream = streams.streams().first().ok_or_else(|| Error::Portal("the portal started no stream".into()))?;
            let node = stream.pipe_wire_node_id();
            let token = streams.restore_token().map(str::to_owned);
            let fd = proxy.open_pipe_wire_remote(&session, Default::default()).await.map_err(portal_error)?;
            Ok::<_, Error>((fd, node, token))
        }
        .await;
        match opened {
            Ok((fd, node, token)) => Ok(Cast { _proxy: proxy, session, fd, node, token }),
            Err(e) => {
                // A session the person cancelled is closed by the portal
                // already; closing again only fails quietly.
                let _ = session.close().await;
                Err(e)
            }
        }
    }
}

/// A started portal share: the session and the PipeWire fd, kept open for
/// the share's life.
pub struct Cast {
    /// The proxy the session was made through (its connection carries the session).
    _proxy: Screencast,
    session: Session<Screencast>,
    fd: OwnedFd,
    node: u32,
    token: Option<String>,
}

impl Cast {
    /// What `pipewiresrc` reads: this share's PipeWire remote and stream.
    pub fn source(&self) -> ScreenSource {
        ScreenSource::PipeWire { fd: self.fd.as_raw_fd(), node: self.node }
    }

    /// The token that lets the next share skip the picker (None: the
    /// portal gave none, as a portal before version 4 does).
    pub fn restore_token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Resolves when the portal closes the session (the person stopped the
    /// share from the system's control, the compositor ended it). Never
    /// resolves while the share goes on.
    pub async fn closed(&self) {
        match self.session.receive_closed().await {
            Ok(mut closed) => {
                closed.next().await;
            }
            Err(e) => {
                tracing::warn!(cause = %e, "can't watch the portal session; its end is seen by the stream alone");
                std::future::pending::<()>().await;
            }
        }
    }

    /// End the session (the portal stops the stream); the fd closes when
    /// the `Cast` goes.
    pub async fn close(self) {
        if let Err(e) = self.session.close().await {
            tracing::debug!(cause = %e, "closing the portal session");
        }
    }
}

/// ashpd's errors as the engine's: a cancelled or refused request is the
/// person's choice, not a failure.
fn portal_error(e: ashpd::Error) -> Error {
    match e {
        ashpd::Error::Response(ResponseError::Cancelled) => Error::Cancelled,
        // Response code 2: the portal ended the request some other way
        // (xdg-desktop-portal-wlr's chooser failing, a backend error).
        ashpd::Error::Response(ResponseError::Other) => Error::Portal("the portal did not start the share".into()),
        other => Error::Portal(other.to_string()),
    }
}
