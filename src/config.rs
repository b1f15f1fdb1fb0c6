//! Configuration: built-in defaults → TOML file → `NEWSD_<SECTION>__<KEY>` environment variables.
//!
//! Owns the raw serde structs (every one `deny_unknown_fields`), loading through the `config`
//! crate, and `validate()`, which turns raw input into a checked [`Config`] whose feeds carry
//! their resolved per-feed settings. Defaults live here and nowhere else. It does not know how
//! any stage uses its section.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use url::Url;

/// A config that could not be loaded or is invalid. Always names the file and, where known, the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The cause is left to `#[source]`: main prints the chain with `{:#}`, which would repeat it.
    #[error("{path}: cannot read config file")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The checked configuration the daemon runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was loaded from (for messages and SIGHUP reloads).
    pub path: PathBuf,
    pub state: StateConfig,
    pub output: OutputConfig,
    pub fetch: FetchConfig,
    pub daemon: DaemonConfig,
    pub feeds: Vec<FeedSpec>,
}

/// `[state]`: where the embedded store lives.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StateConfig {
    /// Folder of the embedded store and the daemon lock; created if missing.
    pub dir: PathBuf,
    /// How long near-duplicate signatures are kept, in days.
    pub dedup_retention_days: u32,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig { dir: PathBuf::from("state"), dedup_retention_days: 30 }
    }
}

/// Where records go.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    Stdout,
    File,
}

/// When the file sink makes written records durable.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FsyncPolicy {
    /// fsync after every record: nothing written is ever lost, slowest.
    Always,
    /// fsync at most about once a second: up to ~1 s of records at risk on power loss.
    Interval,
    /// leave it to the OS: a power loss may lose more; a process crash still loses nothing.
    Never,
}

/// `[output]`: the sink.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    pub kind: OutputKind,
    /// The live file of the file sink; rotated files sit beside it.
    pub path: PathBuf,
    /// Rotate when the live file would exceed this many bytes.
    pub rotate_bytes: u64,
    pub fsync: FsyncPolicy,
    /// Keep at most this many rotated files (0 = keep all).
    pub max_files: u32,
    /// Delete rotated files older than this (unset = keep).
    #[serde(deserialize_with = "de_opt_duration")]
    pub max_age: Option<Duration>,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            kind: OutputKind::Stdout,
            path: PathBuf::from("out/articles.jsonl"),
            rotate_bytes: 256 * 1024 * 1024,
            fsync: FsyncPolicy::Interval,
            max_files: 0,
            max_age: None,
        }
    }
}

/// `[fetch]`: the HTTP client and its limits.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    pub user_agent: String,
    /// Overall deadline of one fetch, headers and body included.
    #[serde(deserialize_with = "de_duration")]
    pub timeout: Duration,
    /// Time allowed to open a connection.
    #[serde(deserialize_with = "de_duration")]
    pub connect_timeout: Duration,
    /// Cap on the decoded body of any response.
    pub max_body_bytes: u64,
    /// Cap on a feed document before parsing.
    pub max_feed_bytes: u64,
    pub max_redirects: u32,
    /// In-flight requests overall.
    pub concurrency: usize,
    /// In-flight requests to one host.
    pub per_host_concurrency: usize,
    /// Minimum gap between two requests to the same host.
    #[serde(deserialize_with = "de_duration")]
    pub per_host_delay: Duration,
    /// Honour robots.txt for article fetches.
    pub robots_txt: bool,
    /// "host:port" or "host" entries that may resolve to loopback/private/link-local addresses.
    pub allow_private: Vec<String>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            // SPEC: "newsd/0.1 (+...)": major.minor only, so a patch release keeps the same UA.
            user_agent: concat!(
                "newsd/",
                env!("CARGO_PKG_VERSION_MAJOR"),
                ".",
                env!("CARGO_PKG_VERSION_MINOR"),
                " (+https://example.org/newsd)"
            )
            .to_string(),
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            max_feed_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            concurrency: 32,
            per_host_concurrency: 2,
            per_host_delay: Duration::from_millis(0),
            robots_txt: true,
            allow_private: Vec::new(),
        }
    }
}

