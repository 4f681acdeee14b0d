//! OpenSSL set-up for the legacy-TLS client (cargo feature `legacy-tls`).
//!
//! Old government servers speak TLS 1.0/1.1, sign their key exchange with MD5+SHA-1, and lack
//! secure renegotiation (RFC 5746). OpenSSL 3 refuses all three by default (security level 1,
//! `SSL_OP_LEGACY_SERVER_CONNECT` off), and native-tls offers no way to change that per
//! connector. So, before the first legacy client is built, [`init`] initialises OpenSSL once with
//! a configuration of nianbao's own whose `system_default` section says
//!
//! ```text
//! MinProtocol  = TLSv1
//! CipherString = DEFAULT:@SECLEVEL=0
//! Options      = UnsafeLegacyServerConnect
//! ```
//!
//! Every OpenSSL context of the process starts from these settings, but only legacy clients use
//! OpenSSL (everything else is rustls), so the lowered level is scoped to the sites that opted in
//! with `legacy_tls = true`.
//!
//! If the user sets `OPENSSL_CONF`, that file is loaded instead and used as it is.
//!
//! Either way the result is measured, not assumed: a fresh client context is created and its
//! security level, minimum protocol and options are read back ([`LegacyTlsStatus`]); a warning is
//! logged when the settings do not allow old servers.

use std::ffi::{c_char, c_int, CString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use openssl_sys as ffi;

/// nianbao's OpenSSL configuration for the legacy client.
pub const OPENSSL_CONFIG: &str = "\
# Written by nianbao for its legacy-TLS client; read once at start-up, then deleted.
openssl_conf = nianbao_init

[nianbao_init]
ssl_conf = nianbao_ssl

[nianbao_ssl]
system_default = nianbao_legacy

[nianbao_legacy]
MinProtocol = TLSv1
CipherString = DEFAULT:@SECLEVEL=0
Options = UnsafeLegacyServerConnect
";

/// Where OpenSSL's settings came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// nianbao's own configuration ([`OPENSSL_CONFIG`]).
    Nianbao,
    /// The file named by the user's `OPENSSL_CONF`, used as it is.
    UserFile(PathBuf),
    /// nianbao's configuration could not be applied (OpenSSL was initialised before, or the
    /// temporary file could not be written); OpenSSL runs with its defaults.
    Failed(String),
}

/// What an OpenSSL client context gets after initialisation, read back from a fresh one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyTlsStatus {
    pub source: ConfigSource,
    /// OpenSSL's version string.
    pub version: String,
    /// 0 allows MD5+SHA-1 signatures (TLS 1.0/1.1 key exchange) and small keys.
    pub security_level: i32,
    /// Lowest protocol allowed, as OpenSSL's constant (`0x301` = TLS 1.0; 0 = no limit).
    pub min_protocol: i32,
    /// `SSL_OP_LEGACY_SERVER_CONNECT`: talk to servers without secure renegotiation.
    pub legacy_server_connect: bool,
}

/// `TLS1_VERSION`.
const TLS1_VERSION: i32 = 0x301;

impl LegacyTlsStatus {
    /// True when TLS 1.0 servers with MD5+SHA-1 key exchange and without secure renegotiation
    /// can be reached.
    pub fn allows_old_servers(&self) -> bool {
        self.security_level == 0 && self.min_protocol <= TLS1_VERSION && self.legacy_server_connect
    }
}

impl std::fmt::Display for LegacyTlsStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let min = match self.min_protocol {
            0 => "any".to_string(),
            0x300 => "SSLv3".to_string(),
            v @ 0x301..=0x304 => format!("TLS 1.{}", v - 0x301),
            v => format!("{v:#x}"),
        };
        write!(
            f,
            "{} (settings from {}): security level {}, minimum protocol {min}, unsafe legacy server connect {}",
            self.version,
            match &self.source {
                ConfigSource::Nianbao => "nianbao".to_string(),
                ConfigSource::UserFile(p) => format!("OPENSSL_CONF={}", p.display()),
                ConfigSource::Failed(why) => format!("OpenSSL defaults; nianbao's were not applied: {why}"),
            },
            self.security_level,
            if self.legacy_server_connect { "on" } else { "off" },
        )
    }
}

// Declared here because openssl-sys does not bind them (OpenSSL ≥ 1.1.0, crypto.h).
extern "C" {
    fn OPENSSL_INIT_new() -> *mut ffi::OPENSSL_INIT_SETTINGS;
    fn OPENSSL_INIT_set_config_filename(settings: *mut ffi::OPENSSL_INIT_SETTINGS, filename: *const c_char) -> c_int;
    fn OPENSSL_INIT_free(settings: *mut ffi::OPENSSL_INIT_SETTINGS);
}

/// `OPENSSL_INIT_LOAD_CONFIG` (crypto.h), not exported by openssl-sys.
const OPENSSL_INIT_LOAD_CONFIG: u64 = 0x0000_0040;

