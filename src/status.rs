//! `newsd status` beside a running daemon. The daemon holds the store exclusively, so it
//! answers on a Unix socket in `state.dir` (`newsd.sock`) with every feed's saved state (and
//! WebSub subscription, secret left out), one JSON line per feed; without a daemon, `status`
//! opens the store itself. Owns nothing else.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixListener;

use crate::state::{FeedState, StateError, Store, Subscription};

/// Why no status could be read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("a daemon holds {dir} but its status socket {socket} did not answer: {source}")]
    Socket {
        dir: PathBuf,
        socket: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One line of the socket's answer.
#[derive(Serialize, Deserialize)]
struct Line {
    name: String,
    state: FeedState,
    #[serde(default)]
    push: Option<Subscription>,
}

/// One feed's state and its WebSub subscription, if any.
pub type FeedStatus = (String, FeedState, Option<Subscription>);

/// The socket of the daemon that holds `dir`.
pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join("newsd.sock")
}

/// Every feed's saved state: from the store when no daemon runs, else from the daemon.
pub fn read(dir: &Path) -> Result<Vec<FeedStatus>, StatusError> {
    match Store::open(dir) {
        Ok(store) => Ok(collect(&store)?),
        Err(StateError::Locked { .. }) => ask_daemon(dir),
        Err(e) => Err(e.into()),
    }
}

/// Feed states joined with their subscriptions (whose secrets stay in the store).
fn collect(store: &Store) -> Result<Vec<FeedStatus>, StateError> {
    let mut subs: std::collections::HashMap<String, Subscription> =
        store.subscriptions()?.into_iter().collect();
    let feeds = store.feeds()?;
    Ok(feeds
        .into_iter()
        .map(|(name, state)| {
            let push = subs.remove(&name).map(|s| Subscription { secret: String::new(), ..s });
            (name, state, push)
        })
        .collect())
}

fn ask_daemon(dir: &Path) -> Result<Vec<FeedStatus>, StatusError> {
    let socket = socket_path(dir);
    let err = |source| StatusError::Socket { dir: dir.to_path_buf(), socket: socket.clone(), source };
    let stream = UnixStream::connect(&socket).map_err(err)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).map_err(err)?;
    let mut out = Vec::new();
    for line in BufReader::new(stream).lines() {
        let line: Line = serde_json::from_str(&line.map_err(err)?)
            .map_err(|e| err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        out.push((line.name, line.state, line.push));
    }
    Ok(out)
}

/// Answers status requests until the process ends. Called by the daemon, which holds the lock,
/// so a socket file left by a dead daemon can safely be replaced.
pub async fn serve(store: Store) {
    let path = socket_path(store.dir());
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "Status socket unavailable; `newsd status` works only while the daemon is stopped.");
            return;
        }
    };
    loop {
        let Ok((mut conn, _)) = listener.accept().await else {
            // Out of file descriptors and the like: wait instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        };
        let store = store.clone();
        tokio::spawn(async move {
            let feeds = tokio::task::spawn_blocking(move || collect(&store)).await;
            let Ok(Ok(feeds)) = feeds else { return };
            let mut body = Vec::new();
            for (name, state, push) in feeds {
                serde_json::to_writer(&mut body, &Line { name, state, push }).expect("feed states serialize");
                body.push(b'\n');
            }
            let _ = conn.write_all(&body).await;
            let _ = conn.shutdown().await;
        });
    }
}
