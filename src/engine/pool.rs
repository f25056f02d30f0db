//! Checking files on worker threads within the evaluation budget. An evaluation that runs past its
//! time is abandoned together with its thread (a thread cannot be stopped from outside), its
//! policy is switched off for the rest of the run, and its file is checked again without it on a
//! fresh thread, so nothing else is lost. A run past its memory budget stops: the files not yet
//! checked are reported as such.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use super::budget::{resident_memory, Budget, Limit, Meter, Overrun};

/// How often the watchdog looks at the workers.
const TICK: Duration = Duration::from_millis(10);
/// Stack of a worker thread: room for the deepest expression and document the limits allow.
const WORKER_STACK: usize = 16 * 1024 * 1024;

/// One job handed to the work function.
pub struct Job<'a> {
    /// Which job, from 0.
    pub index: usize,
    /// Where to publish what is being evaluated.
    pub meter: &'a Meter,
    /// Budgets exceeded by earlier attempts at this job: their policies are now switched off.
    pub overruns: &'a [Overrun],
}

/// How a job ended.
#[derive(Debug)]
pub struct Finished<R> {
    /// The work function's result; `None` when the run stopped before the job was done, or when
    /// the work function panicked.
    pub result: Option<R>,
    /// Budgets exceeded while doing the job.
    pub overruns: Vec<Overrun>,
    /// The message of a panic in the work function, a bug.
    pub panic: Option<String>,
}

type Queue = Mutex<VecDeque<(usize, u64, Vec<Overrun>)>>;

struct Shared<W> {
    queue: Queue,
    work: W,
}

impl<W> Shared<W> {
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<(usize, u64, Vec<Overrun>)>> {
        // The queue is plain data, valid even if a holder panicked.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

enum Message<R> {
    Done(usize, u64, R),
    Panicked(usize, u64, String),
}

/// Runs `work` on jobs `0..count` with as many threads as the machine has cores, within `budget`.
/// `disable` is called with the index of a policy that ran past the time budget.
pub fn run<R, W, D>(count: usize, budget: Budget, work: W, disable: D) -> Vec<Finished<R>>
where
    R: Send + 'static,
    W: Fn(Job<'_>) -> R + Send + Sync + 'static,
    D: Fn(usize),
{
    let mut finished: Vec<Finished<R>> = (0..count)
        .map(|_| Finished {
            result: None,
            overruns: Vec::new(),
            panic: None,
        })
        .collect();
    if count == 0 {
        return finished;
    }
    let shared = Arc::new(Shared {
        queue: Mutex::new((0..count).map(|i| (i, 0, Vec::new())).collect()),
        work,
    });
    let (tx, rx) = mpsc::channel();
    let threads = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count);
    let mut workers: Vec<Arc<Meter>> = (0..threads)
        .filter_map(|_| spawn_worker(&shared, &tx))
        .collect();
    if workers.is_empty() {
        run_here(&shared, &mut finished, &vec![false; count]);
        return finished;
    }

    let mut attempts = vec![0u64; count];
    let mut done = vec![false; count];
    let mut pending = count;
    while pending > 0 {
        match rx.recv_timeout(TICK) {
            Ok(Message::Done(index, attempt, result)) if attempts[index] == attempt => {
                finished[index].result = Some(result);
                done[index] = true;
                pending -= 1;
            }
            Ok(Message::Panicked(index, attempt, message)) if attempts[index] == attempt => {
                finished[index].panic = Some(message);
                done[index] = true;
                pending -= 1;
            }
            // A result of an abandoned attempt: the job runs again.
            Ok(_) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let mut fresh = Vec::new();
        for meter in &workers {
            let Some(((index, attempt), evaluation)) = meter.overdue(budget.eval_time) else {
                continue;
            };
            meter.abandon();
            if done[index] || attempts[index] != attempt {
                continue;
            }
            disable(evaluation.policy);
            finished[index].overruns.push(Overrun {
                evaluation: Some(evaluation),
                limit: Limit::Time(budget.eval_time),
            });
            attempts[index] += 1;
            let again = (index, attempts[index], finished[index].overruns.clone());
            shared.queue().push_front(again);
            fresh.extend(spawn_worker(&shared, &tx));
        }
        workers.retain(|meter| !meter.is_abandoned());
        workers.extend(fresh);
        if workers.is_empty() {
            run_here(&shared, &mut finished, &done);
            break;
        }
        if let (Some(limit), Some(used)) = (budget.memory, resident_memory()) {
            if used > limit {
                stop(
                    &mut finished,
                    &done,
                    &workers,
                    &shared,
                    Limit::Memory { limit, used },
                );
                break;
            }
        }
    }
    finished
}

/// Does the jobs left on this thread, without a watchdog: the way out when no worker thread can
/// be started (the operating system refuses threads).
fn run_here<R, W>(shared: &Shared<W>, finished: &mut [Finished<R>], done: &[bool])
where
    W: Fn(Job<'_>) -> R,
{
    let meter = Meter::default();
    loop {
        let Some((index, _, overruns)) = shared.queue().pop_front() else {
            break;
        };
        if done[index] {
            continue;
        }
        let job = Job {
            index,
            meter: &meter,
            overruns: &overruns,
        };
        match catch_unwind(AssertUnwindSafe(|| (shared.work)(job))) {
            Ok(result) => finished[index].result = Some(result),
            Err(panic) => finished[index].panic = Some(panic_message(&*panic)),
        }
    }
}

/// Ends the run early: every job not done is reported with the limit that stopped it.
fn stop<R, W>(
    finished: &mut [Finished<R>],
    done: &[bool],
    workers: &[Arc<Meter>],
    shared: &Shared<W>,
    limit: Limit,
) {
    shared.queue().clear();
    for (index, result) in finished.iter_mut().enumerate() {
        if done[index] {
            continue;
        }
        let evaluation = workers.iter().find_map(|meter| match meter.current() {
            (Some((job, _)), evaluation) if job == index => evaluation,
            _ => None,
        });
        result.overruns.push(Overrun { evaluation, limit });
    }
}

fn spawn_worker<R, W>(shared: &Arc<Shared<W>>, tx: &Sender<Message<R>>) -> Option<Arc<Meter>>
where
    R: Send + 'static,
    W: Fn(Job<'_>) -> R + Send + Sync + 'static,
{
    let meter = Arc::new(Meter::default());
    let (shared, tx, mine) = (shared.clone(), tx.clone(), meter.clone());
    let spawned = thread::Builder::new()
        .name("bcpcheck-worker".into())
        .stack_size(WORKER_STACK)
        .spawn(move || loop {
            if mine.is_abandoned() {
                break;
            }
            let Some((index, attempt, overruns)) = shared.queue().pop_front() else {
                break;
            };
            mine.start_job(index, attempt);
            let job = Job {
                index,
                meter: &mine,
                overruns: &overruns,
            };
            let message = match catch_unwind(AssertUnwindSafe(|| (shared.work)(job))) {
                Ok(result) => Message::Done(index, attempt, result),
                Err(panic) => Message::Panicked(index, attempt, panic_message(&*panic)),
            };
            if tx.send(message).is_err() {
                break;
            }
        });
    spawned.ok().map(|_| meter)
}

/// The text of a panic payload.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
