//! The `newsd` binary: parses the command line, sets up logging (stderr only), loads the config,
//! runs the chosen command and maps failures to exit codes (0 ok, 2 usage or config, 1 other).
//! The only place that uses `anyhow`.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use tokio::sync::watch;
use url::Url;

use newsd::config::{self, Config, ConfigError};
use newsd::scheduler::Mode;

#[derive(Parser)]
#[command(
    name = "newsd",
    version,
    about = "Streaming news-feed ingestion daemon: feeds in, clean article records (JSON Lines) out."
)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ExtractFormat {
    Json,
    Text,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: poll every feed on its schedule until SIGTERM/SIGINT; SIGHUP reloads the config.
    Run {
        /// Config file [default: $NEWSD_CONFIG, else ./config/newsd.toml]
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Poll every feed once, process every new item, exit when all records are written.
    Once {
        /// Config file [default: $NEWSD_CONFIG, else ./config/newsd.toml]
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Extract saved HTML pages offline: one output line per input, in input order.
    Extract {
        /// The URL the page came from (for relative links and canonical URLs).
        #[arg(long)]
        url: Option<String>,
        /// json: the full record plus "input"; text: the cleaned body, newlines escaped.
        #[arg(long, value_enum, default_value_t = ExtractFormat::Json)]
        format: ExtractFormat,
        /// Leave the news fields (dateline, agencies, quotes, entities, summary, keywords) empty:
        /// for measuring what they cost (scripts/bench-extract). Hidden: not part of the SPEC CLI.
        #[arg(long, hide = true)]
        no_news: bool,
        /// HTML files; `-` reads standard input.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Validate the config and print a one-line summary.
    CheckConfig {
        /// Config file [default: $NEWSD_CONFIG, else ./config/newsd.toml]
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Show per-feed state from the state store.
    Status {
        /// Config file [default: $NEWSD_CONFIG, else ./config/newsd.toml]
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    err: anyhow::Error,
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Failure { code: 1, err }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging(cli.log_format);
    ignore_sigxfsz();
    limit_malloc_arenas();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // One message, in the format the operator asked for.
            match cli.log_format {
                LogFormat::Json => tracing::error!(error = format!("{:#}", f.err), "newsd failed."),
                LogFormat::Text => eprintln!("newsd: {:#}", f.err),
            }
            ExitCode::from(f.code)
        }
    }
}

fn dispatch(cmd: Command) -> Result<(), Failure> {
    match cmd {
        Command::Run { config } => run_pipeline(config.as_deref(), Mode::Daemon),
        Command::Once { config } => run_pipeline(config.as_deref(), Mode::Once),
        Command::Extract { url, format, no_news, files } => extract(url.as_deref(), format, !no_news, &files),
        Command::CheckConfig { config } => check_config(config.as_deref()),
        Command::Status { config } => status(config.as_deref()),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NEWSD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(false).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// A write past `ulimit -f` must fail with EFBIG, not kill the process.
fn ignore_sigxfsz() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe {
        libc_signal_ignore(25 /* SIGXFSZ on Linux */);
    }
}

/// glibc gives threads their own malloc arenas and keeps freed memory in each, so memory freed
/// by one thread (the config parse) is not reused by the others: at 100k feeds peak RSS was
/// 465 MB with the default, 319 MB with two arenas and 236 MB with one, at the same CPU per
/// poll (scripts/bench-scale). `MALLOC_ARENA_MAX` in the environment still wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_ARENA_MAX: i32 = -8; // glibc <malloc.h>
                                     // SAFETY: mallopt only tunes the allocator; no other thread exists yet.
        unsafe {
            mallopt(M_ARENA_MAX, 1);
        }
    }
}

#[cfg(unix)]
unsafe fn libc_signal_ignore(sig: i32) {
    extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIG_IGN: usize = 1;
    signal(sig, SIG_IGN);
}

fn load_config(cli: Option<&Path>) -> Result<Config, Failure> {
    let path = config::resolve_path(cli);
    config::load(&path).map_err(|e: ConfigError| Failure { code: 2, err: e.into() })
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?)
}

fn run_pipeline(cli: Option<&Path>, mode: Mode) -> Result<(), Failure> {
    let cfg = load_config(cli)?;
    let rt = runtime()?;
    rt.block_on(async move {
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (feeds_tx, feeds_rx) = watch::channel(cfg.feeds.clone());
        tokio::spawn(signals(cfg.path.clone(), shutdown_tx, feeds_tx));
        tracing::info!(feeds = cfg.feeds.len(), config = %cfg.path.display(), "newsd starting.");
        let control = newsd::app::Control { shutdown: shutdown_rx, feeds: feeds_rx };
        // Every failure here (a held state lock included) is "other": exit 1.
        let written = newsd::app::run(cfg, mode, control).await.map_err(anyhow::Error::from)?;
        tracing::info!(records = written, "newsd stopped.");
        Ok(())
    })
}

/// SIGTERM/SIGINT → shutdown; SIGHUP → reload the config and pass on its feed list.
async fn signals(path: PathBuf, shutdown: watch::Sender<bool>, feeds: watch::Sender<Vec<config::FeedSpec>>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) =
        (signal(SignalKind::terminate()), signal(SignalKind::interrupt()), signal(SignalKind::hangup()))
    else {
        tracing::error!("Cannot install signal handlers.");
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => { tracing::info!(signal = "SIGTERM", "Shutting down."); let _ = shutdown.send(true); }
            _ = int.recv() => { tracing::info!(signal = "SIGINT", "Shutting down."); let _ = shutdown.send(true); }
            _ = hup.recv() => match config::load(&path) {
                Ok(cfg) => {
                    // Only the feed list is live; other sections take effect at the next start.
                    tracing::info!(feeds = cfg.feeds.len(), "Config reloaded: feed list applied; other sections need a restart.");
                    let _ = feeds.send(cfg.feeds);
                }
                Err(e) => {
                    let error = format!("{:#}", anyhow::Error::from(e));
                    tracing::error!(%error, "Config reload failed; keeping the running config.");
                }
            },
        }
    }
}

