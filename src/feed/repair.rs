//! Tolerant repair of broken feed documents before parsing. Each fix is small and only applied
//! when the strict parse failed or found nothing.

/// Returns a repaired copy of `bytes`, or `None` when there is nothing to repair.
pub fn repair(_bytes: &[u8]) -> Option<Vec<u8>> {
    None
}
