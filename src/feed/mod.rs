//! Stages [2]–[3]: one poll of a feed (`poll`: conditional GET + parse + filter new items) and
//! the pure parser (`parse`: bytes + base URL → [`ParsedFeed`]).
//!
//! Parsing survives broken feeds: `decode` reads the bytes in the right character encoding,
//! `repair` (over the `markup` tokenizer and the `dialect` mappings) makes broken XML
//! well-formed and `json` reshapes JSON Feed, `parse` isolates feed-rs and salvages items one
//! by one, `dates` reads timestamps feed-rs cannot, `hints` finds the feed's own scheduling
//! hints, and `text` makes feed text plain and safe for a record.

mod dates;
mod decode;
mod dialect;
mod hints;
mod json;
mod markup;
mod parse;
mod poll;
pub mod repair;
mod text;

pub use dates::parse_date;
pub use parse::{parse, ParseError, ParsedFeed, Recovery};
pub use poll::{item_hash, max_age, new_items, poll, NewItem, PollError, Polled};
pub use repair::Fix;
pub use text::clean_text as plain_text;
