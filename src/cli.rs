//! What each `reach` command does. `main.rs` parses the arguments and calls these; they
//! write their output to the writer they are given and return one-line errors.

use crate::auth;
use crate::config::Settings;
use crate::delivery::email::EmailChannel;
use crate::delivery::twilio::{Kind, Provider, TwilioChannel};
use crate::delivery::webhook::WebhookChannel;
use crate::delivery::{DispatchConfig, Dispatcher};
use crate::domain::MethodType;
use crate::domain::token::{Lifetime, NewToken};
use crate::domain::{
    CompanyAccess, EmailAddress, Locale, Name, NewAccount, NewContact, NewUser, Password, Region,
    Role, TimeZone,
};
use crate::http::{self, AppState};
use crate::runtime::{Shutdown, SystemClock, Wakeup};
use crate::store::{self, Backend, SqlStore, StoreError};
use anyhow::{Context, anyhow, bail};
use std::io::{BufRead, Write};
use std::sync::Arc;

/// Opens the configured database (creating a missing SQLite file) and applies migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<SqlStore> {
    let url = &settings.database_url;
    let store = store::connect_with(url.expose(), settings.database_max_connections)
        .await
        .map_err(|e| anyhow!("cannot open the database {url}: {}", one_line(&e)))?;
    store
        .migrate()
        .await
        .map_err(|e| anyhow!("cannot migrate the database {url}: {}", one_line(&e)))?;
    Ok(store)
}

fn one_line(e: &StoreError) -> String {
    let said = e.to_string().replace('\n', " ");
    if said.contains("invalid peer certificate") {
        // What to do about it, in the terms of the URL.
        format!(
            "{said} (the server's TLS certificate could not be checked: give the authority \
             that signed it with sslrootcert=FILE, or use sslmode=require to encrypt without \
             checking)"
        )
    } else {
        said
    }
}

/// `reach migrate`
pub async fn migrate(settings: &Settings, out: &mut impl Write) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    crate::keys::deployment::after_migrations(settings, &store).await?;
    writeln!(out, "The database {} is up to date.", settings.database_url)?;
    Ok(())
}

/// `reach check-config`
pub fn check_config(settings: &Settings, out: &mut impl Write) -> anyhow::Result<()> {
    out.write_all(settings.describe().as_bytes())?;
    Ok(())
}

/// Arguments of `reach admin create`.
#[derive(Debug)]
pub struct AdminCreate {
    pub account: String,
    pub email: String,
    pub name: String,
    /// Read the password from the first line of the input instead of generating one.
    pub password_stdin: bool,
}

/// `reach admin create`: creates the account if new and an admin with access to every
/// company. Prints a generated password alone on `out`; the summary goes to the log.
pub async fn admin_create(
    settings: &Settings,
    args: AdminCreate,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let account_name = Name::parse(&args.account).map_err(|e| anyhow!("--account: {e}"))?;
    let email = EmailAddress::parse(&args.email).map_err(|e| anyhow!("--email: {e}"))?;
    let name = Name::parse(&args.name).map_err(|e| anyhow!("--name: {e}"))?;
    let (password, generated) = match args.password_stdin {
        true => {
            let mut line = String::new();
            input
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let line = line.strip_suffix('\n').unwrap_or(&line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            let password = Password::parse(line).map_err(|e| anyhow!("password: {e}"))?;
            (password, false)
        }
        false => {
            let password = Password::parse(&auth::generate_password())
                .map_err(|e| anyhow!("generated password: {e}"))?;
            (password, true)
        }
    };
    let password_hash = auth::hash_password(&password).await?;

    let store = open_store(settings).await?;
    // The account (found or made) and its admin land together.
    let mut tx = store.write().await?;
    let account = match store::accounts::by_name(&mut tx, &account_name).await? {
        Some(account) => account,
        None => store::accounts::create(
            &mut tx,
            &NewAccount {
                name: account_name.clone(),
                default_region: Region::parse("US").map_err(anyhow::Error::msg)?,
                locale: Locale::En,
                timezone: TimeZone::default(),
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => anyhow!("the account {account_name} already exists"),
            other => other.into(),
        })?,
    };
    let user = NewUser {
        contact: NewContact {
            name,
            companies: CompanyAccess::All,
            locale: None,
            timezone: None,
        },
        email: email.clone(),
        role: Role::Admin,
        password_hash: Some(password_hash),
    };
    store::users::create(&mut tx, &account.id, &user)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => anyhow!("a user with the email {email} already exists"),
            other => other.into(),
        })?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(account = %account.name, %email, "admin created");
    if generated {
        writeln!(out, "{}", password.expose())?;
    }
    Ok(())
}

