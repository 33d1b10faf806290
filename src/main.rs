//! The `reach` command line: parses arguments and calls into the library.

use clap::{Parser, Subcommand};
use reach::cli::{self, AdminCreate};
use reach::config::Settings;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc for every allocation of the process, SQLite's included (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Reach: who must be told and how to reach them.
#[derive(Debug, Parser)]
#[command(name = "reach", version)]
struct Args {
    /// A TOML configuration file; REACH_* environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole service (applies migrations first).
    Serve,
    /// Create or update the database schema.
    Migrate,
    /// Manage admins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print the effective configuration, secrets redacted.
    CheckConfig,
    /// Import contacts from a file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export contacts to standard output.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Copy the SQLite database (safe while `reach serve` runs) and its key file to FILE and
    /// FILE.key. PostgreSQL: use pg_dump.
    Backup {
        /// A new file for the copy.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an admin (and the account, if new). Prints a generated password once unless
    /// --password-stdin is given.
    Create {
        /// The account's name; created if no account has it.
        #[arg(long)]
        account: String,
        /// The admin's primary email, their login.
        #[arg(long)]
        email: String,
        /// The admin's name.
        #[arg(long)]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import a contacts CSV (README "Contacts import and export"): prints what changed. A
    /// file with any bad row is refused whole: one line per bad cell, nothing written.
    Contacts {
        /// The CSV file: UTF-8, `,` or `;` separated, with a header row.
        file: PathBuf,
        /// Print every change the file would make, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The account to import into (needed when there are several).
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Write every contact and user to standard output.
    Contacts {
        /// `csv` (the file `reach import contacts` takes) or `vcard` (vCard 4.0).
        #[arg(long, default_value = "csv", value_parser = ["csv", "vcard"])]
        format: String,
        /// The account to export (needed when there are several).
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token acting as the user; prints it alone, once.
    Create {
        /// The user's primary email.
        #[arg(long)]
        email: String,
        /// A label for the token.
        #[arg(long)]
        name: String,
        /// Make it stop working after this long: a whole number of days or hours, such as
        /// 90d or 12h (at most 3650d). Without it the token does not expire.
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
    },
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's message, without its usage block, on one line.
            let rendered = e.to_string();
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let _ = writeln!(
                std::io::stderr(),
                "{} (see reach --help)",
                message.join(" ")
            );
            return ExitCode::from(2);
        }
    };
    init_logging();
    let result = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the error and its causes.
            let message = format!("{e:#}").replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (settings, warnings) = Settings::load(args.config.as_deref())?;
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let mut out = std::io::stdout().lock();
    match args.command {
        Command::Serve => cli::serve(&settings, &mut out).await,
        Command::Migrate => cli::migrate(&settings, &mut out).await,
        Command::CheckConfig => cli::check_config(&settings, &mut out),
        Command::Backup { file } => reach::cli_backup::backup(&settings, &file, &mut out).await,
        Command::Import {
            command:
                ImportCommand::Contacts {
                    file,
                    dry_run,
                    account,
                },
        } => {
            let mut errors = std::io::stderr();
            let account = account.as_deref();
            reach::cli_contacts::import(&settings, &file, dry_run, account, &mut out, &mut errors)
                .await
        }
        Command::Export {
            command: ExportCommand::Contacts { format, account },
        } => reach::cli_contacts::export(&settings, &format, account.as_deref(), &mut out).await,
        Command::Admin {
            command:
                AdminCommand::Create {
                    account,
                    email,
                    name,
                    password_stdin,
                },
        } => {
            let args = AdminCreate {
                account,
                email,
                name,
                password_stdin,
            };
            cli::admin_create(&settings, args, &mut std::io::stdin().lock(), &mut out).await
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    email,
                    name,
                    expires_in,
                },
        } => cli::token_create(&settings, &email, &name, expires_in.as_deref(), &mut out).await,
    }
}

/// Logs go to standard error; `RUST_LOG` sets the level (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
