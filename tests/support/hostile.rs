//! A hostile server: scripted routes that misbehave the way malicious or broken servers do
//! (stall, drip, reset, lie about encodings, bomb, redirect into the internal network), built
//! on [`Server`] with `Reply::Raw` routes that take over the socket.
//!
//! Every big body is generated on the fly from a small buffer and stops as soon as the client
//! goes away: the server itself never holds more than a chunk, so a memory measurement in the
//! same process measures the client.

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Reply, Server};

/// 2 GB: the size of the "endless" bodies.
pub const TWO_GB: u64 = 2 * 1024 * 1024 * 1024;
/// How long a hanging route holds its socket (far beyond any client deadline).
const HANG: Duration = Duration::from_secs(3600);
const CHUNK: usize = 64 * 1024;
const MIB: u64 = 1024 * 1024;

/// The internal service that must never be reached. It counts accepted *connections* (not
/// requests, so a TLS handshake or a half-sent request counts too), on 127.0.0.1 and, where
/// the host has IPv6, on [::1] with the same port, so `[::1]` and `[::]` spellings are
/// caught as well. It answers anything with a 404.
pub struct Canary {
    pub port: u16,
    /// Whether the [::1] listener is up.
    pub v6: bool,
    accepted: Arc<AtomicUsize>,
}

impl Canary {
    pub async fn start() -> Canary {
        let v4 = TcpListener::bind("127.0.0.1:0").await.expect("bind canary");
        let port = v4.local_addr().expect("canary addr").port();
        let v6 = TcpListener::bind(("::1", port)).await.ok();
        let accepted = Arc::new(AtomicUsize::new(0));
        let has_v6 = v6.is_some();
        for listener in std::iter::once(v4).chain(v6) {
            let accepted = accepted.clone();
            tokio::spawn(async move {
                while let Ok((sock, _)) = listener.accept().await {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(answer_404(sock));
                }
            });
        }
        Canary { port, v6: has_v6, accepted }
    }

    /// Connections accepted so far, on either listener.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Reads a request head (bounded) and answers 404.
async fn answer_404(mut sock: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match tokio::time::timeout(Duration::from_secs(5), sock.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return,
        }
    }
    let _ = sock.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
}

/// A route that takes over the socket.
pub fn raw<F, Fut>(f: F) -> Reply
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Reply::Raw(Box::new(move |s| Box::pin(f(s))))
}

/// Writes a status line and headers (and the blank line).
pub async fn head(sock: &mut TcpStream, status: &str, headers: &[(&str, String)]) -> std::io::Result<()> {
    let mut h = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    sock.write_all(h.as_bytes()).await
}

/// Writes `total` bytes made of `pattern` repeated, stopping early when the client leaves.
/// With `chunked`, frames them in chunked transfer encoding.
pub async fn stream_pattern(sock: &mut TcpStream, pattern: &[u8], total: u64, chunked: bool) {
    let block: Vec<u8> = pattern.iter().copied().cycle().take(CHUNK.max(pattern.len())).collect();
    let mut sent = 0u64;
    while sent < total {
        let n = (total - sent).min(block.len() as u64) as usize;
        let ok = if chunked {
            sock.write_all(format!("{n:x}\r\n").as_bytes()).await.is_ok()
                && sock.write_all(&block[..n]).await.is_ok()
                && sock.write_all(b"\r\n").await.is_ok()
        } else {
            sock.write_all(&block[..n]).await.is_ok()
        };
        if !ok {
            return;
        }
        sent += n as u64;
    }
    if chunked {
        let _ = sock.write_all(b"0\r\n\r\n").await;
    }
}

/// A `Write` that collects what an encoder produces, so it can be sent and drained per chunk.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<u8>>>);

