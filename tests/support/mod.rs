//! Test support: a real HTTP/1.1 server on 127.0.0.1:0 that serves files from a folder (with
//! ETag/Last-Modified and 304s) and scripted routes, and helpers to run the real `newsd` binary.
//!
//! The server is hand-rolled on tokio's TCP so that routes can misbehave at the byte level
//! (stall, drip, reset, lie), which a well-behaved server framework would not let us do.
#![allow(dead_code)]

pub mod corpus;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A parsed request line and headers.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// The `Content-Length` body (empty when there is none).
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// A field of an `application/x-www-form-urlencoded` body.
    pub fn form_field(&self, key: &str) -> Option<String> {
        url::form_urlencoded::parse(&self.body).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
    }
}

/// A handler that takes over the raw socket.
pub type RawFn = Box<dyn FnOnce(TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// A scripted answer.
pub enum Reply {
    /// A complete response.
    Full { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Takes over the socket: write anything, stall, close.
    Raw(RawFn),
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply::Full { status, headers: Vec::new(), body: Vec::new() }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// A route handler.
pub type Handler = Arc<dyn Fn(&Req) -> Reply + Send + Sync>;

/// The running server. Dropping it does not stop it; it lives as long as the test's runtime.
#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<Req>>>,
    routes: Arc<Mutex<HashMap<String, Handler>>>,
    root: Option<PathBuf>,
}

impl Server {
    /// Starts a server that serves `root` (if given) and any routes added later.
    pub async fn start(root: Option<&Path>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let server = Server {
            addr: listener.local_addr().expect("local addr"),
            hits: Arc::new(Mutex::new(Vec::new())),
            routes: Arc::new(Mutex::new(HashMap::new())),
            root: root.map(Path::to_path_buf),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move { s.serve(sock).await });
            }
        });
        server
    }

    /// Adds or replaces the handler for an exact path (query included if the request has one).
    pub fn route(&self, path: &str, handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) {
        self.routes.lock().unwrap().insert(path.to_string(), Arc::new(handler));
    }

    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Requests seen for a path so far.
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().iter().filter(|r| r.path == path).count()
    }

    /// All requests seen so far.
    pub fn requests(&self) -> Vec<Req> {
        self.hits.lock().unwrap().clone()
    }

    async fn serve(&self, mut sock: TcpStream) {
        // Keep-alive: serve requests on this connection until it closes.
        loop {
            let Some(req) = read_request(&mut sock).await else { return };
            self.hits.lock().unwrap().push(req.clone());
            let handler = self.routes.lock().unwrap().get(&req.path).cloned();
            let reply = match handler {
                Some(h) => h(&req),
                None => self.static_file(&req),
            };
            match reply {
                Reply::Raw(f) => return f(sock).await,
                Reply::Full { status, headers, body } => {
                    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                    for (k, v) in &headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                    if sock.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    if req.method != "HEAD" && sock.write_all(&body).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Serves a file under `root` with a strong ETag and Last-Modified; answers 304 when the
    /// request's validators match.
    fn static_file(&self, req: &Req) -> Reply {
        let Some(root) = &self.root else { return Reply::status(404) };
        let rel = req.path.split('?').next().unwrap_or("").trim_start_matches('/');
        if rel.split('/').any(|c| c == "..") {
            return Reply::status(403);
        }
        let path = root.join(rel);
        let Ok(body) = std::fs::read(&path) else { return Reply::status(404) };
        let etag = format!("\"{:x}-{}\"", fxhash(&body), body.len());
        let last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
        if req.header("if-none-match") == Some(etag.as_str()) {
            return Reply::status(304).with_header("ETag", &etag);
        }
        let ct = match path.extension().and_then(|e| e.to_str()) {
            Some("xml") | Some("rss") | Some("atom") => "application/xml",
            Some("json") => "application/feed+json",
            Some("html") | Some("htm") => "text/html; charset=utf-8",
            _ => "application/octet-stream",
        };
        Reply::ok(ct, body).with_header("ETag", &etag).with_header("Last-Modified", last_modified)
    }
}

fn fxhash(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf29ce484222325u64, |h, &x| (h ^ x as u64).wrapping_mul(0x100000001b3))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request head and its `Content-Length` body (no chunked request bodies: nothing
/// that talks to these servers sends one).
async fn read_request(sock: &mut TcpStream) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    if len > 1 << 20 {
        return None;
    }
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + len].to_vec();
    Some(Req { method, path, headers, body })
}

/// The shared fixtures and corpora: `shared/` beside the repository (CI, main checkout), or
/// beside the worktrees folder for a git worktree one level deeper (`wt/<name>`).
pub fn shared_dir() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let beside = repo.join("../shared");
    if beside.is_dir() {
        return beside;
    }
    repo.join("../../shared")
}

/// The `newsd` binary built for these tests.
pub fn newsd_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_newsd"))
}

