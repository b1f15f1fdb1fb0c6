//! Test hooks: crash the process at chosen points of the delivery protocol, so tests can prove
//! recovery from exactly those points instead of hoping a random SIGKILL lands there.
//!
//! - `NEWSD_TEST_CRASH_AFTER_WRITES=N`: abort right after the N-th record line of this process is
//!   written (and fsynced per policy), before it is committed to the state store.
//! - `NEWSD_TEST_CRASH_MID_WRITE=N`: write only the first half of this process's N-th line,
//!   then abort: a torn last line, as a power cut or a full disk mid-`write` would leave.
//! - `NEWSD_TEST_CRASH_AFTER_ROTATIONS=N`: abort during the N-th rotation, right after the live
//!   file was renamed and before the checkpoint is committed and the new live file opened.
//!
//! Unset (the normal case) they cost one comparison per batch. They abort (SIGABRT) rather than
//! exit, so no destructor, flush or `Drop` of the store runs: the effect is that of a SIGKILL.

/// The hooks read from the environment once, when the sink opens.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Hooks {
    crash_after_writes: Option<u64>,
    crash_mid_write: Option<u64>,
    crash_after_rotations: Option<u64>,
}

impl Hooks {
    pub(super) fn from_env() -> Hooks {
        let read = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<u64>().ok());
        let hooks = Hooks {
            crash_after_writes: read("NEWSD_TEST_CRASH_AFTER_WRITES"),
            crash_mid_write: read("NEWSD_TEST_CRASH_MID_WRITE"),
            crash_after_rotations: read("NEWSD_TEST_CRASH_AFTER_ROTATIONS"),
        };
        let any = [hooks.crash_after_writes, hooks.crash_mid_write, hooks.crash_after_rotations];
        if any.iter().any(Option::is_some) {
            tracing::warn!(?hooks, "Test crash hooks are set; this process will abort on purpose.");
        }
        hooks
    }

    /// How many of the `n` next lines to write in one go, so the crash point falls exactly after
    /// the N-th line (`written` lines were written before).
    pub(super) fn limit(&self, n: usize, written: u64) -> usize {
        [self.crash_after_writes, self.crash_mid_write].into_iter().flatten().fold(n, |n, at| {
            if written < at {
                n.min((at - written) as usize)
            } else {
                n
            }
        })
    }

    /// If the segment ending with line number `last` must be torn: how many of its `len` bytes
    /// to write before aborting (all but the second half of the last line, `last_len` bytes).
    pub(super) fn tear(&self, last: u64, len: usize, last_len: usize) -> Option<usize> {
        (self.crash_mid_write == Some(last)).then(|| len - last_len + last_len / 2)
    }

    /// Aborts after a torn write.
    pub(super) fn abort_torn(&self) -> ! {
        tracing::warn!("Test hook: aborting in the middle of a line.");
        std::process::abort();
    }

    /// Called after lines are written and before they are committed.
    pub(super) fn after_write(&self, written: u64) {
        if self.crash_after_writes == Some(written) {
            tracing::warn!(written, "Test hook: aborting after a write, before its commit.");
            std::process::abort();
        }
    }

    /// Called after a rotation's rename, before its checkpoint and the new live file.
    pub(super) fn after_rename(&self, rotations: u64) {
        if self.crash_after_rotations == Some(rotations) {
            tracing::warn!(rotations, "Test hook: aborting between rename and reopen.");
            std::process::abort();
        }
    }
}
