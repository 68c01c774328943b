//! The command line: no subcommand opens the app; `host` and `join` open it
//! straight into a call; `serve` runs the signaling server headless.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::signal::{self, DEFAULT_PORT};

/// lancall: video calls on your LAN, with no internet and no accounts.
///
/// Run with no command to open the app, which can host a call or join one.
#[derive(Debug, Parser)]
#[command(name = "lancall", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Port the app's own call server tries first (the next free one is used
    /// if it is taken; 0 picks any).
    #[arg(long, global = false, default_value_t = DEFAULT_PORT)]
    pub port: u16,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the app and host a call: the call server starts on this machine
    /// (port 8070 or the next free one) and the window joins the room.
    Host(HostArgs),
    /// Open the app and join the call an invite link points at, e.g.
    /// `lancall join http://192.168.1.5:8070/#room=calm-otter-42`.
    Join(JoinArgs),
    /// Run the signaling server without a window, for an always-on host or a
    /// machine with no display. Browsers can join at the printed address.
    Serve(ServeArgs),
    /// List the lancall hosts announcing themselves on this LAN (mDNS), one
    /// JSON object per line as they are heard.
    Discover(DiscoverArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DiscoverArgs {
    /// Seconds to listen before exiting.
    #[arg(long, value_name = "SECS", default_value_t = 3.0, value_parser = positive_secs)]
    pub timeout: f64,
}

#[derive(Debug, Clone, Args)]
pub struct HostArgs {
    /// Room to host; a name easy to say aloud is made up if none is given.
    #[arg(long, short, value_parser = room_id)]
    pub room: Option<String>,
    /// Port to try first; the next free one is used if it is taken.
    #[arg(long, short, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Your name in the call (else the one saved in the app).
    #[arg(long)]
    pub name: Option<String>,
    /// Let guests straight in. By default they wait until a host (this
    /// window) admits them.
    #[arg(long)]
    pub no_waiting_room: bool,
}

#[derive(Debug, Clone, Args)]
pub struct JoinArgs {
    /// The invite link (http://HOST:PORT/#room=ROOM), or HOST:PORT/ROOM.
    #[arg(value_name = "INVITE_LINK")]
    pub invite: String,
    /// Your name in the call (else the link's or the one saved in the app).
    #[arg(long)]
    pub name: Option<String>,
}

fn room_id(s: &str) -> Result<String, String> {
    let room = s.trim();
    signal::protocol::validate_room_id(room, 64).map_err(|e| e.to_string())?;
    Ok(room.to_owned())
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on. The default, 0.0.0.0, accepts calls from the
    /// whole LAN; 127.0.0.1 keeps the server to this machine.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
    pub bind: IpAddr,
    /// Port to listen on; 8070 is the one the original seed page expects.
    /// 0 picks a free port (printed in the banner).
    #[arg(long, short, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Also accept sockets from pages of this origin (e.g.
    /// http://192.168.1.5:3000); repeat for more, or `*` for any. The app's
    /// own pages, this server's pages and non-browser clients are always allowed.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,
    /// Most people in one room (a full mesh: each sends video to every other).
    #[arg(long, default_value_t = defaults().max_room_size as u16, value_parser = clap::value_parser!(u16).range(2..=64))]
    pub max_room_size: u16,
    /// Most WebSocket connections at once; further ones are told the server is full.
    #[arg(long, default_value_t = defaults().max_connections)]
    pub max_connections: usize,
    /// Largest message accepted, in bytes; larger closes the socket (code 1009).
    #[arg(long, default_value_t = defaults().max_frame_bytes)]
    pub max_frame_bytes: usize,
    /// Messages per second one connection may send, sustained.
    #[arg(long, default_value_t = defaults().rate_per_sec)]
    pub rate: u32,
    /// Seconds of silence (no frame, not even a pong) before a peer is dropped
    /// and its room told.
    #[arg(long, value_name = "SECS", default_value_t = defaults().idle_timeout.as_secs_f64(), value_parser = positive_secs)]
    pub idle_timeout: f64,
    /// Seconds between the server's pings.
    #[arg(long, value_name = "SECS", default_value_t = defaults().ping_interval.as_secs_f64(), value_parser = positive_secs)]
    pub ping_interval: f64,
    /// Seconds a dropped peer keeps its place, waiting to resume.
    #[arg(long, value_name = "SECS", default_value_t = defaults().resume_grace.as_secs_f64(), value_parser = positive_secs)]
    pub resume_grace: f64,
    /// Announce this server on the LAN over mDNS (`_lancall._tcp`), so the
    /// app's join screen and `lancall discover` list it. Room names are not announced.
    #[arg(long)]
    pub advertise: bool,
    /// The host name shown to others with --advertise (default: this machine's name).
    #[arg(long, requires = "advertise")]
    pub name: Option<String>,
    /// Also serve HTTPS and WSS on the same port, so browsers on the LAN may
    /// use the camera. The certificate is self-signed, made on first run and
    /// kept; its fingerprint is printed for guests to compare.
    #[arg(long)]
    pub https: bool,
    /// Folder for the certificate (default: the app's config folder).
    #[arg(long, value_name = "DIR", requires = "https")]
    pub cert_dir: Option<std::path::PathBuf>,
    /// Give every room a waiting room: newcomers wait until the room's host
    /// (whoever made it) admits them. Off by default.
    #[arg(long)]
    pub waiting_room: bool,
}

/// The server's own defaults: the flags show them and leave them be.
fn defaults() -> signal::Config {
    signal::Config::default()
}

fn positive_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds between 0 and 86400")),
    }
}