/// `reach token create`: prints a new API token for the user alone on `out`. With
/// `expires_in` (`90d`, `12h`: [`Lifetime`]) the token stops working after that long.
pub async fn token_create(
    settings: &Settings,
    email: &str,
    label: &str,
    expires_in: Option<&str>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow!("--email: {e}"))?;
    let label = Name::parse(label).map_err(|e| anyhow!("--name: {e}"))?;
    let lifetime = expires_in
        .map(Lifetime::parse)
        .transpose()
        .map_err(|e| anyhow!("--expires-in: {e}"))?;
    let store = open_store(settings).await?;
    let Some(login) = store::users::login_by_email(&mut *store.read().await?, &email).await? else {
        bail!("no user has the email {email}");
    };
    if login.disabled {
        bail!("the user {email} is disabled");
    }
    let caller = auth::Caller::from_login(login)?;
    let new = NewToken {
        name: label,
        expires_at: lifetime.map(|l| l.expires_at(chrono::Utc::now())),
    };
    let created = crate::app::tokens::create_in(&store, &caller, &new).await?;
    tracing::info!(%email, token = %new.name, "API token created");
    writeln!(out, "{}", created.token.expose())?;
    Ok(())
}

/// `reach serve`: migrates, then serves until stopped, after printing how to log in.
pub async fn serve(settings: &Settings, out: &mut impl Write) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let secret_key = crate::keys::deployment::after_migrations(settings, &store).await?;
    // What `reach check-config` warns about goes to the log of every start too.
    for warning in settings.warnings() {
        tracing::warn!("{warning}");
    }
    // Phone number metadata loads on first use; load it now rather than in a request.
    tokio::task::spawn_blocking(|| {
        if let Ok(region) = Region::parse("US") {
            let _ = crate::domain::PhoneNumber::parse("+14155552671", region);
        }
    });
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let url = &settings.public_url;
    writeln!(
        out,
        "Reach is running at {url} (database {}).",
        settings.database_url
    )?;
    let wakeup = Wakeup::default();
    let state = Arc::new(
        AppState::new(
            store.clone(),
            secret_key,
            settings.webhook_allow_loopback,
            settings.public_url.as_str(),
            wakeup.clone(),
        )
        .with_sms(settings.twilio.is_some())
        .with_metrics_token(settings.metrics_token.clone())
        .with_trusted_proxies(settings.trusted_proxies.clone()),
    );
    match crate::app::setup::link(&state).await? {
        None => writeln!(out, "Sign in at {url} with your email and password.")?,
        Some(link) => writeln!(
            out,
            "Nobody can sign in yet. Open this one-time link to create your account and its \
             first admin:\n\n    {link}\n\n(or, from another terminal: reach admin create \
             --account \"My team\" --email you@example.com --name \"Your Name\")"
        )?,
    }
    out.flush()?;
    // SIGTERM or Ctrl-C: the server stops accepting and finishes its requests while the
    // dispatcher stops claiming and drains; the process ends when both are done.
    let shutdown = Shutdown::default();
    let dispatcher = start_workers(settings, &state, wakeup, shutdown.clone()).await?;
    let stop = shutdown.clone();
    let signal = async move {
        http::shutdown_signal().await;
        stop.trigger();
    };
    http::serve_with(listener, state, http::Timeouts::default(), signal)
        .await
        .context("the HTTP server stopped")?;
    shutdown.trigger();
    dispatcher.await.context("the dispatcher failed")?;
    tracing::info!("stopped");
    Ok(())
}

