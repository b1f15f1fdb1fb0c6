//! The two checks a WebSub subscriber makes on what reaches its callback, as pure functions:
//! the hub's verification of intent (a GET) and the signature of a content distribution (a
//! POST's `X-Hub-Signature`). No I/O, no clock, no store: the server feeds them the request
//! and the subscription it holds.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};

use super::subscribe::AWAIT_VERIFICATION;
use crate::state::{SubStatus, Subscription};

/// Longest `hub.challenge` echoed (the spec sets none; a challenge is a nonce, not a payload).
pub const MAX_CHALLENGE: usize = 1024;

/// What to answer a verification GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// We asked for this subscription: echo the challenge with 200 and record the lease.
    Subscribe { challenge: String, lease_seconds: Option<u64> },
    /// The hub refused the subscription (`hub.mode=denied`): answer 200, fall back to polling.
    Denied { reason: Option<String> },
    /// Not something we asked for (wrong topic, unknown mode, an unsubscribe we did not
    /// request, no challenge): answer 404 and change nothing.
    Refuse(&'static str),
}

/// Checks a verification request (its query string) against the feed's subscription at `now`.
///
/// A subscribe is confirmed only for the topic we subscribed to and only while a request of
/// ours awaits verification (pending, or an active subscription's renewal sent within
/// [`AWAIT_VERIFICATION`]): the callback URL and the topic are public, and a verification
/// nobody asked for would make us believe in pushes that never come (and poll only at the
/// ceiling). We never ask to unsubscribe (a subscription we no longer want lapses at its
/// lease end), so an unsubscribe is always someone else's wish and is refused: confirming it
/// would let anyone cancel our push. A denial is accepted at any time for our topic (a hub
/// may revoke a subscription): its worst effect is polling as usual.
pub fn check_intent(query: &str, sub: Option<&Subscription>, now: DateTime<Utc>) -> Intent {
    let mut mode = None;
    let mut topic = None;
    let mut challenge = None;
    let mut lease = None;
    let mut reason = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "hub.mode" => mode = Some(v.into_owned()),
            "hub.topic" => topic = Some(v.into_owned()),
            "hub.challenge" => challenge = Some(v.into_owned()),
            "hub.lease_seconds" => lease = Some(v.into_owned()),
            "hub.reason" => reason = Some(v.into_owned()),
            _ => {}
        }
    }
    let Some(sub) = sub else { return Intent::Refuse("no subscription for this callback") };
    if topic.as_deref() != Some(sub.topic.as_str()) {
        return Intent::Refuse("topic does not match the subscription");
    }
    match mode.as_deref() {
        Some("subscribe") => {
            let asked_recently =
                sub.requested_at.is_some_and(|t| (now - t).to_std().is_ok_and(|d| d <= AWAIT_VERIFICATION));
            let awaited = match sub.status {
                SubStatus::Pending => true,
                SubStatus::Active => asked_recently,
                SubStatus::Denied | SubStatus::Failed => false,
            };
            if !awaited {
                return Intent::Refuse("no subscription request awaits verification");
            }
            let Some(challenge) = challenge.filter(|c| !c.is_empty() && c.len() <= MAX_CHALLENGE) else {
                return Intent::Refuse("missing or oversized hub.challenge");
            };
            let lease_seconds = lease.and_then(|l| l.trim().parse::<u64>().ok());
            Intent::Subscribe { challenge, lease_seconds }
        }
        Some("denied") => Intent::Denied { reason },
        Some("unsubscribe") => Intent::Refuse("unsubscribe not requested"),
        _ => Intent::Refuse("unknown hub.mode"),
    }
}

/// What the signature of a pushed body says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    Valid,
    /// No `X-Hub-Signature` header.
    Missing,
    /// Not `method=hex`, or not hex.
    Malformed,
    /// A method other than sha1, sha256, sha384, sha512.
    UnknownMethod,
    /// Well formed, but not made with our secret over this body.
    Mismatch,
}

