//! The host's own TLS identity, so browser guests on the LAN get a secure
//! origin (browsers give the camera only to `https://` pages and localhost).
//!
//! A self-signed certificate (ECDSA P-256) is made on first use and kept as
//! PEM in a folder the caller names (the app's config folder, or `lancall
//! serve --cert-dir`), so its fingerprint stays the same from run to run and
//! a guest who checked it once can recognise it. Its names are this
//! machine's LAN addresses when it was made, `localhost` and `127.0.0.1`;
//! browsers warn about any self-signed certificate anyway, which is why the
//! host shows the SHA-256 fingerprint for guests to compare.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// File names inside the folder the caller gives.
pub const CERT_FILE: &str = "lancall-cert.pem";
pub const KEY_FILE: &str = "lancall-key.pem";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read or write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is not a usable PEM certificate or key; delete it to make a new one")]
    BadPem { path: PathBuf },
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the certificate and key do not make a TLS server: {0}")]
    Rustls(#[from] rustls::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A certificate and its key, ready to serve.
#[derive(Clone)]
pub struct TlsIdentity {
    cert: CertificateDer<'static>,
    fingerprint: String,
    server: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// The identity kept in `dir`, made (and the folder too) if it has none.
    pub fn load_or_create(dir: &Path) -> Result<TlsIdentity> {
        let cert_path = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        if cert_path.exists() && key_path.exists() {
            let cert_pem = read(&cert_path)?;
            let key_pem = read(&key_path)?;
            return Self::from_pem(&cert_pem, &key_pem, &cert_path);
        }
        let (cert_pem, key_pem) = generate_pem()?;
        fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        write_private(&key_path, &key_pem)?;
        fs::write(&cert_path, &cert_pem).map_err(|source| Error::Io { path: cert_path.clone(), source })?;
        tracing::info!(path = %cert_path.display(), "made a new TLS certificate");
        Self::from_pem(&cert_pem, &key_pem, &cert_path)
    }

    /// A fresh identity kept nowhere (tests, one-off runs).
    pub fn ephemeral() -> Result<TlsIdentity> {
        let (cert_pem, key_pem) = generate_pem()?;
        Self::from_pem(&cert_pem, &key_pem, Path::new("(memory)"))
    }

    fn from_pem(cert_pem: &str, key_pem: &str, path: &Path) -> Result<TlsIdentity> {
        let bad = || Error::BadPem { path: path.to_owned() };
        let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes()).map_err(|_| bad())?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| bad())?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)?;
        // Browsers speak HTTP/1.1 to us (the server has no HTTP/2), and the
        // WebSocket upgrade needs it.
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsIdentity { fingerprint: fingerprint(&cert), cert, server: Arc::new(server) })
    }

    /// SHA-256 of the certificate (DER), as browsers show it:
    /// `AB:CD:…` (32 pairs of upper-case hex digits).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The certificate, DER-encoded.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert
    }

    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server.clone()
    }
}

fn fingerprint(cert: &CertificateDer<'_>) -> String {
    let digest = Sha256::digest(cert.as_ref());
    digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// A self-signed certificate for this machine, as PEM (certificate, key).
fn generate_pem() -> Result<(String, String)> {
    let mut names: Vec<String> = super::lan::addresses().iter().map(ToString::to_string).collect();
    names.extend(["localhost".to_owned(), "127.0.0.1".to_owned()]);
    names.dedup();
    let mut params = rcgen::CertificateParams::new(names)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "lancall host (self-signed)");
    params.distinguished_name.push(rcgen::DnType::OrganizationName, "lancall");
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })
}

/// The key is readable by its owner only.
fn write_private(path: &Path, pem: &str) -> Result<()> {
    let io_err = |source| Error::Io { path: path.to_owned(), source };
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_err)?;
    io::Write::write_all(&mut file, pem.as_bytes()).map_err(io_err)
}

/// Where `lancall serve --https` keeps its certificate when no `--cert-dir`
/// is given: the desktop app's config folder, so the headless server and the
/// app on one machine show guests the same fingerprint.
pub fn default_dir() -> Option<PathBuf> {
    // tauri.conf.json's identifier: Tauri's `app_config_dir` is this same
    // folder (`dirs::config_dir()` joined with it).
    const APP_ID: &str = "app.lancall.desktop";
    dirs::config_dir().map(|d| d.join(APP_ID))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The certificate is made once and kept: a second load gives the same
    /// fingerprint; the key file is private.
    #[test]
    fn made_once_then_reused() {
        let dir = std::env::temp_dir().join(format!("lancall-tls-{:x}", rand::random::<u64>()));
        let first = TlsIdentity::load_or_create(&dir).unwrap();
        let again = TlsIdentity::load_or_create(&dir).unwrap();
        assert_eq!(first.fingerprint(), again.fingerprint());
        assert_eq!(first.fingerprint().len(), 32 * 3 - 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A damaged file is reported, never silently replaced.
    #[test]
    fn bad_pem_is_an_error() {
        let dir = std::env::temp_dir().join(format!("lancall-tls-{:x}", rand::random::<u64>()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(CERT_FILE), "not a certificate").unwrap();
        fs::write(dir.join(KEY_FILE), "not a key").unwrap();
        assert!(matches!(TlsIdentity::load_or_create(&dir), Err(Error::BadPem { .. })));
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A home folder with spaces and non-ASCII letters (a Windows profile
    /// like `C:\Users\Jürgen Müller`, or 张三) is a plain path: the
    /// certificate is made and found again there.
    #[test]
    fn folder_with_spaces_and_non_ascii() {
        let dir = std::env::temp_dir().join(format!("Jürgen Müller 张三 {:x}", rand::random::<u64>())).join("app.lancall.desktop");
        let first = TlsIdentity::load_or_create(&dir).unwrap();
        assert_eq!(TlsIdentity::load_or_create(&dir).unwrap().fingerprint(), first.fingerprint());
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    /// On Windows the certificate lives in the roaming profile,
    /// `%APPDATA%\app.lancall.desktop`, beside the app's settings.
    #[cfg(windows)]
    #[test]
    fn windows_folder_is_under_appdata() {
        let appdata = std::env::var_os("APPDATA").expect("APPDATA is set on Windows");
        assert_eq!(default_dir(), Some(PathBuf::from(appdata).join("app.lancall.desktop")));
    }
}