/// Initialise OpenSSL for old servers (once per process) and report what it got. Call before
/// anything else touches OpenSSL: the configuration is read by the first initialisation only.
pub fn init() -> &'static LegacyTlsStatus {
    static STATUS: OnceLock<LegacyTlsStatus> = OnceLock::new();
    STATUS.get_or_init(|| {
        let source = match std::env::var_os("OPENSSL_CONF").filter(|v| !v.is_empty()) {
            Some(user) => {
                ffi::init();
                ConfigSource::UserFile(user.into())
            }
            None => match load_own_config() {
                Ok(()) => ConfigSource::Nianbao,
                Err(why) => {
                    ffi::init();
                    ConfigSource::Failed(why)
                }
            },
        };
        let mut status = measure(source);
        if status.source == ConfigSource::Nianbao && !status.allows_old_servers() {
            // OPENSSL_init_ssl accepted the settings but an earlier initialisation had already
            // read a configuration (OpenSSL reads one per process).
            status.source = ConfigSource::Failed("OpenSSL was initialised before nianbao's settings were read".into());
        }
        if status.allows_old_servers() {
            tracing::info!("legacy TLS: {status}");
        } else {
            tracing::warn!(
                "legacy TLS: {status}; TLS 1.0/1.1 servers may fail to connect. With OPENSSL_CONF, put \
                 `MinProtocol = TLSv1`, `CipherString = DEFAULT:@SECLEVEL=0` and \
                 `Options = UnsafeLegacyServerConnect` in its `system_default` section"
            );
        }
        status
    })
}

/// Write [`OPENSSL_CONFIG`] to a private temporary file, initialise OpenSSL from it, delete it.
fn load_own_config() -> Result<(), String> {
    let path = write_config_file()?;
    let result = load_config_file(&path);
    let _ = std::fs::remove_file(&path);
    result
}

fn write_config_file() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir();
    for _ in 0..8 {
        let path = dir.join(format!("nianbao-openssl-{}-{:016x}.cnf", std::process::id(), rand::random::<u64>()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true); // never through an existing file or symlink
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut f) => {
                return f
                    .write_all(OPENSSL_CONFIG.as_bytes())
                    .map(|()| path.clone())
                    .map_err(|e| format!("writing {}: {e}", path.display()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("creating {}: {e}", path.display())),
        }
    }
    Err(format!("no free temporary file name in {}", dir.display()))
}

fn load_config_file(path: &Path) -> Result<(), String> {
    let name = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: `settings` is checked for NULL, used only while alive and freed once; `name`
    // outlives the calls (OpenSSL copies the string). OPENSSL_init_ssl is thread-safe, and the
    // OnceLock in `init` runs this at most once.
    let ok = unsafe {
        let settings = OPENSSL_INIT_new();
        if settings.is_null() {
            return Err("OPENSSL_INIT_new failed".into());
        }
        let set = OPENSSL_INIT_set_config_filename(settings, name.as_ptr());
        let ok = set == 1
            && ffi::OPENSSL_init_ssl(
                ffi::OPENSSL_INIT_LOAD_SSL_STRINGS | ffi::OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_LOAD_CONFIG,
                settings,
            ) == 1;
        OPENSSL_INIT_free(settings);
        ok
    };
    // Mark openssl-sys initialised too (a no-op for OpenSSL now: the configuration is loaded).
    ffi::init();
    if ok {
        Ok(())
    } else {
        Err("OPENSSL_init_ssl refused the configuration".into())
    }
}

/// Read back the settings a new client context starts with.
fn measure(source: ConfigSource) -> LegacyTlsStatus {
    // SAFETY: plain OpenSSL calls on a context created here, checked for NULL and freed once;
    // OpenSSL_version returns a static NUL-terminated string.
    unsafe {
        let version = std::ffi::CStr::from_ptr(ffi::OpenSSL_version(ffi::OPENSSL_VERSION))
            .to_string_lossy()
            .into_owned();
        let ctx = ffi::SSL_CTX_new(ffi::TLS_client_method());
        if ctx.is_null() {
            let source = ConfigSource::Failed("SSL_CTX_new failed".into());
            return LegacyTlsStatus { source, version, security_level: -1, min_protocol: -1, legacy_server_connect: false };
        }
        let status = LegacyTlsStatus {
            source,
            version,
            security_level: ffi::SSL_CTX_get_security_level(ctx),
            min_protocol: ffi::SSL_CTX_get_min_proto_version(ctx),
            legacy_server_connect: ffi::SSL_CTX_get_options(ctx) & ffi::SSL_OP_LEGACY_SERVER_CONNECT != 0,
        };
        ffi::SSL_CTX_free(ctx);
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_allows_old_servers_after_init() {
        let status = init();
        match &status.source {
            // The user's file is used as it is: nothing to assert about its contents.
            ConfigSource::UserFile(p) => eprintln!("OPENSSL_CONF={} set: {status}", p.display()),
            _ => {
                assert_eq!(status.source, ConfigSource::Nianbao, "{status}");
                assert!(status.allows_old_servers(), "{status}");
                assert_eq!((status.security_level, status.min_protocol), (0, TLS1_VERSION), "{status}");
            }
        }
        // Idempotent: the same status, OpenSSL initialised once.
        assert!(std::ptr::eq(status, init()));
    }

    #[test]
    fn the_config_file_is_private_and_removed() {
        let path = write_config_file().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), OPENSSL_CONFIG);
        std::fs::remove_file(&path).unwrap();
    }
}
