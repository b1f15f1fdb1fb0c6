//! The accept loop of the daemon's own small HTTP/1.1 endpoints (WebSub callbacks, metrics).
//! Owns what every such endpoint needs against slow or many clients: a cap on connections
//! served at once, a deadline for the request head and for the whole connection, and accept
//! errors (out of file descriptors and the like) waited out instead of ending the server.
//! What a request gets back is the caller's handler.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How much one endpoint lets its clients take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Time allowed for a request head.
    pub header_timeout: Duration,
    /// Largest request head.
    pub max_head: usize,
    /// Time allowed for a whole connection (a body dripped slowly is cut here).
    pub connection_deadline: Duration,
}

/// Serves `handler` on `listener` until the task is dropped. `name` says which endpoint in
/// the logs.
pub async fn serve<H, F>(listener: TcpListener, name: &'static str, limits: Limits, handler: H)
where
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let handler = Arc::new(handler);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(addr = %addr, "{name} listening.");
    }
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!(error = %e, "{name} cannot accept a connection.");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let answer = handler(req);
                async move { Ok::<_, Infallible>(answer.await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(limits.max_head)
                .serve_connection(TokioIo::new(stream), svc);
            let _ = tokio::time::timeout(limits.connection_deadline, conn).await;
            drop(slot);
        });
    }
}
