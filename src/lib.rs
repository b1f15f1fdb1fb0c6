//! newsd: a streaming news-feed ingestion daemon.
//!
//! Data flows one way, each stage owned by one module:
//!
//! ```text
//! config ──► scheduler ──► feed (fetch + parse) ──► article (fetch + extract + news)
//!    [1]         [2]              [3]                        [4]
//!                                          ──► dedup ──► sink (jsonl file | stdout)
//!                                              [5]        [6]
//! ```
//!
//! `app` wires the stages with bounded channels; `state` is the embedded store shared by the
//! scheduler (validators, schedule), dedup (near-duplicate signatures) and the sink (delivery
//! checkpoint). `extract` and `news` are pure functions (HTML → article, text → news fields)
//! used by the article stage and by `newsd extract`. `websub` (optional) receives pushed feed
//! documents and hands them to the scheduler, which treats them like polled ones; it and
//! `metrics` share the bounded accept loop in `serve`.

pub mod config;
pub mod model;

pub mod charset;
pub mod http;
pub mod state;

pub mod article;
pub mod dedup;
pub mod extract;
pub mod feed;
pub mod news;
pub mod record;
pub mod scheduler;
pub mod sink;

pub mod app;
pub mod metrics;
pub mod serve;
pub mod status;
pub mod websub;