/// `[daemon]`: process-wide behaviour.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    /// How long SIGTERM waits for in-flight work before cancelling it.
    #[serde(deserialize_with = "de_duration")]
    pub shutdown_grace: Duration,
    /// Never poll a feed more often than this, whatever it asks for.
    #[serde(deserialize_with = "de_duration")]
    pub min_interval: Duration,
    /// Never poll a feed less often than this (backoff included).
    #[serde(deserialize_with = "de_duration")]
    pub max_interval: Duration,
    /// Public base URL of this daemon, for WebSub callbacks (unset: no push subscriptions).
    pub public_url: Option<String>,
    /// Address the WebSub callback server listens on, e.g. "0.0.0.0:8080" (unset: no push
    /// subscriptions). `public_url` must lead there (directly or through a reverse proxy).
    pub websub_addr: Option<String>,
    /// Address of the Prometheus metrics endpoint, e.g. "127.0.0.1:9187" (unset: off).
    pub metrics_addr: Option<String>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            shutdown_grace: Duration::from_secs(10),
            min_interval: Duration::from_secs(60),
            max_interval: Duration::from_secs(24 * 3600),
            public_url: None,
            websub_addr: None,
            metrics_addr: None,
        }
    }
}

/// `[defaults]`: per-feed keys that each `[[feeds]]` entry may override.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FeedDefaults {
    #[serde(deserialize_with = "de_duration")]
    pub interval: Duration,
    /// false: build records from the feed item alone.
    pub fetch_articles: bool,
    /// Poll busy feeds more often and quiet ones less, within the daemon's floor and ceiling.
    pub adaptive: bool,
}

impl Default for FeedDefaults {
    fn default() -> Self {
        FeedDefaults { interval: Duration::from_secs(600), fetch_articles: true, adaptive: true }
    }
}

/// One `[[feeds]]` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    name: String,
    url: String,
    #[serde(default, deserialize_with = "de_opt_duration")]
    interval: Option<Duration>,
    fetch_articles: Option<bool>,
    adaptive: Option<bool>,
    #[serde(default)]
    tags: Vec<String>,
}

/// One feed with its settings resolved against `[defaults]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSpec {
    /// Unique, `[a-z0-9_-]+`.
    pub name: String,
    pub url: Url,
    pub interval: Duration,
    pub fetch_articles: bool,
    pub adaptive: bool,
    pub tags: Vec<String>,
}

impl FeedSpec {
    /// A `file://` feed may link to `file://` articles; no other feed may.
    pub fn is_local(&self) -> bool {
        self.url.scheme() == "file"
    }
}

/// The whole file as written.
#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    state: StateConfig,
    output: OutputConfig,
    fetch: FetchConfig,
    daemon: DaemonConfig,
    defaults: FeedDefaults,
    feeds: Vec<RawFeed>,
}

/// Where the config comes from: `--config`, else `$NEWSD_CONFIG`, else `./config/newsd.toml`.
pub fn resolve_path(cli: Option<&Path>) -> PathBuf {
    if let Some(p) = cli {
        return p.to_path_buf();
    }
    match std::env::var_os("NEWSD_CONFIG") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("config/newsd.toml"),
    }
}

/// Loads and validates the config at `path`, with environment overrides applied.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    load_str(path, &text, std::env::vars())
}

/// Loads from text (the file's contents) and an explicit environment; the testable core of `load`.
pub fn load_str(
    path: &Path,
    text: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid { path: path.to_path_buf(), message };
    // Reject TOML syntax errors and unknown keys with toml's own precise messages first: the
    // `config` crate reports them less clearly.
    toml::from_str::<RawConfig>(text).map_err(|e| invalid(toml_message(&e)))?;
    let env: std::collections::HashMap<String, String> =
        env.into_iter().filter(|(k, _)| k.starts_with("NEWSD_") && k.contains("__")).collect();
    let raw: RawConfig = config::Config::builder()
        .add_source(config::File::from_str(text, config::FileFormat::Toml))
        .add_source(
            config::Environment::with_prefix("NEWSD")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("fetch.allow_private")
                .source(Some(env)),
        )
        .build()
        .and_then(|c| c.try_deserialize())
        .map_err(|e| invalid(e.to_string()))?;
    validate(path, raw)
}