/// Starts the outbox workers of this node, and on PostgreSQL the listener that wakes them when
/// another node queues work.
async fn start_workers(
    settings: &Settings,
    state: &Arc<AppState>,
    wakeup: Wakeup,
    shutdown: Shutdown,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let host = settings.public_url.host_str().unwrap_or("localhost");
    let email = EmailChannel::new(
        settings.smtp_url.as_ref().map(|u| u.expose()),
        &settings.mail_dir,
        settings.smtp_from.as_str(),
        host,
        settings.send_timeout,
    )?;
    let webhook = WebhookChannel::new(
        settings.webhook_allow_loopback,
        settings.send_timeout,
        state.keys.sealing().clone(),
    );
    let config = DispatchConfig {
        lease: chrono::Duration::from_std(settings.outbox_lease)
            .unwrap_or_else(|_| chrono::Duration::seconds(60)),
        send_timeout: settings.send_timeout,
        ..DispatchConfig::for_backend(state.store.backend())
    };
    let mut dispatcher = Dispatcher::new(
        state.store.clone(),
        Arc::new(SystemClock),
        state.links.clone(),
        config,
    )
    .with_channel(MethodType::Email, Arc::new(email))
    .with_channel(MethodType::Webhook, Arc::new(webhook));
    // Without provider credentials, SMS and calls fail with a clear reason (no channel).
    if let Some(t) = &settings.twilio {
        let provider = Provider {
            base_url: settings.twilio_base_url.as_str().to_owned(),
            account_sid: t.account_sid.clone(),
            auth_token: t.auth_token.clone(),
            from: t.from.clone(),
        };
        for (kind, channel) in [
            (MethodType::Sms, Kind::Sms),
            (MethodType::Phone, Kind::Call),
        ] {
            let twilio = TwilioChannel::new(provider.clone(), channel, settings.send_timeout)
                .context("the HTTP client for SMS and calls could not start")?;
            dispatcher = dispatcher.with_channel(kind, Arc::new(twilio));
        }
    }
    // Chat and push: every type has its channel; Telegram and Matrix without their settings
    // fail with a clear reason.
    let telegram =
        settings
            .telegram_bot_token
            .as_ref()
            .map(|token| crate::delivery::chat::TelegramBot {
                api_url: settings.telegram_api_url.clone(),
                token: token.clone(),
            });
    let matrix = settings
        .matrix
        .as_ref()
        .map(|m| crate::delivery::chat::MatrixBot {
            homeserver_url: m.homeserver_url.clone(),
            access_token: m.access_token.clone(),
        });
    for (kind, _) in MethodType::ALL.into_iter().filter(|(k, _)| k.is_chat()) {
        let chat = crate::delivery::chat::ChatChannel::new(
            kind,
            settings.webhook_allow_loopback,
            settings.send_timeout,
            telegram.clone(),
            matrix.clone(),
        )
        .context("the HTTP client for chat services could not start")?;
        dispatcher = dispatcher.with_channel(kind, Arc::new(chat));
    }
    let dispatcher = Arc::new(dispatcher);
    if state.store.backend() == Backend::Postgres {
        let url = settings.database_url.expose().to_owned();
        let wakeup = wakeup.clone();
        tokio::spawn(async move { listen_for_work(&url, &wakeup).await });
    }
    let scheduler = crate::reports::Scheduler {
        store: state.store.clone(),
        clock: Arc::new(SystemClock),
        links: state.links.clone(),
        wakeup: wakeup.clone(),
    };
    tokio::spawn(scheduler.run());
    let upkeep = crate::upkeep::Upkeep {
        store: state.store.clone(),
        clock: Arc::new(SystemClock),
    };
    tokio::spawn(upkeep.run());
    let heartbeats = crate::integrations_watch::HeartbeatWatch {
        store: state.store.clone(),
        clock: Arc::new(SystemClock),
        wakeup: wakeup.clone(),
    };
    tokio::spawn(heartbeats.run());
    Ok(tokio::spawn(dispatcher.run(wakeup, shutdown)))
}

/// Wakes the workers whenever any node announces queued work (PostgreSQL `LISTEN`).
/// Reconnects after a lost connection; the workers poll meanwhile.
async fn listen_for_work(url: &str, wakeup: &Wakeup) {
    loop {
        match sqlx::postgres::PgListener::connect(url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(crate::store::WORK_CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    loop {
                        match listener.recv().await {
                            Ok(_) => wakeup.wake(),
                            Err(e) => {
                                tracing::warn!(error = %e, "the LISTEN connection was lost");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not connect to LISTEN for work"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