impl ServeArgs {
    pub fn config(&self) -> signal::Config {
        signal::Config {
            max_room_size: usize::from(self.max_room_size),
            max_connections: self.max_connections,
            max_frame_bytes: self.max_frame_bytes,
            rate_per_sec: self.rate,
            idle_timeout: Duration::from_secs_f64(self.idle_timeout),
            ping_interval: Duration::from_secs_f64(self.ping_interval),
            resume_grace: Duration::from_secs_f64(self.resume_grace),
            allowed_origins: self.allow_origin.clone(),
            waiting_room: self.waiting_room,
            ..signal::Config::default()
        }
    }
}

/// Parse the command line and run what it asks for.
pub fn main() -> ExitCode {
    attach_console();
    // A clicked invite: the OS starts `lancall LINK` (the .desktop file's
    // `%u`, the Windows registry's `"%1"`), the link as the only argument.
    #[cfg(feature = "app")]
    if let Some(link) = lone_link(std::env::args_os().skip(1)) {
        let launch = crate::app::handoff::link_launch(&link);
        if let crate::app::Launch::BadLink { problem } = &launch {
            eprintln!("lancall: {problem}");
        }
        return crate::app::run(launch, DEFAULT_PORT, forwarded_launch);
    }
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Discover(args)) => discover(args),
        #[cfg(feature = "app")]
        Some(Command::Host(_) | Command::Join(_)) => {
            // `host --port` is where hosting starts; for `join`, the global `--port`.
            let port = match &cli.command {
                Some(Command::Host(args)) => args.port,
                _ => cli.port,
            };
            match window_launch(&cli) {
                Some(Ok(launch)) => crate::app::run(launch, port, forwarded_launch),
                Some(Err(e)) => {
                    eprintln!("lancall join: {e}");
                    ExitCode::from(2)
                }
                None => ExitCode::FAILURE,
            }
        }
        #[cfg(feature = "app")]
        None => crate::app::run(crate::app::Launch::Lobby { name: None }, cli.port, forwarded_launch),
        #[cfg(not(feature = "app"))]
        Some(Command::Host(_) | Command::Join(_)) | None => {
            eprintln!("lancall: this build has no window (built without the `app` feature); run `lancall serve`.");
            ExitCode::from(2)
        }
    }
}

/// The link, if the arguments are one `lancall:` link and nothing else.
#[cfg(feature = "app")]
fn lone_link<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(args: I) -> Option<String> {
    let mut args = args.into_iter();
    let first = args.next()?;
    let link = first.as_ref().to_string_lossy();
    (args.next().is_none() && crate::app::deep_link::is_link(&link)).then(|| link.into_owned())
}

/// The window's launch for `host` and `join`; None for the other commands,
/// an error for an invite that can't be used.
#[cfg(feature = "app")]
fn window_launch(cli: &Cli) -> Option<Result<crate::app::Launch, crate::app::launch::InviteError>> {
    use crate::app::Launch;
    match &cli.command {
        Some(Command::Host(args)) => Some(Ok(Launch::Host {
            room: args.room.clone().unwrap_or_else(signal::room_name::spoken),
            name: args.name.clone(),
            waiting_room: !args.no_waiting_room,
        })),
        Some(Command::Join(args)) => Some(crate::app::launch::parse_invite(&args.invite).map(|invite| Launch::Join {
            host: invite.host,
            room: invite.room,
            name: args.name.clone().or(invite.name),
        })),
        _ => None,
    }
}

/// What a second `lancall …` started while the app runs asks of the running
/// one (the single-instance plugin hands over its arguments, program name
/// first): a link or `join`/`host` as if given at start; None for plain
/// `lancall`, which only brings the window forward. Arguments it can't
/// parse give None too: the second process already said why on its own
/// command line before it got this far.
#[cfg(feature = "app")]
pub fn forwarded_launch(args: &[String]) -> Option<crate::app::Launch> {
    if let Some(link) = lone_link(args.iter().skip(1)) {
        return Some(crate::app::handoff::link_launch(&link));
    }
    window_launch(&Cli::try_parse_from(args).ok()?)?.ok()
}

