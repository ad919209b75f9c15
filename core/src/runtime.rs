//! The runtime the bindings run their calls on: one single-threaded tokio
//! runtime per process, driven by one thread of its own (`kapture-crm-io`),
//! built on first use and built afresh in a forked child.
//!
//! Why one thread. On a multi-threaded runtime every reply crosses between
//! its workers as well as to the caller's thread, and the workers sleep and
//! wake in turn, which costs more CPU than the I/O itself: a call's I/O is
//! a few microseconds of work, and one thread carries thousands a second.
//! Nothing blocking may run on it: work that waits (Python's GIL, say) goes
//! to [`tokio::task::spawn_blocking`]. The one exception is a log sink
//! that writes where the event happens (Python's, with a `kapture_crm`
//! logger enabled): the thread then waits for the GIL once per record.
//!
//! A Rust program brings its own runtime and never needs this; the
//! synchronous [`crate::blocking::Client`] drives its calls on the caller's
//! thread instead.
//!
//! Fork: a child inherits the parent's memory but none of its threads, so
//! the parent's runtime has no driver there and anything given to it would
//! hang. A `pthread_atfork` child hook forgets it (leaking it on purpose:
//! dropping it would wait for a thread that does not exist and close
//! sockets the parent still uses) and the next call builds a fresh one. Only
//! atomics are touched in the hook, as fork's rules require.

use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use futures_util::future::{AbortHandle, Abortable};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use crate::error::Error;

/// A call handed to the runtime by [`spawn`].
type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The runtime and the way in for [`spawn`]'s calls.
struct Shared {
    runtime: Runtime,
    submit: mpsc::UnboundedSender<Job>,
}

static SHARED: AtomicPtr<Shared> = AtomicPtr::new(ptr::null_mut());
static BUILDING: AtomicBool = AtomicBool::new(false);
/// Bumped in every forked child (see [`fork_generation`]).
static FORKS: AtomicUsize = AtomicUsize::new(0);

/// The name of the thread that drives the runtime.
pub const THREAD_NAME: &str = "kapture-crm-io";

#[cfg(unix)]
extern "C" fn forget_in_child() {
    SHARED.store(ptr::null_mut(), Ordering::SeqCst);
    BUILDING.store(false, Ordering::SeqCst);
    FORKS.fetch_add(1, Ordering::SeqCst);
}

/// A number that changes in every child forked after its first call.
/// State kept per process (the blocking driver's runtimes and sockets, a
/// binding's lock shared with the runtime's thread) keeps the number beside
/// it and, when it differs, leaves the parent's copy untouched and starts
/// afresh: the parent's sockets are not the child's to use, and a lock a
/// parent's thread held at the instant of the fork would never be released
/// in the child. Cheaper than comparing process ids: no system call.
pub fn fork_generation() -> usize {
    watch_forks();
    FORKS.load(Ordering::Acquire)
}

/// The process's shared runtime. Use [`spawn`] for calls; this is for a
/// long-lived task, or for `block_on` from a thread that is not async.
pub fn shared() -> Result<&'static Runtime, Error> {
    state().map(|state| &state.runtime)
}

/// Stops a call given to [`spawn`]: it is dropped where it waits (nothing
/// once it has finished). Calling it again does nothing.
#[derive(Debug, Clone)]
pub struct Abort(AbortHandle);

impl Abort {
    pub fn abort(&self) {
        self.0.abort();
    }
}

/// Runs `work` on the shared runtime.
///
/// Calls are handed over in batches: they queue for one task on the
/// runtime that spawns each there. Handing a task to a single-threaded
/// runtime from another thread writes to its wake-up descriptor every
/// time, a system call per call and, when the thread sleeps, a wake-up;
/// through the queue, only the first call of a batch wakes it, and the
/// calls made while it is awake cost a push.
pub fn spawn<F>(work: F) -> Result<Abort, Error>
where
    F: Future<Output = ()> + Send + 'static,
{
    let state = state()?;
    let (handle, registration) = AbortHandle::new_pair();
    let job: Job = Box::pin(async move {
        // `Err(Aborted)`: stopped, and nobody waits for it.
        let _ = Abortable::new(work, registration).await;
    });
    state
        .submit
        .send(job)
        .map_err(|_| Error::Config("the I/O runtime has stopped".into()))?;
    Ok(Abort(handle))
}

/// Registers [`forget_in_child`] with `pthread_atfork`, once per process.
fn watch_forks() {
    #[cfg(unix)]
    {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            // SAFETY: registers a plain function that only stores to atomics.
            unsafe {
                libc::pthread_atfork(None, None, Some(forget_in_child));
            }
        });
    }
}