fn toml_message(e: &toml::de::Error) -> String {
    // toml's Display carries a multi-line excerpt; keep it on one line for logs.
    e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Turns raw input into a checked config: feed names unique and well formed, URLs valid, limits sane.
fn validate(path: &Path, raw: RawConfig) -> Result<Config, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid { path: path.to_path_buf(), message };
    if raw.output.kind == OutputKind::File && raw.output.path.as_os_str().is_empty() {
        return Err(invalid("output.path: must be set when output.kind = \"file\"".into()));
    }
    if raw.output.rotate_bytes < 4096 {
        return Err(invalid("output.rotate_bytes: must be at least 4096".into()));
    }
    if raw.fetch.concurrency == 0 || raw.fetch.per_host_concurrency == 0 {
        return Err(invalid("fetch.concurrency and fetch.per_host_concurrency must be at least 1".into()));
    }
    if raw.fetch.timeout.is_zero() {
        return Err(invalid("fetch.timeout: must be greater than zero".into()));
    }
    // An entry the guard cannot parse would silently allow nothing; say so here instead.
    for (i, entry) in raw.fetch.allow_private.iter().enumerate() {
        if let Some(why) = crate::http::AllowList::entry_error(entry) {
            return Err(invalid(format!("fetch.allow_private[{i}]: {entry:?}: {why}")));
        }
    }
    if raw.daemon.min_interval > raw.daemon.max_interval {
        return Err(invalid("daemon.min_interval: must not exceed daemon.max_interval".into()));
    }
    if let Some(addr) = &raw.daemon.metrics_addr {
        if addr.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(format!(
                "daemon.metrics_addr: {addr:?} is not an address like \"127.0.0.1:9187\""
            )));
        }
    }
    if let Some(u) = &raw.daemon.public_url {
        if !Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            return Err(invalid(format!("daemon.public_url: {u:?} is not a valid http(s) URL")));
        }
    }
    if let Some(addr) = &raw.daemon.websub_addr {
        if addr.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(format!(
                "daemon.websub_addr: {addr:?} is not an address like \"0.0.0.0:8080\""
            )));
        }
    }
    // Push needs both: where hubs call back, and where that lands. One alone would leave push
    // silently off.
    match (&raw.daemon.public_url, &raw.daemon.websub_addr) {
        (Some(_), None) => {
            return Err(invalid(
                "daemon.public_url is set but daemon.websub_addr is not: WebSub push needs both".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(invalid(
                "daemon.websub_addr is set but daemon.public_url is not: WebSub push needs both".into(),
            ))
        }
        _ => {}
    }
    let mut names = HashSet::new();
    let mut feeds = Vec::with_capacity(raw.feeds.len());
    for (i, f) in raw.feeds.into_iter().enumerate() {
        let at = format!("feeds[{i}]");
        if f.name.is_empty()
            || !f.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(invalid(format!("{at}.name: {:?} must match [a-z0-9_-]+", f.name)));
        }
        if !names.insert(f.name.clone()) {
            return Err(invalid(format!("{at}.name: duplicate feed name {:?}", f.name)));
        }
        let url = parse_feed_url(path, &f.url).map_err(|m| invalid(format!("{at}.url: {m}")))?;
        let interval = f.interval.unwrap_or(raw.defaults.interval);
        if interval.is_zero() {
            return Err(invalid(format!("{at}.interval: must be greater than zero")));
        }
        feeds.push(FeedSpec {
            name: f.name,
            url,
            interval,
            fetch_articles: f.fetch_articles.unwrap_or(raw.defaults.fetch_articles),
            adaptive: f.adaptive.unwrap_or(raw.defaults.adaptive),
            tags: f.tags,
        });
    }
    Ok(Config {
        path: path.to_path_buf(),
        state: raw.state,
        output: raw.output,
        fetch: raw.fetch,
        daemon: raw.daemon,
        feeds,
    })
}

/// http(s) URLs as given; `file://` URLs may be relative to the config file's folder.
fn parse_feed_url(config_path: &Path, s: &str) -> Result<Url, String> {
    if let Some(rest) = s.strip_prefix("file://") {
        if !rest.starts_with('/') {
            let base = config_path.parent().unwrap_or(Path::new("."));
            let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
            let full = base.join(rest);
            // Resolve `..` so records show a clean path (the file may not exist yet).
            let full = std::fs::canonicalize(&full).unwrap_or(full);
            return Url::from_file_path(&full).map_err(|_| format!("{s:?} is not a usable file path"));
        }
    }
    let url = Url::parse(s).map_err(|e| format!("{s:?} is not a valid URL: {e}"))?;
    match url.scheme() {
        "http" | "https" | "file" => Ok(url),
        other => Err(format!("{s:?}: scheme {other:?} is not supported (http, https, file)")),
    }
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(&s).map_err(|e| {
        serde::de::Error::custom(format!("invalid duration {s:?} ({e}); use e.g. \"90s\", \"5m\", \"1h\""))
    })
}

