//! Stages [2]–[3]: one poll of a feed (`poll`: conditional GET + parse + filter new items) and
//! the pure parser (`parse`: bytes + base URL → [`ParsedFeed`]), with `repair`, the tolerant
//! pass that lets broken feeds give up what they can.

mod parse;
mod poll;
pub mod repair;

pub use parse::{parse, ParseError, ParsedFeed};
pub use poll::{item_hash, max_age, poll, PollError, Polled};