impl Write for Collect {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Which compression bomb to build.
#[derive(Clone, Copy, Debug)]
pub enum Bomb {
    Gzip,
    /// HTTP's "deflate" is zlib-wrapped.
    Deflate,
    Brotli,
}

/// A compressed stream of zeros that never ends, as (prefix, unit): the prefix is the
/// stream header and the first MiB, and every further `unit` decodes to one more MiB. Built
/// once per kind with sync flushes, after which the encoder's output for another MiB of zeros
/// is byte-identical, so serving a bomb costs no CPU.
fn bomb_parts(kind: Bomb) -> &'static (Vec<u8>, Vec<u8>) {
    static PARTS: [OnceLock<(Vec<u8>, Vec<u8>)>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    PARTS[kind as usize].get_or_init(|| {
        let out = Collect::default();
        let mut enc: Box<dyn Write + Send> = match kind {
            Bomb::Gzip => Box::new(flate2::write::GzEncoder::new(out.clone(), flate2::Compression::best())),
            Bomb::Deflate => {
                Box::new(flate2::write::ZlibEncoder::new(out.clone(), flate2::Compression::best()))
            }
            Bomb::Brotli => Box::new(brotli::CompressorWriter::new(out.clone(), 1 << 16, 9, 22)),
        };
        let zeros = vec![0u8; MIB as usize];
        let mut next = || {
            enc.write_all(&zeros).and_then(|()| enc.flush()).expect("in-memory encode");
            std::mem::take(&mut *out.0.lock().unwrap())
        };
        let (prefix, unit, again) = (next(), next(), next());
        assert_eq!(unit, again, "{kind:?}: steady-state output is not periodic");
        (prefix, unit)
    })
}

/// Streams `decoded` zero bytes compressed with `kind`, close-delimited, never finished.
pub async fn stream_bomb(mut sock: TcpStream, kind: Bomb, decoded: u64) {
    let encoding = match kind {
        Bomb::Gzip => "gzip",
        Bomb::Deflate => "deflate",
        Bomb::Brotli => "br",
    };
    let hdrs = [
        ("Content-Type", "text/html".to_string()),
        ("Content-Encoding", encoding.to_string()),
        ("Connection", "close".to_string()),
    ];
    let (prefix, unit) = bomb_parts(kind);
    if head(&mut sock, "200 OK", &hdrs).await.is_err() || sock.write_all(prefix).await.is_err() {
        return;
    }
    for _ in 1..decoded / MIB {
        if sock.write_all(unit).await.is_err() {
            return; // the client gave up
        }
    }
}

/// Wire bytes and amplification of a bomb's repeating unit (for reports).
pub fn bomb_ratio(kind: Bomb) -> (usize, u64) {
    let unit = &bomb_parts(kind).1;
    (unit.len(), MIB / unit.len() as u64)
}

/// A zstd frame made of RLE blocks (hand-built; the format is simple): `blocks` × 128 KiB of
/// `byte` when decoded, 4 bytes per block on the wire.
pub fn zstd_rle_frame(blocks: usize, byte: u8) -> Vec<u8> {
    // Magic, then a frame header descriptor with no content size, no checksum, no dictionary,
    // and a window descriptor of 2^(10+7) = 128 KiB.
    let mut f = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38];
    for i in 0..blocks {
        let last = u32::from(i + 1 == blocks);
        let header = last | (1 << 1) | ((128 * 1024) << 3); // Block_Type 1 = RLE
        f.extend_from_slice(&header.to_le_bytes()[..3]);
        f.push(byte);
    }
    f
}

/// The routes whose names say what they do. `canary` is the port of the internal service that
/// must never be reached; `me` is this server's own port.
pub fn install(server: &Server, canary: u16) {
    let me = server.addr.port();
    install_statuses(server);
    install_timing(server);
    install_sizes(server);
    install_encodings(server);
    install_redirects(server, me, canary);
    install_documents(server);
}