fn state() -> Result<&'static Shared, Error> {
    watch_forks();
    loop {
        let current = SHARED.load(Ordering::Acquire);
        if !current.is_null() {
            // SAFETY: a published state is never freed (see module docs).
            return Ok(unsafe { &*current });
        }
        if BUILDING
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let built = build();
            let state = match built {
                Ok(state) => state,
                Err(error) => {
                    BUILDING.store(false, Ordering::Release);
                    return Err(error);
                }
            };
            SHARED.store(ptr::from_ref(state).cast_mut(), Ordering::Release);
            BUILDING.store(false, Ordering::Release);
            return Ok(state);
        }
        std::thread::yield_now();
    }
}

/// A single-threaded runtime, leaked, the thread that drives it and the
/// task that spawns what [`spawn`] queues.
fn build() -> Result<&'static Shared, Error> {
    let cannot = |e: std::io::Error| Error::Config(format!("cannot start the I/O runtime: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .thread_name(THREAD_NAME)
        .enable_all()
        .build()
        .map_err(cannot)?;
    let (submit, mut submitted) = mpsc::unbounded_channel::<Job>();
    runtime.spawn(async move {
        // `recv` takes what is queued without waiting; it waits (and the
        // next `send` wakes it) only when the queue is empty.
        while let Some(job) = submitted.recv().await {
            tokio::spawn(job);
        }
    });
    // Never freed: the driver thread holds it until the process ends, and a
    // forked child must not drop its copy (module docs).
    let state: &'static Shared = Box::leak(Box::new(Shared { runtime, submit }));
    std::thread::Builder::new()
        .name(THREAD_NAME.into())
        // Only `Runtime::block_on` drives a single-threaded runtime's I/O
        // and timers; this thread does nothing else. (Another thread's
        // `block_on` may drive it too while this one has not started yet.)
        .spawn(move || state.runtime.block_on(std::future::pending::<()>()))
        .map_err(cannot)?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_runtime_runs_tasks_spawned_from_other_threads() {
        let runtime = shared().expect("runtime");
        assert!(std::ptr::eq(runtime, shared().expect("runtime again")));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let (tx, rx) = std::sync::mpsc::channel();
                    shared().expect("runtime").spawn(async move {
                        // A timer and a socket: both drivers are driven.
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await;
                        let _ = tx.send((i, listener.is_ok()));
                    });
                    rx.recv_timeout(std::time::Duration::from_secs(10))
                })
            })
            .collect();
        for (i, thread) in threads.into_iter().enumerate() {
            let (index, bound) = thread.join().expect("thread").expect("task ran");
            assert_eq!(index, i);
            assert!(bound);
        }
    }

    #[cfg(unix)]
    #[test]
    fn fork_generation_changes_in_a_forked_child_only() {
        let before = fork_generation();
        // SAFETY: the child only reads an atomic and exits at once.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let code = i32::from(fork_generation() == before);
            // SAFETY: leaves the child without running the parent's
            // destructors or test harness.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waits for the child made above.
        let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
        assert_eq!(waited, pid);
        assert!(libc::WIFEXITED(status));
        assert_eq!(
            libc::WEXITSTATUS(status),
            0,
            "the child saw the parent's generation"
        );
        assert_eq!(fork_generation(), before, "the parent's generation changed");
    }

    #[test]
    fn block_on_from_another_thread_completes_while_the_driver_runs() {
        let runtime = shared().expect("runtime");
        let (tx, rx) = tokio::sync::oneshot::channel();
        runtime.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let _ = tx.send(7);
        });
        assert_eq!(runtime.block_on(rx).ok(), Some(7));
    }

    #[test]
    fn spawned_calls_run_in_order_of_submission_and_an_aborted_one_does_not_finish() {
        let (tx, rx) = std::sync::mpsc::channel();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let waiting = {
            let tx = tx.clone();
            spawn(async move {
                let _ = released.await;
                let _ = tx.send(usize::MAX);
            })
            .expect("spawn")
        };
        for i in 0..100 {
            let tx = tx.clone();
            spawn(async move {
                let _ = tx.send(i);
            })
            .expect("spawn");
        }
        let mut got = Vec::new();
        while got.len() < 100 {
            got.push(
                rx.recv_timeout(std::time::Duration::from_secs(10))
                    .expect("every call ran"),
            );
        }
        assert_eq!(got, (0..100).collect::<Vec<usize>>());
        waiting.abort();
        waiting.abort();
        let _ = release.send(());
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err()
        );
    }
}