/// Checks `X-Hub-Signature: <method>=<hex HMAC of the body>` with the subscription's secret.
/// The comparison is constant-time (hmac's `verify_slice`).
pub fn check_signature(header: Option<&str>, secret: &[u8], body: &[u8]) -> Signature {
    let Some(header) = header else { return Signature::Missing };
    let Some((method, hex_sig)) = header.trim().split_once('=') else { return Signature::Malformed };
    let Ok(sig) = hex::decode(hex_sig.trim()) else { return Signature::Malformed };
    let ok = match method.trim().to_ascii_lowercase().as_str() {
        "sha1" => verify::<Hmac<sha1::Sha1>>(secret, body, &sig),
        "sha256" => verify::<Hmac<sha2::Sha256>>(secret, body, &sig),
        "sha384" => verify::<Hmac<sha2::Sha384>>(secret, body, &sig),
        "sha512" => verify::<Hmac<sha2::Sha512>>(secret, body, &sig),
        _ => return Signature::UnknownMethod,
    };
    if ok {
        Signature::Valid
    } else {
        Signature::Mismatch
    }
}

fn verify<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8], sig: &[u8]) -> bool {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; a failure still reads as
    // "not verified", never as a pass.
    let Ok(mut mac) = <M as hmac::digest::KeyInit>::new_from_slice(secret) else { return false };
    mac.update(body);
    mac.verify_slice(sig).is_ok()
}

