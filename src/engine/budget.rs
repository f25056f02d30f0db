//! The evaluation budget: how long one evaluation may run and how much memory a run may hold.
//!
//! The `cel` crate has no hook to interrupt an evaluation, so the budget is watched from outside
//! the evaluating thread: each worker publishes what it is evaluating on a [`Meter`], and the
//! watchdog in [`super::pool`] reads the meters. An evaluation past its time is abandoned with its
//! thread; memory is read from the operating system.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// Default time one evaluation may take: one policy on one `select` match.
pub const DEFAULT_EVAL_TIME: Duration = Duration::from_millis(1000);
/// Default memory (resident set) a whole run may hold.
pub const DEFAULT_MEMORY: u64 = 2 * 1024 * 1024 * 1024;
/// What the default memory budget grows by per workspace document: a portfolio's documents are
/// held for the whole run (about 0.35 MiB per 18 KB plan, measured), however many are checked.
pub const MEMORY_PER_WORKSPACE_DOCUMENT: u64 = 512 * 1024;

/// The limits of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// How long one evaluation (one policy on one `select` match, every expression of it) may take.
    pub eval_time: Duration,
    /// How much memory the process may hold, in bytes; `None` for no limit. Read where the
    /// operating system tells (Linux); elsewhere not enforced.
    pub memory: Option<u64>,
    /// What `memory` grows by per workspace document: [`MEMORY_PER_WORKSPACE_DOCUMENT`] for the
    /// default budget, 0 for one the user set.
    pub memory_per_document: u64,
}

impl Budget {
    /// This budget for a run whose workspace holds `documents` documents.
    pub fn for_workspace(self, documents: usize) -> Self {
        let extra = self
            .memory_per_document
            .saturating_mul(u64::try_from(documents).unwrap_or(u64::MAX));
        Budget {
            memory: self.memory.map(|m| m.saturating_add(extra)),
            ..self
        }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            eval_time: DEFAULT_EVAL_TIME,
            memory: Some(DEFAULT_MEMORY),
            memory_per_document: MEMORY_PER_WORKSPACE_DOCUMENT,
        }
    }
}

/// Which expression of a policy is being evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprRole {
    /// `variables[i]`, evaluated per match.
    Variable(usize),
    /// The variables that do not read `self`, evaluated once per document.
    Variables,
    /// `when`.
    When,
    /// `rule`.
    Rule,
    /// `messageExpression`.
    Message,
}

/// What a worker is evaluating, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    /// Policy index in the engine.
    pub policy: usize,
    /// Document index in its file.
    pub document: usize,
    /// Index of the `select` match, in document order.
    pub matched: usize,
    /// The expression running now.
    pub role: ExprRole,
    /// When the evaluation of this match started.
    pub since: Instant,
}

/// A worker's public state: the job it runs and the evaluation in flight, if any.
#[derive(Debug, Default)]
pub struct Meter {
    state: Mutex<MeterState>,
}

#[derive(Debug, Default, Clone, Copy)]
struct MeterState {
    job: Option<(usize, u64)>,
    evaluation: Option<Evaluation>,
    abandoned: bool,
    /// How many budgets the current evaluation may take (0 counts as 1).
    allowance: u32,
}