fn check_config(cli: Option<&Path>) -> Result<(), Failure> {
    let cfg = load_config(cli)?;
    // output.path matters only to the file sink; naming it for stdout would mislead.
    let output = match cfg.output.kind {
        config::OutputKind::File => format!("file ({})", cfg.output.path.display()),
        config::OutputKind::Stdout => "stdout".to_string(),
    };
    println!(
        "{}: ok: {} feeds, output {output}, state in {}",
        cfg.path.display(),
        cfg.feeds.len(),
        cfg.state.dir.display()
    );
    Ok(())
}

fn status(cli: Option<&Path>) -> Result<(), Failure> {
    let cfg = load_config(cli)?;
    let states: std::collections::HashMap<_, _> = newsd::status::read(&cfg.state.dir)
        .context("cannot read feed states")?
        .into_iter()
        .map(|(name, state, push)| (name, (state, push)))
        .collect();
    let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map(|d| newsd::model::rfc3339(&d)).unwrap_or_else(|| "-".into())
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<24} {:<21} {:>6} {:<21} {:>8} {:>6} {:>8} {:<7}  last error",
        "feed", "last poll", "status", "next due", "every", "errors", "items", "push"
    );
    for f in &cfg.feeds {
        let (s, push) = states.get(&f.name).cloned().unwrap_or_default();
        // A parked feed whose URL has since changed in the config is polled again at the next start.
        let same_url = s.url.as_deref().is_none_or(|u| u == f.url.as_str());
        let parked = s.parked && same_url;
        let status = match (parked, s.last_status) {
            (true, _) => "gone".to_string(),
            (_, Some(0)) => "error".to_string(),
            (_, Some(c)) => c.to_string(),
            _ => "-".into(),
        };
        let next_due = match (parked, same_url) {
            (true, _) => "parked (410 Gone)".to_string(),
            (_, false) => "now (URL changed)".to_string(),
            _ => t(s.next_due),
        };
        let every = s
            .last_delay_secs
            .map(|d| {
                humantime::format_duration(std::time::Duration::from_secs(d)).to_string().replace(' ', "")
            })
            .unwrap_or_else(|| "-".into());
        // WebSub: "active" while the lease runs (the feed is polled only at the ceiling).
        let push = match push {
            Some(p) if p.status == newsd::state::SubStatus::Active => {
                if p.lease_expires.is_some_and(|end| end > chrono::Utc::now()) {
                    "active"
                } else {
                    "lapsed"
                }
            }
            Some(p) => match p.status {
                newsd::state::SubStatus::Pending => "pending",
                newsd::state::SubStatus::Denied => "denied",
                _ => "failed",
            },
            None => "-",
        };
        let _ = writeln!(
            out,
            "{:<24} {:<21} {:>6} {:<21} {:>8} {:>6} {:>8} {:<7}  {}",
            f.name,
            t(s.last_poll),
            status,
            next_due,
            every,
            s.consecutive_errors,
            s.items_seen,
            push,
            s.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

fn extract(url: Option<&str>, format: ExtractFormat, news: bool, files: &[String]) -> Result<(), Failure> {
    let base = match url {
        Some(u) => {
            Some(Url::parse(u).map_err(|e| Failure { code: 2, err: anyhow::anyhow!("--url {u:?}: {e}") })?)
        }
        None => None,
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut failed = 0;
    for input in files {
        let bytes = if input == "-" {
            let mut b = Vec::new();
            std::io::stdin().read_to_end(&mut b).map(|_| b)
        } else {
            std::fs::read(input)
        };
        let line = match bytes {
            Ok(bytes) => {
                newsd::record::extract_line(&bytes, base.as_ref(), input, format == ExtractFormat::Json, news)
            }
            Err(e) => {
                failed += 1;
                tracing::error!(input = %input, error = %e, "Cannot read input.");
                newsd::record::error_line(input, &e.to_string(), format == ExtractFormat::Json)
            }
        };
        let written = out.write_all(line.as_bytes()).and_then(|_| out.write_all(b"\n"));
        if let Err(e) = written {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(anyhow::Error::from(e).context("cannot write to standard output").into());
        }
    }
    out.flush().ok();
    if failed > 0 {
        return Err(anyhow::anyhow!("{failed} of {} inputs could not be read", files.len()).into());
    }
    Ok(())
}
