//! `reach backup FILE` (SQLite): a consistent copy of the database taken while `reach serve`
//! runs, and the key file beside it (sealed secrets need it). PostgreSQL is backed up with
//! its own tools (`pg_dump`; README, Backups).

use crate::cli::open_store;
use crate::config::Settings;
use crate::keys::deployment::key_file_of;
use crate::store::Backend;
use anyhow::{Context, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Copies the database to `file` (which must not exist) and its key file, if there is one,
/// to `file.key`; prints what it wrote.
pub async fn backup(settings: &Settings, file: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    if store.backend() != Backend::Sqlite {
        bail!(
            "reach backup copies SQLite databases; back PostgreSQL up with pg_dump \
             (see the README, Backups)"
        );
    }
    let key_copy = key_path(file);
    for target in [file, key_copy.as_path()] {
        if target.exists() {
            bail!("{} exists; name a new file", target.display());
        }
    }
    store
        .backup_to(file)
        .await
        .with_context(|| format!("cannot back up to {}", file.display()))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    writeln!(
        out,
        "Backed up the database to {} ({size} bytes).",
        file.display()
    )?;
    if let Some(key) = key_file_of(settings.database_url.expose()).filter(|k| k.exists()) {
        // The key file is private (0600); a copy keeps its permissions.
        std::fs::copy(&key, &key_copy)
            .with_context(|| format!("cannot copy {} to {}", key.display(), key_copy.display()))?;
        writeln!(
            out,
            "Copied its key file to {}: keep the two together.",
            key_copy.display()
        )?;
    }
    Ok(())
}

/// `FILE.key` beside the backup `FILE`, as `reach` looks for it when the backup is used.
fn key_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}