impl Meter {
    fn with<T>(&self, f: impl FnOnce(&mut MeterState) -> T) -> T {
        // The state is plain data, valid even if a holder panicked.
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Starts evaluating one `select` match of `policy` on `document`.
    pub fn begin(&self, policy: usize, document: usize, matched: usize) {
        super::alloc::set_evaluating(true);
        self.with(|s| {
            s.evaluation = Some(Evaluation {
                policy,
                document,
                matched,
                role: ExprRole::Rule,
                since: Instant::now(),
            })
        });
    }

    /// Says which expression of the current evaluation runs now.
    pub fn role(&self, role: ExprRole) {
        self.with(|s| {
            if let Some(e) = &mut s.evaluation {
                e.role = role;
            }
        });
    }

    /// Ends the current evaluation.
    pub fn end(&self) {
        super::alloc::set_evaluating(false);
        self.with(|s| {
            s.evaluation = None;
            s.allowance = 1;
        });
    }

    /// Lets the current evaluation take `budgets` times the time budget: it evaluates a value
    /// that stands for the whole portfolio, once per run.
    pub fn allow(&self, budgets: u32) {
        self.with(|s| s.allowance = budgets);
    }

    /// Starts a job (`attempt` counts how often it was started).
    pub(crate) fn start_job(&self, job: usize, attempt: u64) {
        self.with(|s| {
            s.job = Some((job, attempt));
            s.evaluation = None;
        });
    }

    /// The job and the evaluation in flight, when the evaluation has run longer than `limit`.
    pub(crate) fn overdue(&self, limit: Duration) -> Option<((usize, u64), Evaluation)> {
        self.with(|s| match (s.job, s.evaluation) {
            (Some(job), Some(e))
                if !s.abandoned && e.since.elapsed() > limit * s.allowance.max(1) =>
            {
                Some((job, e))
            }
            _ => None,
        })
    }

    /// The job and evaluation in flight, if any.
    pub(crate) fn current(&self) -> (Option<(usize, u64)>, Option<Evaluation>) {
        self.with(|s| (s.job, s.evaluation))
    }

    /// Marks the worker as given up on: it stops after its current job.
    pub(crate) fn abandon(&self) {
        self.with(|s| s.abandoned = true);
    }

    /// True once the worker was given up on.
    pub(crate) fn is_abandoned(&self) -> bool {
        self.with(|s| s.abandoned)
    }
}

/// Which limit was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// An evaluation ran longer than this.
    Time(Duration),
    /// The process held `used` bytes, over `limit`.
    Memory {
        /// The budget.
        limit: u64,
        /// What was in use.
        used: u64,
    },
}

/// A budget exceeded while checking one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overrun {
    /// The evaluation in flight, if one was.
    pub evaluation: Option<Evaluation>,
    /// The limit.
    pub limit: Limit,
}

/// The resident memory of this process, in bytes, where the operating system tells.
pub fn resident_memory() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        // SAFETY: sysconf only reads a system constant.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        Some(pages * u64::try_from(page).ok()?)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// A policy stopped for exceeding the budget, or a file left unchecked when the run stopped.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(bcpcheck::engine::budget))]
pub struct BudgetExceeded {
    /// The policy, when one was being evaluated.
    pub policy: Option<String>,
    /// The plan file as shown.
    pub file: String,
    /// What happened.
    pub message: String,
    /// The policy file, when a policy was being evaluated.
    #[source_code]
    pub src: Option<crate::document::Named>,
    /// The expression that was running.
    #[label("this expression was running")]
    pub at: Option<SourceSpan>,
    /// How to change the limit.
    #[help]
    pub help: String,
}

/// Bytes as MiB, for messages.
pub fn mib(bytes: u64) -> u64 {
    bytes / (1024 * 1024)
}

#[cfg(test)]
mod allowance_tests {
    use super::*;

    #[test]
    fn an_evaluation_of_a_run_level_value_may_take_more_budgets_until_it_ends() {
        let meter = Meter::default();
        meter.start_job(0, 1);
        meter.begin(0, 0, 0);
        meter.allow(1_000_000);
        std::thread::sleep(Duration::from_millis(2));
        assert!(meter.overdue(Duration::from_millis(1)).is_none());
        meter.allow(1);
        assert!(meter.overdue(Duration::from_millis(1)).is_some());
        // The next evaluation starts with one budget again.
        meter.allow(1_000_000);
        meter.end();
        meter.begin(0, 0, 1);
        std::thread::sleep(Duration::from_millis(2));
        assert!(meter.overdue(Duration::from_millis(1)).is_some());
    }
}

#[cfg(test)]
mod workspace_budget_tests {
    use super::*;

    #[test]
    fn the_default_memory_budget_grows_with_the_portfolio_and_a_set_one_does_not() {
        let default = Budget::default().for_workspace(10_000);
        assert_eq!(
            default.memory,
            Some(DEFAULT_MEMORY + 10_000 * MEMORY_PER_WORKSPACE_DOCUMENT)
        );
        let set = Budget {
            memory: Some(1 << 30),
            memory_per_document: 0,
            ..Budget::default()
        };
        assert_eq!(set.for_workspace(10_000).memory, Some(1 << 30));
        let none = Budget {
            memory: None,
            ..Budget::default()
        };
        assert_eq!(none.for_workspace(10_000).memory, None);
    }
}