fn de_opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    de_duration(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        load_str(Path::new("t.toml"), text, Vec::new())
    }

    #[test]
    fn defaults_apply_and_feeds_inherit() {
        let c = load("[defaults]\ninterval = \"90s\"\n[[feeds]]\nname = \"a\"\nurl = \"https://e.org/f\"\n")
            .unwrap();
        assert_eq!(c.feeds[0].interval, Duration::from_secs(90));
        assert!(c.feeds[0].fetch_articles);
        assert_eq!(c.output.kind, OutputKind::Stdout);
    }

    /// The SPEC's defaults, value for value (units included), so a change to one is deliberate.
    #[test]
    fn defaults_are_the_specs() {
        let c = load("").unwrap();
        assert_eq!(c.state.dir, PathBuf::from("state"));
        assert_eq!(c.output.kind, OutputKind::Stdout);
        assert_eq!(c.output.path, PathBuf::from("out/articles.jsonl"));
        assert_eq!(c.output.rotate_bytes, 268_435_456);
        assert_eq!(c.output.fsync, FsyncPolicy::Interval);
        assert_eq!(c.fetch.user_agent, "newsd/0.1 (+https://example.org/newsd)");
        assert_eq!(c.fetch.timeout, Duration::from_secs(20));
        assert_eq!(c.fetch.max_body_bytes, 10_485_760);
        assert_eq!(c.fetch.max_redirects, 5);
        assert_eq!(c.fetch.concurrency, 32);
        assert_eq!(c.fetch.per_host_concurrency, 2);
        assert!(c.fetch.allow_private.is_empty());
        let d = FeedDefaults::default();
        assert_eq!(d.interval, Duration::from_secs(600));
        assert!(d.fetch_articles);
    }

    #[test]
    fn unknown_key_names_file_and_key() {
        let e = load("[fetch]\nuser_agnet = \"x\"\n").unwrap_err().to_string();
        assert!(e.contains("t.toml") && e.contains("user_agnet"), "{e}");
    }

    /// The cause appears once in the printed chain (main prints `{:#}`), not twice.
    #[test]
    fn missing_file_names_path_and_cause_once() {
        let e = super::load(Path::new("/nonexistent/newsd.toml")).unwrap_err();
        let mut chain = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            chain.push_str(&format!(": {c}"));
            cause = c.source();
        }
        assert!(chain.starts_with("/nonexistent/newsd.toml: cannot read config file: "), "{chain}");
        assert_eq!(chain.matches("os error").count(), 1, "{chain}");
    }

    #[test]
    fn wrong_type_names_key() {
        let e = load("[fetch]\nconcurrency = \"lots\"\n").unwrap_err().to_string();
        assert!(e.contains("concurrency"), "{e}");
    }

    #[test]
    fn bad_duration_is_explained() {
        let e = load("[defaults]\ninterval = \"soon\"\n").unwrap_err().to_string();
        assert!(e.contains("interval") && e.contains("soon"), "{e}");
    }

    #[test]
    fn duplicate_and_malformed_names_rejected() {
        let dup = "[[feeds]]\nname=\"a\"\nurl=\"https://e.org/1\"\n[[feeds]]\nname=\"a\"\nurl=\"https://e.org/2\"\n";
        assert!(load(dup).unwrap_err().to_string().contains("duplicate"));
        let bad = "[[feeds]]\nname=\"A B\"\nurl=\"https://e.org/1\"\n";
        assert!(load(bad).unwrap_err().to_string().contains("feeds[0].name"));
    }

    #[test]
    fn env_overrides_file() {
        let env = vec![
            ("NEWSD_FETCH__USER_AGENT".to_string(), "envbot".to_string()),
            ("NEWSD_FETCH__CONCURRENCY".to_string(), "7".to_string()),
            ("NEWSD_FETCH__ALLOW_PRIVATE".to_string(), "127.0.0.1,localhost:8080".to_string()),
        ];
        let c = load_str(Path::new("t.toml"), "[fetch]\nuser_agent = \"filebot\"\n", env).unwrap();
        assert_eq!(c.fetch.user_agent, "envbot");
        assert_eq!(c.fetch.concurrency, 7);
        assert_eq!(c.fetch.allow_private, vec!["127.0.0.1", "localhost:8080"]);
    }

    /// SPEC: every key of every section may come from `NEWSD_<SECTION>__<KEY>`, with its type.
    #[test]
    fn env_overrides_every_section() {
        let env = [
            ("NEWSD_STATE__DEDUP_RETENTION_DAYS", "3"),
            ("NEWSD_OUTPUT__KIND", "file"),
            ("NEWSD_OUTPUT__ROTATE_BYTES", "5000"),
            ("NEWSD_OUTPUT__FSYNC", "always"),
            ("NEWSD_OUTPUT__MAX_AGE", "1d"),
            ("NEWSD_FETCH__USER_AGENT", "12"),
            ("NEWSD_FETCH__ROBOTS_TXT", "false"),
            ("NEWSD_DAEMON__MIN_INTERVAL", "2m"),
            ("NEWSD_DEFAULTS__INTERVAL", "5m"),
            ("NEWSD_DEFAULTS__FETCH_ARTICLES", "false"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let text = "[[feeds]]\nname = \"a\"\nurl = \"https://e.org/f\"\n";
        let c = load_str(Path::new("t.toml"), text, env).unwrap();
        assert_eq!(c.state.dedup_retention_days, 3);
        assert_eq!(c.output.kind, OutputKind::File);
        assert_eq!(c.output.rotate_bytes, 5000);
        assert_eq!(c.output.fsync, FsyncPolicy::Always);
        assert_eq!(c.output.max_age, Some(Duration::from_secs(86_400)));
        assert_eq!(c.fetch.user_agent, "12");
        assert!(!c.fetch.robots_txt);
        assert_eq!(c.daemon.min_interval, Duration::from_secs(120));
        assert_eq!(c.feeds[0].interval, Duration::from_secs(300));
        assert!(!c.feeds[0].fetch_articles);
    }

    /// A malformed entry used to pass check-config and then allow nothing.
    #[test]
    fn malformed_allow_private_entry_is_rejected() {
        let e = load("[fetch]\nallow_private = [\"127.0.0.1\", \"http://localhost:8080/\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("fetch.allow_private[1]") && e.contains("http://localhost:8080/"), "{e}");
        let c = load("[fetch]\nallow_private = [\"localhost:8080\", \"[::1]\", \"10.0.0.1\"]\n").unwrap();
        assert_eq!(c.fetch.allow_private.len(), 3);
    }

    #[test]
    fn websub_keys_are_checked() {
        let c = load("[daemon]\npublic_url = \"https://n.example/\"\nwebsub_addr = \"127.0.0.1:8080\"\n")
            .unwrap();
        assert_eq!(c.daemon.websub_addr.as_deref(), Some("127.0.0.1:8080"));
        let e = load("[daemon]\nwebsub_addr = \"port 80\"\n").unwrap_err().to_string();
        assert!(e.contains("daemon.websub_addr"), "{e}");
        let e = load("[daemon]\npublic_url = \"ftp://n.example/\"\n").unwrap_err().to_string();
        assert!(e.contains("daemon.public_url"), "{e}");
        let e = load("[daemon]\npublic_url = \"https://n.example/\"\n").unwrap_err().to_string();
        assert!(e.contains("daemon.websub_addr is not"), "{e}");
        let e = load("[daemon]\nwebsub_addr = \"127.0.0.1:8080\"\n").unwrap_err().to_string();
        assert!(e.contains("daemon.public_url is not"), "{e}");
    }

    /// The shipped config loads, and shows (at least commented) every key of the sections
    /// whose keys are all optional-with-defaults, so it stays in step with the code.
    #[test]
    fn shipped_config_loads_and_mentions_every_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/newsd.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        load_str(&path, &text, Vec::new()).unwrap();
        let keys = [
            "shutdown_grace",
            "min_interval",
            "max_interval",
            "public_url",
            "websub_addr",
            "metrics_addr",
            "max_feed_bytes",
            "allow_private",
            "dedup_retention_days",
        ];
        for key in keys {
            assert!(
                text.lines().any(|l| l.trim_start_matches(['#', ' ']).starts_with(&format!("{key} ="))),
                "{key} missing"
            );
        }
    }

    #[test]
    fn unsupported_scheme_rejected() {
        let e = load("[[feeds]]\nname=\"a\"\nurl=\"ftp://e.org/f\"\n").unwrap_err().to_string();
        assert!(e.contains("feeds[0].url"), "{e}");
    }
}