fn install_statuses(s: &Server) {
    for code in [401u16, 403, 404, 410, 500] {
        s.route(&format!("/status/{code}"), move |_| Reply::status(code));
    }
    s.route("/status/503-seconds", |_| Reply::status(503).with_header("Retry-After", "120"));
    s.route("/status/429-date", |_| {
        let at = chrono::Utc::now() + chrono::Duration::seconds(3600);
        Reply::status(429).with_header("Retry-After", &at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
    });
    s.route("/status/429-garbage", |_| Reply::status(429).with_header("Retry-After", "soon-ish, maybe"));
    s.route("/status/503-huge", |_| {
        Reply::status(503).with_header("Retry-After", "999999999999999999999999999999")
    });
    s.route("/status/429-far-date", |_| {
        Reply::status(429).with_header("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")
    });
    s.route("/ok", |_| {
        Reply::ok("text/html; charset=utf-8", "<html><body><p>fine</p></body></html>")
            .with_header("ETag", "\"v1\"")
            .with_header("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT")
            .with_header("Cache-Control", "max-age=300")
            .with_header("Expires", "Thu, 01 Dec 2039 16:00:00 GMT")
    });
    // A 304 that nevertheless carries a body (and a Content-Length promising one).
    s.route("/not-modified-with-body", |_| {
        raw(|mut sock| async move {
            let h = [("ETag", "\"v1\"".to_string()), ("Content-Length", "12".to_string())];
            let _ = head(&mut sock, "304 Not Modified", &h).await;
            let _ = sock.write_all(b"sneaky body!").await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
    });
}

fn install_timing(s: &Server) {
    s.route("/hang-before-headers", |_| {
        raw(|sock| async move {
            let _held = sock; // keep the connection open, say nothing
            tokio::time::sleep(HANG).await;
        })
    });
    // Headers dripped one byte per second: never completes the head.
    s.route("/drip-headers", |_| {
        raw(|mut sock| async move {
            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\n").await;
            for b in b"X-Slow: ".iter().chain(std::iter::repeat(&b'a')) {
                if sock.write_all(&[*b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    });
    // A body dripped one byte per second: every read succeeds, only the deadline can end it.
    s.route("/drip-body", |_| {
        raw(|mut sock| async move {
            if head(&mut sock, "200 OK", &[("Content-Length", "1000000".into())]).await.is_err() {
                return;
            }
            loop {
                if sock.write_all(b"x").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    });
    s.route("/stall-after-headers", |_| {
        raw(|mut sock| async move {
            let _ = head(&mut sock, "200 OK", &[("Content-Length", "1000".into())]).await;
            let _ = sock.write_all(b"0123456789").await;
            tokio::time::sleep(HANG).await;
        })
    });
    s.route("/reset-mid-body", |_| {
        raw(|mut sock| async move {
            let _ = head(&mut sock, "200 OK", &[("Content-Length", "100000".into())]).await;
            let _ = sock.write_all(&[b'x'; 5000]).await;
            let _ = sock.flush().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            // SO_LINGER 0: closing sends RST instead of FIN.
            let _ = sock.set_zero_linger();
            drop(sock);
        })
    });
    s.route("/truncated", |_| {
        raw(|mut sock| async move {
            let _ = head(&mut sock, "200 OK", &[("Content-Length", "1000".into())]).await;
            let _ = sock.write_all(&[b'x'; 500]).await;
            let _ = sock.shutdown().await;
        })
    });
    s.route("/truncated-chunked", |_| {
        raw(|mut sock| async move {
            let _ = head(&mut sock, "200 OK", &[("Transfer-Encoding", "chunked".into())]).await;
            let _ = sock.write_all(b"400\r\nonly a few bytes of a 1024-byte chunk").await;
            let _ = sock.shutdown().await;
        })
    });
}

fn install_sizes(s: &Server) {
    s.route("/huge/content-length", |_| {
        raw(|mut sock| async move {
            let h = [("Content-Type", "text/html".to_string()), ("Content-Length", TWO_GB.to_string())];
            if head(&mut sock, "200 OK", &h).await.is_ok() {
                stream_pattern(&mut sock, b"\0", TWO_GB, false).await;
            }
        })
    });
    s.route("/huge/chunked", |_| {
        raw(|mut sock| async move {
            let h = [("Content-Type", "text/html".to_string()), ("Transfer-Encoding", "chunked".to_string())];
            if head(&mut sock, "200 OK", &h).await.is_ok() {
                stream_pattern(&mut sock, b"\0", TWO_GB, true).await;
            }
        })
    });
    s.route("/huge/close-delimited", |_| {
        raw(|mut sock| async move {
            let h = [("Content-Type", "text/html".to_string()), ("Connection", "close".to_string())];
            if head(&mut sock, "200 OK", &h).await.is_ok() {
                stream_pattern(&mut sock, b"\0", TWO_GB, false).await;
            }
        })
    });
    // A Content-Length that understates the body: the extra bytes must not be read as body.
    s.route("/understated-length", |_| {
        raw(|mut sock| async move {
            let _ = head(&mut sock, "200 OK", &[("Content-Length", "5".into())]).await;
            stream_pattern(&mut sock, b"hello and then a lot more", TWO_GB, false).await;
        })
    });
    s.route("/html-50mb", |_| {
        raw(|mut sock| async move {
            let total: u64 = 50 * 1024 * 1024;
            let h = [("Content-Type", "text/html".to_string()), ("Transfer-Encoding", "chunked".to_string())];
            if head(&mut sock, "200 OK", &h).await.is_ok() {
                stream_pattern(&mut sock, b"<p>Lorem ipsum dolor sit amet.</p>\n", total, true).await;
            }
        })
    });
    s.route("/headers-5000", |_| {
        raw(|mut sock| async move {
            let h: Vec<(&str, String)> = (0..5000).map(|i| ("X-Junk", format!("value-{i}"))).collect();
            let _ = head(&mut sock, "200 OK", &h).await;
            let _ = sock.write_all(b"").await;
        })
    });
    s.route("/header-1mb", |_| {
        raw(|mut sock| async move {
            let h = [("X-Big", "a".repeat(1024 * 1024)), ("Content-Length", "0".into())];
            let _ = head(&mut sock, "200 OK", &h).await;
        })
    });
    // Endless informational responses before a final one that never comes.
    s.route("/endless-100-continue", |_| {
        raw(|mut sock| async move {
            loop {
                if sock.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    });
    s.route("/not-http", |_| {
        raw(|mut sock| async move {
            let _ = sock.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02garbage\r\n\r\n").await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
    });
}

fn install_encodings(s: &Server) {
    for (path, kind) in
        [("/bomb/gzip", Bomb::Gzip), ("/bomb/deflate", Bomb::Deflate), ("/bomb/brotli", Bomb::Brotli)]
    {
        s.route(path, move |_| raw(move |sock| stream_bomb(sock, kind, TWO_GB)));
    }
    // Small zstd frame (256 KiB decoded, 14 bytes on the wire): must come back undecoded.
    s.route("/zstd/small", |_| {
        Reply::ok("text/html", zstd_rle_frame(2, b'z')).with_header("Content-Encoding", "zstd")
    });
    // An endless zstd stream: not decoded, so the wire bytes hit the cap.
    s.route("/zstd/endless", |_| {
        raw(|mut sock| async move {
            let h = [("Content-Encoding", "zstd".to_string()), ("Connection", "close".to_string())];
            if head(&mut sock, "200 OK", &h).await.is_ok() {
                let frame = zstd_rle_frame(1 << 14, b'z');
                stream_pattern(&mut sock, &frame, TWO_GB, false).await;
            }
        })
    });
    s.route("/lying/gzip", |_| {
        Reply::ok("text/html", "<html>this is not gzip at all</html>").with_header("Content-Encoding", "gzip")
    });
    s.route("/lying/brotli", |_| {
        Reply::ok("text/html", vec![0xffu8; 4096]).with_header("Content-Encoding", "br")
    });
    s.route("/lying/deflate", |_| {
        Reply::ok("text/html", "plain text posing as deflate").with_header("Content-Encoding", "deflate")
    });
    s.route("/lying/unknown", |_| {
        Reply::ok("text/html", "<p>x</p>").with_header("Content-Encoding", "x-rot13-compress")
    });
}

fn install_redirects(s: &Server, me: u16, canary: u16) {
    let redirect = |to: String| move |_: &super::Req| Reply::status(302).with_header("Location", &to);
    s.route("/loop/a", redirect("/loop/b".into()));
    s.route("/loop/b", redirect("/loop/a".into()));
    s.route("/loop/self", redirect("/loop/self#again".into()));
    for i in 0..50 {
        s.route(&format!("/chain/{i}"), redirect(format!("/chain/{}", i + 1)));
    }
    s.route("/chain/50", |_| Reply::ok("text/plain", "end of chain"));
    s.route("/to/ok", redirect(format!("http://127.0.0.1:{me}/ok")));
    s.route("/to/ok-decimal", redirect(format!("http://2130706433:{me}/ok")));
    s.route("/no-location", |_| Reply::status(302));
    s.route("/bad-location", |_| Reply::status(301).with_header("Location", "http://[::1"));
    for (name, target) in internal_targets(me, canary) {
        s.route(&format!("/to/{name}"), redirect(target));
    }
}

/// Every spelling of "somewhere internal" a redirect may use, by route name.
pub fn internal_targets(me: u16, canary: u16) -> Vec<(&'static str, String)> {
    vec![
        ("canary", format!("http://127.0.0.1:{canary}/")),
        ("decimal", format!("http://2130706433:{canary}/")),
        ("hex", format!("http://0x7f000001:{canary}/")),
        ("octal", format!("http://0177.0.0.1:{canary}/")),
        ("short", format!("http://127.1:{canary}/")),
        ("mixed-radix", format!("http://0x7f.0.0.01:{canary}/")),
        ("percent", format!("http://%31%32%37.0.0.1:{canary}/")),
        ("fullwidth", format!("http://\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}:{canary}/")),
        ("trailing-dot", format!("http://127.0.0.1.:{canary}/")),
        ("mapped", format!("http://[::ffff:127.0.0.1]:{canary}/")),
        ("mapped-hex", format!("http://[::ffff:7f00:1]:{canary}/")),
        ("compatible", format!("http://[::127.0.0.1]:{canary}/")),
        ("v6-loopback", format!("http://[::1]:{canary}/")),
        ("v6-unspecified", format!("http://[::]:{canary}/")),
        ("v6-long", format!("http://[0:0:0:0:0:0:0:1]:{canary}/")),
        ("mapped-long", format!("http://[0:0:0:0:0:ffff:127.0.0.1]:{canary}/")),
        ("zeros", format!("http://0.0.0.0:{canary}/")),
        ("zero", format!("http://0:{canary}/")),
        ("localhost", format!("http://localhost:{canary}/")),
        ("localhost-dot", format!("http://localhost.:{canary}/")),
        ("localhost-upper", format!("http://LOCALHOST:{canary}/")),
        ("sub-localhost", format!("http://api.localhost:{canary}/")),
        ("userinfo", format!("http://evil@127.0.0.1:{canary}/")),
        ("userinfo-allowed", format!("http://127.0.0.1:{me}@127.0.0.1:{canary}/")),
        ("backslash", format!("http://127.0.0.1:{canary}\\@127.0.0.1:{me}/")),
        ("scheme-relative", format!("//127.0.0.1:{canary}/")),
        ("https", format!("https://127.0.0.1:{canary}/")),
        // The hostile server itself, but not by its allowed "127.0.0.1:PORT" spelling.
        ("me-by-name", format!("http://localhost:{me}/ok")),
        ("me-mapped", format!("http://[::ffff:127.0.0.1]:{me}/ok")),
        ("metadata", "http://169.254.169.254/latest/meta-data/".into()),
        ("file", "file:///etc/passwd".into()),
        ("gopher", format!("gopher://127.0.0.1:{canary}/_INFO")),
        ("ftp", format!("ftp://127.0.0.1:{canary}/")),
        ("data", "data:text/html,<p>hi</p>".into()),
        ("javascript", "javascript:alert(1)".into()),
    ]
}

fn install_documents(s: &Server) {
    s.route("/xml/billion-laughs", |_| Reply::ok("application/rss+xml", billion_laughs()));
    s.route("/xml/xxe", |_| Reply::ok("application/rss+xml", XXE));
    s.route("/html/deep", |_| Reply::ok("text/html", deep_html(100_000)));
    s.route("/html/binary", |_| Reply::ok("text/html", binary_noise(256 * 1024)));
    s.route("/html/malformed", |_| Reply::ok("text/html", MALFORMED_HTML));
    // A header value with a forged log line in it (as far as HTTP lets a server go).
    s.route("/forged-log", |_| {
        Reply::status(302).with_header("Location", "http://[\u{85}INFO newsd: all good")
    });
}

/// The classic entity-expansion bomb, as an RSS feed.
pub fn billion_laughs() -> String {
    let mut s = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n");
    s.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        s.push_str(&format!("<!ENTITY lol{i} \"{prev}\">\n"));
    }
    s.push_str("]>\n<rss version=\"2.0\"><channel><title>&lol9;</title>");
    s.push_str("<item><title>&lol9;</title><link>http://example.invalid/a</link></item></channel></rss>");
    s
}

/// An external-entity read of a local file, as an RSS feed.
pub const XXE: &str =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n\
<rss version=\"2.0\"><channel><title>&xxe;</title><item><title>&xxe;</title>\
<link>http://example.invalid/b</link><description>&xxe;</description></item></channel></rss>";

const MALFORMED_HTML: &str = "<html><head><title>unterminated<body><p><b><i>nest</b></i><table><tr><td>\
<div <p class=\"x>&#xFFFFFFFF;&bogus;&#0;<script><!--</script><![CDATA[ <svg><foreignObject><math>\
</p></p></p></html></html><p>after the end";

/// `depth` nested divs, then text, then the closing tags.
pub fn deep_html(depth: usize) -> String {
    format!("<html><body>{}<p>deep text</p>{}</body></html>", "<div>".repeat(depth), "</div>".repeat(depth))
}

/// Deterministic pseudo-random bytes (xorshift), NULs and invalid UTF-8 included.
pub fn binary_noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
