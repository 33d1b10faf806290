//! The deployment's secret key: `REACH_SECRET_KEY`, or one generated on first need and kept in
//! the database (SPEC §3).
//!
//! On SQLite the kept copy is sealed under a key-encryption key that lives outside the database,
//! in a file beside it (`<database file>.key`, mode 0600, made on first need): a copy of the
//! database alone does not give the secret key away. Back both files up together. On
//! PostgreSQL, which several nodes share and no file beside it exists, the kept copy is plain,
//! and `reach check-config` asks for `REACH_SECRET_KEY` instead. A plain copy kept by an
//! earlier version on SQLite is sealed the first time it is read.

use super::{Keys, Sealer};
use crate::config::{Secret, Settings};
use crate::store::{self, Backend, SqlStore};
use anyhow::{Context, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// What the stored secret key is sealed for (the associated data).
const CONTEXT: &str = "deployment secret_key";

/// The secret key: the configured one, or the one kept in the database (generated now when
/// there is none yet).
pub async fn secret_key(settings: &Settings, store: &SqlStore) -> anyhow::Result<Secret> {
    if let Some(key) = &settings.secret_key {
        return Ok(key.clone());
    }
    let key_file = match store.backend() {
        Backend::Sqlite => key_file_of(settings.database_url.expose()),
        Backend::Postgres => None,
    };
    let Some(key_file) = key_file else {
        let generated = crate::auth::generate_secret_key();
        return Ok(Secret::from(store.secret_key(&generated).await?));
    };
    // Twice at most: a key stored just now (by us or by a command running beside us) is read
    // back on the second turn.
    for _ in 0..2 {
        match store.stored_secret_key().await? {
            Some(sealed) if Sealer::is_sealed(&sealed) => {
                let kek = read_key_file(&key_file)?.ok_or_else(|| {
                    anyhow!(
                        "the secret key kept in the database is sealed under {}, which is missing: \
                         restore that file or set REACH_SECRET_KEY",
                        key_file.display()
                    )
                })?;
                let plain = kek.open(&sealed, CONTEXT).map_err(|e| {
                    anyhow!(
                        "the secret key kept in the database cannot be opened with {}: {e}; \
                         restore the file made with this database or set REACH_SECRET_KEY",
                        key_file.display()
                    )
                })?;
                return Ok(Secret::from(plain));
            }
            Some(plain) => {
                let kek = key_file_made(&key_file)?;
                store
                    .replace_secret_key(&plain, &kek.seal(&plain, CONTEXT))
                    .await?;
                return Ok(Secret::from(plain));
            }
            None => {
                let kek = key_file_made(&key_file)?;
                let generated = crate::auth::generate_secret_key();
                store.secret_key(&kek.seal(&generated, CONTEXT)).await?;
            }
        }
    }
    bail!("the secret key could not be kept in the database")
}

/// The one-time steps after the SQL migrations (`reach migrate`, `reach serve`): the secret
/// key is read (made, sealed), and webhook secrets still kept plain are sealed. Running them
/// again changes nothing. The secret key, for the caller.
pub async fn after_migrations(settings: &Settings, store: &SqlStore) -> anyhow::Result<Secret> {
    let key = secret_key(settings, store).await?;
    let keys = Keys::derive(key.expose());
    let mut tx = store.write().await?;
    let sealed = store::methods::seal_plain_secrets(&mut tx, keys.sealing()).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    if sealed > 0 {
        tracing::info!(sealed, "webhook secrets sealed in the database");
    }
    Ok(key)
}

/// The key file beside an SQLite database file; `None` for an in-memory database.
pub fn key_file_of(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite:")?
        .trim_start_matches("//");
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || params.split('&').any(|p| p == "mode=memory") {
        return None;
    }
    let mut file = PathBuf::from(path).into_os_string();
    file.push(".key");
    Some(PathBuf::from(file))
}

/// The key-encryption key in `path`, if the file exists.
fn read_key_file(path: &Path) -> anyhow::Result<Option<Sealer>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let bytes = STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| anyhow!("{} is not a Reach key file", path.display()))?;
    Ok(Some(Sealer::new(bytes)))
}

/// The key-encryption key in `path`, made first when the file does not exist. A new file is
/// written whole under another name and then linked into place, so a command running beside
/// this one reads either no file or the whole of the one that won.
fn key_file_made(path: &Path) -> anyhow::Result<Sealer> {
    if let Some(kek) = read_key_file(path)? {
        return Ok(kek);
    }
    let mut key = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", uuid::Uuid::now_v7().simple()));
    let temporary = PathBuf::from(temporary);
    let written = write_private(&temporary, &format!("{}\n", STANDARD.encode(key)))
        .and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    match written {
        Ok(()) => {
            tracing::info!(file = %path.display(), "key file made; keep it with the database")
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
    read_key_file(path)?.ok_or_else(|| anyhow!("{} vanished", path.display()))
}

/// Writes a new file only its owner can read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_sits_beside_the_database_file() {
        let of = |url: &str| key_file_of(url).map(|p| p.display().to_string());
        assert_eq!(of("sqlite://reach.db").as_deref(), Some("reach.db.key"));
        assert_eq!(of("sqlite:reach.db").as_deref(), Some("reach.db.key"));
        assert_eq!(
            of("sqlite:///var/lib/reach/reach.db?mode=rwc").as_deref(),
            Some("/var/lib/reach/reach.db.key")
        );
        assert_eq!(of("sqlite::memory:"), None);
        assert_eq!(of("sqlite://db?mode=memory"), None);
        assert_eq!(of("postgres://db/reach"), None);
    }

    #[test]
    fn a_key_file_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reach.db.key");
        assert!(read_key_file(&path).unwrap().is_none());
        let made = key_file_made(&path).unwrap();
        let sealed = made.seal("k", CONTEXT);
        let again = key_file_made(&path).unwrap();
        assert_eq!(again.open(&sealed, CONTEXT).as_deref(), Ok("k"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Only the key file is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        std::fs::write(&path, "not a key").unwrap();
        assert!(read_key_file(&path).is_err());
    }
}
