//! The progress bar of long runs, on standard error: the only user of `indicatif`. Drawn only
//! when standard error is a terminal, not in CI, for a human format, and only once a run has
//! taken more than a second, so short runs and logs never see it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// Whether a run may draw a progress bar: standard error is a terminal, the `CI` variable is
/// unset, and the main output is for people.
pub fn wanted(stderr_is_terminal: bool, human_output: bool, disabled: bool) -> bool {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    stderr_is_terminal && human_output && !disabled && !ci
}

/// A bar counting files done out of `total`, hidden until the run has taken [`DELAY`].
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: Arc<AtomicBool>,
}

impl Progress {
    /// A hidden bar for `total` files.
    pub fn new(total: usize) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files  {elapsed}") {
            bar.set_style(style);
        }
        Progress {
            bar,
            started: Instant::now(),
            shown: Arc::new(AtomicBool::new(false)),
        }
    }

    /// One more file done; the bar appears once the run is long.
    pub fn tick(&self) {
        self.bar.inc(1);
        if self.started.elapsed() > DELAY && !self.shown.swap(true, Ordering::Relaxed) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Removes the bar before the report is written.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{wanted, Progress};

    #[test]
    fn the_bar_is_only_for_people_at_a_terminal_and_counts_quietly_until_shown() {
        assert!(!wanted(false, true, false), "not a terminal");
        assert!(!wanted(true, false, false), "a machine format");
        assert!(!wanted(true, true, true), "--no-progress or --quiet");
        let bar = Progress::new(3);
        bar.tick();
        bar.tick();
        assert_eq!(bar.bar.position(), 2);
        assert!(bar.bar.is_hidden(), "a short run draws nothing");
        bar.finish();
    }
}
