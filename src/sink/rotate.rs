//! Names and housekeeping of rotated files: `articles.jsonl` is rotated to
//! `articles-000001.jsonl`, `articles-000002.jsonl`, … beside it. Numbers come from a counter
//! kept in the sink's checkpoint (and never below the highest on disk), so names never collide
//! and never repeat, even after retention deleted older files. Rotated names sort before the
//! live file and in rotation order (up to 999999 rotations), so `cat out/*.jsonl` is the stream.
//!
//! Owns naming, listing, retention and directory fsync; the rotation protocol itself (rename,
//! checkpoint, reopen) is in `file`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The folder of the live file ("." for a bare file name).
pub(super) fn dir_of(live: &Path) -> &Path {
    live.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn stem_ext(live: &Path) -> (&str, &str) {
    let stem = live.file_stem().and_then(|s| s.to_str()).unwrap_or("articles");
    let ext = live.extension().and_then(|s| s.to_str()).unwrap_or("jsonl");
    (stem, ext)
}

/// The name of rotated file number `seq`: `articles.jsonl` → `articles-000042.jsonl`.
pub(super) fn rotated_name(live: &Path, seq: u64) -> PathBuf {
    let (stem, ext) = stem_ext(live);
    dir_of(live).join(format!("{stem}-{seq:06}.{ext}"))
}

/// The rotated files beside `live`, by ascending sequence number.
pub(super) fn list(live: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let (stem, ext) = stem_ext(live);
    let (prefix, suffix) = (format!("{stem}-"), format!(".{ext}"));
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir_of(live)) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let num = name.strip_prefix(&prefix).and_then(|r| r.strip_suffix(&suffix));
        if let Some(seq) = num.filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) {
            if let Ok(seq) = seq.parse::<u64>() {
                out.push((seq, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Makes renames and creations in the folder of `live` durable.
pub(super) fn sync_dir(live: &Path) -> std::io::Result<()> {
    File::open(dir_of(live))?.sync_all()
}

/// Deletes rotated files beyond `max_files` (oldest first; 0 keeps all) and those last written
/// more than `max_age` ago. Only rotated files are touched, and every record in them is already
/// committed (rotation commits before it returns), so deleting one never causes a repeat.
/// Returns how many were deleted; failures are logged and skipped.
pub(super) fn apply_retention(live: &Path, max_files: u32, max_age: Option<Duration>) -> u64 {
    if max_files == 0 && max_age.is_none() {
        return 0;
    }
    let files = match list(live) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(path = %dir_of(live).display(), error = %e, "Cannot list rotated files for retention.");
            return 0;
        }
    };
    let excess = if max_files == 0 { 0 } else { files.len().saturating_sub(max_files as usize) };
    let now = SystemTime::now();
    let mut removed = 0;
    for (i, (_, path)) in files.iter().enumerate() {
        let too_old = max_age.is_some_and(|max| {
            let modified = std::fs::metadata(path).and_then(|m| m.modified());
            modified.ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age > max)
        });
        if i >= excess && !too_old {
            continue;
        }
        match std::fs::remove_file(path) {
            Ok(()) => {
                removed += 1;
                tracing::info!(path = %path.display(), "Rotated output file removed by retention.");
            }
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "Cannot remove rotated file."),
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_before_the_live_file_and_list_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("articles.jsonl");
        assert_eq!(rotated_name(&live, 7).file_name().unwrap(), "articles-000007.jsonl");
        for seq in [10, 2, 1] {
            std::fs::write(rotated_name(&live, seq), "").unwrap();
        }
        std::fs::write(&live, "").unwrap();
        std::fs::write(dir.path().join("articles-x.jsonl"), "").unwrap();
        std::fs::write(dir.path().join("other-000003.jsonl"), "").unwrap();
        let seqs: Vec<u64> = list(&live).unwrap().into_iter().map(|(s, _)| s).collect();
        assert_eq!(seqs, vec![1, 2, 10]);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("articles"))
            .collect();
        names.sort();
        assert_eq!(names.last().unwrap(), "articles.jsonl", "{names:?}");
    }

    #[test]
    fn retention_keeps_the_newest_max_files() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("a.jsonl");
        for seq in 1..=5 {
            std::fs::write(rotated_name(&live, seq), "x\n").unwrap();
        }
        assert_eq!(apply_retention(&live, 2, None), 3);
        let seqs: Vec<u64> = list(&live).unwrap().into_iter().map(|(s, _)| s).collect();
        assert_eq!(seqs, vec![4, 5]);
        assert_eq!(apply_retention(&live, 0, Some(Duration::from_secs(3600))), 0);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(apply_retention(&live, 0, Some(Duration::ZERO)), 2);
    }
}