fn serve(args: ServeArgs) -> ExitCode {
    crate::logging::init();
    raise_open_file_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lancall serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let signals = match crate::shutdown::StopSignals::install() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("lancall serve: cannot watch for Ctrl-C and SIGTERM: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut config = args.config();
        if args.https {
            match args.cert_dir.clone().or_else(signal::tls::default_dir).map(|d| signal::tls::TlsIdentity::load_or_create(&d)) {
                Some(Ok(tls)) => config.tls = Some(tls),
                Some(Err(e)) => {
                    eprintln!("lancall serve: {e}");
                    return ExitCode::FAILURE;
                }
                None => {
                    eprintln!("lancall serve: no config folder for the certificate; name one with --cert-dir");
                    return ExitCode::FAILURE;
                }
            }
        }
        let addr = SocketAddr::new(args.bind, args.port);
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("lancall serve: cannot listen on {addr}: {e}");
                if e.kind() == std::io::ErrorKind::AddrInUse {
                    eprintln!("Another program uses port {}; pick another with --port.", args.port);
                }
                return ExitCode::FAILURE;
            }
        };
        let local = listener.local_addr().unwrap_or(addr);
        println!("{}", signal::banner::listening(local));
        if let Some(tls) = &config.tls {
            println!("{}", signal::banner::https(local, tls));
        }
        // Announced only once listening; withdrawn when this is dropped, after the server stops.
        let _advertiser = if args.advertise {
            let name = args.name.clone().unwrap_or_else(crate::discovery::machine_name);
            match crate::discovery::Advertiser::start(&name, local.port(), config.tls.is_some()) {
                Ok(advertiser) => Some(advertiser),
                Err(e) => {
                    eprintln!("lancall serve: cannot announce on the LAN: {e}");
                    return ExitCode::FAILURE;
                }
            }
        } else {
            None
        };
        let stopped = signal::run(listener, config, signals.recv()).await;
        crate::shutdown::StopSignals::finished();
        match stopped {
            Ok(()) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("lancall serve: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// `lancall discover`: every host heard within the timeout, one JSON line
/// each as it comes (and a `lost` line when one goes).
fn discover(args: DiscoverArgs) -> ExitCode {
    crate::logging::init();
    let mut browser = match crate::discovery::Browser::start() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("lancall discover: {e}");
            return ExitCode::FAILURE;
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs_f64(args.timeout);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        let Some(change) = browser.next_timeout(left) else { break };
        if let Ok(line) = serde_json::to_string(&change) {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                break; // nobody reads any more
            }
        }
    }
    ExitCode::SUCCESS
}

/// Each socket is a file; the usual soft limit of 1024 would cap a busy host
/// far below `--max-connections`.
fn raise_open_file_limit() {
    #[cfg(unix)]
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// A release build on Windows is a GUI program (no console window behind
/// the app, see main.rs), so Windows gives it no console even when started
/// from one: borrow the parent's, if there is one, so `lancall serve`,
/// `--version` and `--help` print there and Ctrl-C reaches us. Output sent
/// to a file or a pipe already has somewhere to go and is left alone;
/// started from the Start menu there is no parent console and this does
/// nothing.
fn attach_console() {
    #[cfg(all(windows, not(debug_assertions)))]
    // SAFETY: plain Win32 calls with constants; failure (no parent console,
    // or one already attached) leaves things as they were.
    unsafe {
        use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
        use windows_sys::Win32::System::Console::{AttachConsole, GetStdHandle, ATTACH_PARENT_PROCESS, STD_OUTPUT_HANDLE};
        let out = GetStdHandle(STD_OUTPUT_HANDLE);
        if out.is_null() || out == INVALID_HANDLE_VALUE {
            AttachConsole(ATTACH_PARENT_PROCESS);
        }
    }
}

#[cfg(all(test, feature = "app"))]
mod tests {
    use super::*;

    /// A second start's arguments become the launch they would have been at start.
    #[test]
    fn second_start_arguments() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(forwarded_launch(&args(&["lancall"])), None);
        assert_eq!(
            forwarded_launch(&args(&["lancall", "lancall://join?host=h:1&room=r&name=A"])),
            Some(crate::app::Launch::Join { host: "h:1".into(), room: "r".into(), name: Some("A".into()) })
        );
        assert!(matches!(forwarded_launch(&args(&["/usr/bin/lancall", "lancall://nope"])), Some(crate::app::Launch::BadLink { .. })));
        assert_eq!(
            forwarded_launch(&args(&["lancall", "join", "http://h:1/#room=r", "--name", "B"])),
            Some(crate::app::Launch::Join { host: "h:1".into(), room: "r".into(), name: Some("B".into()) })
        );
        assert!(matches!(forwarded_launch(&args(&["lancall", "host", "--room", "x"])), Some(crate::app::Launch::Host { .. })));
        assert_eq!(forwarded_launch(&args(&["lancall", "join", "nonsense"])), None);
        assert_eq!(forwarded_launch(&args(&["lancall", "--bogus"])), None);
        // A link beside other arguments is not a click on a link.
        assert_eq!(forwarded_launch(&args(&["lancall", "lancall://join?host=h:1&room=r", "x"])), None);
    }
}