/// `sha256=<hex>` of `body` under `secret`: what a hub sends.
#[cfg(test)]
fn sign_sha256(secret: &[u8], body: &[u8]) -> String {
    let mut mac =
        <Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    /// A subscription whose last request went out `minutes` ago.
    fn sub_asked(status: SubStatus, minutes: i64) -> Subscription {
        Subscription {
            hub: "https://hub.example/".into(),
            topic: "https://e.org/feed.xml".into(),
            secret: "s3cret".into(),
            status,
            requested_at: Some(now() - chrono::Duration::minutes(minutes)),
            ..Default::default()
        }
    }

    fn sub(status: SubStatus) -> Subscription {
        sub_asked(status, 1)
    }

    fn check(query: &str, sub: Option<&Subscription>) -> Intent {
        check_intent(query, sub, now())
    }

    const TOPIC: &str = "hub.topic=https%3A%2F%2Fe.org%2Ffeed.xml";

    #[test]
    fn subscribe_for_our_topic_is_confirmed_with_its_lease() {
        let q = format!("hub.mode=subscribe&{TOPIC}&hub.challenge=abc%20123&hub.lease_seconds=86400");
        let want = Intent::Subscribe { challenge: "abc 123".into(), lease_seconds: Some(86400) };
        assert_eq!(check(&q, Some(&sub(SubStatus::Pending))), want);
        assert_eq!(check(&q, Some(&sub(SubStatus::Active))), want, "a renewal");
        assert_eq!(check(&q, Some(&sub_asked(SubStatus::Pending, 300))), want, "a late verification");
    }

    #[test]
    fn a_verification_nobody_asked_for_is_refused() {
        // Active, and no renewal sent lately: someone else is trying to extend the lease.
        let q = format!("hub.mode=subscribe&{TOPIC}&hub.challenge=abc&hub.lease_seconds=31536000");
        assert!(matches!(check(&q, Some(&sub_asked(SubStatus::Active, 120))), Intent::Refuse(_)));
    }

    #[test]
    fn anything_we_did_not_ask_for_is_refused() {
        let pending = sub(SubStatus::Pending);
        let q = "hub.mode=subscribe&hub.topic=https%3A%2F%2Fevil.example%2F&hub.challenge=x";
        assert!(matches!(check(q, Some(&pending)), Intent::Refuse(_)), "wrong topic");
        let q = format!("hub.mode=subscribe&{TOPIC}&hub.challenge=x");
        assert!(matches!(check(&q, None), Intent::Refuse(_)), "no subscription");
        assert!(matches!(check(&q, Some(&sub(SubStatus::Denied))), Intent::Refuse(_)));
        assert!(matches!(check(&q, Some(&sub(SubStatus::Failed))), Intent::Refuse(_)));
        let q = format!("hub.mode=subscribe&{TOPIC}");
        assert!(matches!(check(&q, Some(&pending)), Intent::Refuse(_)), "no challenge");
        let q = format!("hub.mode=subscribe&{TOPIC}&hub.challenge={}", "x".repeat(MAX_CHALLENGE + 1));
        assert!(matches!(check(&q, Some(&pending)), Intent::Refuse(_)), "huge challenge");
        let q = format!("hub.mode=unsubscribe&{TOPIC}&hub.challenge=x");
        assert!(matches!(check(&q, Some(&sub(SubStatus::Active))), Intent::Refuse(_)));
        let q = format!("hub.mode=publish&{TOPIC}&hub.challenge=x");
        assert!(matches!(check(&q, Some(&pending)), Intent::Refuse(_)), "unknown mode");
        assert!(matches!(check("", Some(&pending)), Intent::Refuse(_)));
    }

    #[test]
    fn denial_of_our_topic_is_taken_note_of() {
        let q = format!("hub.mode=denied&{TOPIC}&hub.reason=quota");
        assert_eq!(
            check(&q, Some(&sub(SubStatus::Pending))),
            Intent::Denied { reason: Some("quota".into()) }
        );
    }

    #[test]
    fn signatures_of_every_method_verify() {
        let (key, body) = (b"k3y".as_slice(), b"<feed/>".as_slice());
        let sig = sign_sha256(key, body);
        assert_eq!(check_signature(Some(&sig), key, body), Signature::Valid);
        let upper = format!("sha256={}", sig["sha256=".len()..].to_ascii_uppercase());
        assert_eq!(check_signature(Some(&upper), key, body), Signature::Valid, "hex case does not matter");
        // Other methods, computed independently through the Mac trait.
        fn hex_mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], body: &[u8]) -> String {
            let mut m = <M as hmac::digest::KeyInit>::new_from_slice(key).unwrap();
            m.update(body);
            hex::encode(m.finalize().into_bytes())
        }
        let sha1 = format!("sha1={}", hex_mac::<Hmac<sha1::Sha1>>(key, body));
        let sha384 = format!("sha384={}", hex_mac::<Hmac<sha2::Sha384>>(key, body));
        let sha512 = format!("sha512={}", hex_mac::<Hmac<sha2::Sha512>>(key, body));
        for s in [sha1, sha384, sha512] {
            assert_eq!(check_signature(Some(&s), key, body), Signature::Valid, "{s}");
        }
        // A known vector (RFC 4231 test case 2) pins the construction.
        let rfc = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(check_signature(Some(rfc), b"Jefe", b"what do ya want for nothing?"), Signature::Valid);
    }

    #[test]
    fn bad_signatures_are_told_apart() {
        let (key, body) = (b"k3y".as_slice(), b"<feed/>".as_slice());
        let sig = sign_sha256(key, body);
        assert_eq!(check_signature(None, key, body), Signature::Missing);
        assert_eq!(check_signature(Some("sha256"), key, body), Signature::Malformed);
        assert_eq!(check_signature(Some("sha256=zz"), key, body), Signature::Malformed);
        assert_eq!(check_signature(Some("md5=00"), key, body), Signature::UnknownMethod);
        assert_eq!(check_signature(Some(&sig), b"other key", body), Signature::Mismatch);
        assert_eq!(check_signature(Some(&sig), key, b"<feed>tampered</feed>"), Signature::Mismatch);
        assert_eq!(check_signature(Some(&sig[..sig.len() - 2]), key, body), Signature::Mismatch, "truncated");
        assert_eq!(check_signature(Some("sha256="), key, body), Signature::Mismatch, "empty");
    }
}
