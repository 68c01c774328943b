//! The DTLS certificate a peer connection presents: ECDSA P-256, as
//! browsers and aiortc use, in place of the RSA 2048 certificate
//! GStreamer's DTLS elements make for themselves.
//!
//! Why: with RSA, webrtcbin can only agree on ECDHE-RSA cipher suites. When
//! it is the DTLS server (it offered `a=setup:actpass`, and the answerer
//! chose `active`, as answerers do), a client that offers only ECDHE-ECDSA
//! suites finds no shared cipher. aiortc is such a client, so the native
//! engine offering to aiortc failed with "Fatal SSL error" (`no shared
//! cipher`), while answering it worked (aiortc's ECDSA certificate then
//! picks the suite). Chromium offers both kinds of suite and hid the
//! problem.
//!
//! GStreamer 1.22 then writes a wrong fingerprint for a certificate given
//! this way: `dtlsdec` hands back the whole PEM it was given, key
//! included, and webrtcbin hashes every base64 line of that. So the
//! fingerprint of the certificate itself is computed here and put into the
//! descriptions the engine makes ([`with_fingerprint`]).

use gstreamer as gst;
use gstreamer::prelude::*;

use sha2::{Digest, Sha256};

use super::error::{Error, Result};

/// A connection's certificate.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The certificate and its key, in the one PEM string `dtlsdec` takes.
    pub pem: String,
    /// `sha-256 AB:CD:…` of the certificate (DER), for `a=fingerprint`.
    pub fingerprint: String,
}

/// A fresh self-signed ECDSA P-256 certificate and its key.
pub fn generate() -> Result<Certificate> {
    let certificate = || -> std::result::Result<Certificate, rcgen::Error> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(rcgen::DnType::CommonName, "lancall");
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let cert = params.self_signed(&key)?;
        let digest = Sha256::digest(cert.der());
        let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
        Ok(Certificate { pem: format!("{}{}", cert.pem(), key.serialize_pem()), fingerprint: format!("sha-256 {}", hex.join(":")) })
    };
    certificate().map_err(|e| Error::Pipeline(format!("no DTLS certificate: {e}")))
}

/// `sdp` with every `a=fingerprint` line saying `fingerprint`, for a
/// description webrtcbin made for the certificate of [`present`].
pub fn with_fingerprint(sdp: &str, fingerprint: &str) -> String {
    let mut out = String::with_capacity(sdp.len());
    for line in sdp.split_inclusive('\n') {
        let body = line.trim_end_matches(['\r', '\n']);
        if body.starts_with("a=fingerprint:") {
            out.push_str("a=fingerprint:");
            out.push_str(fingerprint);
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Make every DTLS transport `webrtc` creates present `pem`.
///
/// webrtcbin builds a transport's receive bin (with the `dtlsdec` inside)
/// when a description needs it and adds it to itself before the bin leaves
/// the NULL state, so `element-added` is the moment: setting `pem` then
/// gives `dtlsdec` a new DTLS agent before any handshake, and the
/// fingerprint webrtcbin writes into the SDP is read from that certificate.
pub fn present(webrtc: &gst::Element, certificate: &Certificate) {
    let pem = certificate.pem.clone();
    let Some(bin) = webrtc.downcast_ref::<gst::Bin>() else { return };
    bin.connect_element_added(move |_, added| {
        let Some(inner) = added.downcast_ref::<gst::Bin>() else { return };
        for element in inner.iterate_recurse().into_iter().flatten() {
            if element.factory().is_some_and(|f| f.name() == "dtlsdec") {
                element.set_property("pem", &pem);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_ecdsa_with_its_key() {
        let pem = generate().unwrap().pem;
        assert!(pem.contains("-----BEGIN CERTIFICATE-----"), "{pem}");
        assert!(pem.contains("-----BEGIN PRIVATE KEY-----"), "{pem}");
        // P-256 keys are short; an RSA 2048 certificate is over 1,000 base64 characters.
        let cert = pem.split("-----END CERTIFICATE-----").next().unwrap();
        assert!(cert.len() < 900, "an EC certificate, not RSA: {} bytes", cert.len());
    }

    #[test]
    fn each_connection_gets_its_own_certificate() {
        let (a, b) = (generate().unwrap(), generate().unwrap());
        assert_ne!(a.pem, b.pem);
        assert_ne!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn the_fingerprint_is_the_sha256_of_the_certificate_alone() {
        let c = generate().unwrap();
        let cert = c.pem.split("-----END CERTIFICATE-----").next().unwrap();
        let b64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64_decode(&b64);
        let hex: Vec<String> = Sha256::digest(&der).iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(c.fingerprint, format!("sha-256 {}", hex.join(":")));
    }

    #[test]
    fn every_fingerprint_line_is_replaced_and_nothing_else() {
        let sdp = "v=0\r\na=fingerprint:sha-256 AA:BB\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 AA:BB\r\na=mid:0\r\n";
        let fixed = with_fingerprint(sdp, "sha-256 12:34");
        assert_eq!(fixed, sdp.replace("sha-256 AA:BB", "sha-256 12:34"));
    }

    fn base64_decode(s: &str) -> Vec<u8> {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for c in s.bytes().filter(|c| *c != b'=') {
            acc = (acc << 6) | A.iter().position(|a| *a == c).unwrap() as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        out
    }
}