/// Runs `newsd <args> --config cfg` to the end, off the async runtime's threads.
pub async fn run_newsd(args: &[&str], cfg: &Path) -> std::process::Output {
    let mut cmd = std::process::Command::new(newsd_bin());
    cmd.args(args).arg("--config").arg(cfg);
    tokio::task::spawn_blocking(move || cmd.output().expect("run newsd")).await.expect("join")
}

/// `newsd once --config cfg`, which must succeed.
pub async fn once_ok(cfg: &Path) -> std::process::Output {
    let out = run_newsd(&["once"], cfg).await;
    assert!(out.status.success(), "once failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// An `[output]` section writing records to `dir/out/articles.jsonl`.
pub fn file_output(dir: &Path) -> String {
    format!("[output]\nkind = \"file\"\npath = \"{}\"\n", dir.join("out/articles.jsonl").display())
}

/// `newsd run --config cfg`, killed if the test ends without stopping it; stderr (at `info`)
/// goes to `log` when given, else nowhere.
pub fn spawn_run(cfg: &Path, log: Option<&Path>) -> tokio::process::Child {
    let stderr = match log {
        Some(log) => {
            std::fs::OpenOptions::new().create(true).append(true).open(log).expect("open log").into()
        }
        None => std::process::Stdio::null(),
    };
    tokio::process::Command::new(newsd_bin())
        .args(["run", "--config"])
        .arg(cfg)
        .env("RUST_LOG", "info")
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn newsd")
}

/// Sends `sig` (a name such as `TERM`) to process `pid`.
pub fn signal(pid: u32, sig: &str) {
    let st = std::process::Command::new("kill").args([&format!("-{sig}"), &pid.to_string()]).status();
    assert!(st.is_ok_and(|s| s.success()), "kill -{sig} {pid}");
}

/// Polls `cond` every 50 ms; panics naming `what` if it does not hold within 30 s.
pub async fn poll_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "{what}: not within 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Writes a config file in `dir` and returns its path. `feeds` are (name, url) pairs; `extra`
/// is appended verbatim (e.g. an `[output]` section).
pub fn write_config(dir: &Path, feeds: &[(&str, String)], extra: &str) -> PathBuf {
    let mut s = format!(
        "[state]\ndir = \"{}\"\n\n[fetch]\nallow_private = [\"127.0.0.1\"]\ntimeout = \"5s\"\n\n{extra}\n",
        dir.join("state").display()
    );
    for (name, url) in feeds {
        s.push_str(&format!("[[feeds]]\nname = \"{name}\"\nurl = \"{url}\"\n\n"));
    }
    let path = dir.join("newsd.toml");
    std::fs::write(&path, s).expect("write config");
    path
}

/// An RSS 2.0 document with the given (title, link) items.
pub fn rss(title: &str, items: &[(String, String)]) -> String {
    let mut s = format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>");
    for (t, l) in items {
        s.push_str(&format!("<item><title>{t}</title><link>{l}</link><guid>{l}</guid></item>"));
    }
    s.push_str("</channel></rss>");
    s
}

/// A plain article page with a title and paragraphs.
pub fn article_html(title: &str, paragraphs: &[String]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><nav><a href=\"/\">Home</a></nav><article><h1>{title}</h1>\n{body}</article>\
         <footer>All rights reserved.</footer></body></html>"
    )
}

/// Reads every JSON line of every `*.jsonl` file in `dir`, in name order. Panics on a line that
/// is not valid JSON or a file that does not end in a newline.
pub fn read_records(dir: &Path) -> Vec<serde_json::Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "jsonl"));
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read output");
        assert!(text.is_empty() || text.ends_with('\n'), "{} ends with a partial line", f.display());
        for line in text.lines() {
            out.push(
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("{}: bad JSON line {line:?}: {e}", f.display())),
            );
        }
    }
    out
}
pub mod hostile;
