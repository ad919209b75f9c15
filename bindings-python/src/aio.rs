//! Awaitables without blocking the event loop: work runs on the core's
//! shared runtime (`kapture_crm::runtime::spawn`), and its result is handed
//! to the asyncio loop that asked for it.
//! Each comes with an `Abort` that stops the task: the client's
//! coroutines call it when their await is cancelled (an exception path, so
//! a call that is not cancelled pays for no done-callback: asyncio would
//! schedule and run one per call); the bulk run's awaitables abort from a
//! done-callback (`abort_when_cancelled`).
//!
//! Results are not handed over one by one. A finished task puts its output
//! in its loop's inbox, and only the first one into an empty inbox wakes
//! the loop; the drain runs on the loop's own thread, which holds the GIL
//! anyway, and turns every output waiting into Python values there. So the
//! GIL is taken once per batch instead of once per call, and never on the
//! runtime's one thread.
//!
//! How a loop is woken: each loop gets a socket pair on its first call; the
//! loop watches the read end (`add_reader`), and the runtime's thread
//! writes a byte to the other end, a plain non-blocking write with no GIL
//! and no other thread. Before this, a blocking-pool thread took the GIL to
//! call `call_soon_threadsafe` once per batch: a thread hop, and a GIL
//! taken from the loop while it ran Python, each batch (a fifth of the CPU
//! of 64 calls in flight). That path stays for a loop without
//! `add_reader` (Windows' proactor loop; on Windows the socket path is
//! not built at all).

use std::collections::HashMap;
use std::future::Future;
#[cfg(unix)]
use std::io::{Read, Write};
use std::panic::AssertUnwindSafe;
#[cfg(unix)]
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, MutexGuard};

use futures_util::FutureExt;
use pyo3::prelude::*;

use crate::error::{from_panic, to_pyerr};

/// What a finished task hands back: a value, or an exception instance.
pub type Delivery = Result<Py<PyAny>, Py<PyAny>>;

/// A finished task's output, turned into its delivery on the loop's thread.
type Finish = Box<dyn FnOnce(Python<'_>) -> Delivery + Send>;

/// Outputs waiting for their loop, by loop (its address).
struct Inbox {
    waiting: Vec<(Py<PyAny>, Finish)>,
    wake: Wake,
}

enum Wake {
    /// A loop that watches `reader`: a byte written to `writer` wakes it.
    /// The entry lives as long as the loop (a `weakref.finalize` of the
    /// loop removes it and closes both ends).
    #[cfg(unix)]
    Socket {
        writer: Arc<std::os::unix::net::UnixStream>,
        reader: std::os::unix::net::UnixStream,
    },
    /// A loop asked with `call_soon_threadsafe` (found from the waiting
    /// futures, so no call carries a reference to its loop): the entry
    /// exists while a drain is scheduled (the drain removes it, so a closed
    /// loop is not kept alive).
    Threadsafe,
}

/// Every loop's inbox, and the fork generation it belongs to.
struct Inboxes {
    generation: usize,
    map: Mutex<Option<HashMap<usize, Inbox>>>,
}

/// Never freed: see `inboxes`.
static INBOXES: AtomicPtr<Inboxes> = AtomicPtr::new(std::ptr::null_mut());

/// Runs `f` while holding the inboxes' lock (the test hook that forks at
/// that moment, `src/testing.rs`).
#[cfg(feature = "testing")]
pub(crate) fn with_inboxes_held(f: impl FnOnce()) {
    let _guard = inboxes();
    f()
}

/// The inboxes, locked. The runtime's thread takes this lock on every
/// delivery; in a child forked at that instant the parent's copy stays
/// locked for good (that thread is not in the child), so a child makes its
/// own and leaves the parent's untouched (leaked: its outputs belong to the
/// parent's loops, and dropping them would need a GIL and a lock the child
/// cannot have).
fn inboxes() -> MutexGuard<'static, Option<HashMap<usize, Inbox>>> {
    let generation = kapture_crm::runtime::fork_generation();
    loop {
        let current = INBOXES.load(Ordering::Acquire);
        // SAFETY: a published `Inboxes` is never freed.
        if let Some(inboxes) = unsafe { current.as_ref() }
            && inboxes.generation == generation
        {
            return inboxes.map.lock().unwrap_or_else(|p| p.into_inner());
        }
        let fresh = Box::into_raw(Box::new(Inboxes {
            generation,
            map: Mutex::new(None),
        }));
        if INBOXES
            .compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // Another thread published first: use theirs.
            // SAFETY: `fresh` was never published.
            drop(unsafe { Box::from_raw(fresh) });
        }
    }
}

/// Runs `work` on the runtime and returns an asyncio future of the running
/// loop that resolves with what `finish` makes of its output (called with
/// the GIL held, on the loop's thread), and the `Abort` of the work.
pub fn spawn<'py, T, W, F>(
    py: Python<'py>,
    work: W,
    finish: F,
) -> PyResult<(Bound<'py, PyAny>, Abort)>
where
    T: Send + 'static,
    W: Future<Output = T> + Send + 'static,
    F: FnOnce(Python<'_>, T) -> Delivery + Send + 'static,
{
    // Looked up once per process, not per call.
    static GET_RUNNING_LOOP: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()?;
    let future = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
    let key = event_loop.as_ptr() as usize;
    watch(py, &event_loop, key);
    let future_ref = future.clone().unbind();
    // On the heap first: a call's future is large (kilobytes), and each
    // wrapper below would otherwise copy all of it again.
    let work = Box::pin(work);
    let abort = kapture_crm::runtime::spawn(async move {
        // A panic must reach Python as an exception, not leave the future
        // pending forever.
        let output = AssertUnwindSafe(work).catch_unwind().await;
        let finish: Finish = Box::new(move |py| match output {
            Ok(output) => finish(py, output),
            Err(payload) => Err(from_panic(py, &*payload).unbind()),
        });
        deliver(key, future_ref, finish);
    })
    .map_err(to_pyerr)?;
    Ok((future, Abort { handle: abort }))
}

/// On a loop's first call (on its thread, with the GIL): its socket pair,
/// watched by the loop. A loop that cannot watch a socket is left to the
/// `call_soon_threadsafe` path.
#[cfg(not(unix))]
fn watch(_py: Python<'_>, _event_loop: &Bound<'_, PyAny>, _key: usize) {}

#[cfg(unix)]
fn watch(py: Python<'_>, event_loop: &Bound<'_, PyAny>, key: usize) {
    // Loops that refused `add_reader`, not asked again (a loop made later
    // at the same address takes the slower path too: still correct).
    static REFUSED: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    if inboxes().as_ref().is_some_and(|m| {
        m.get(&key)
            .is_some_and(|inbox| matches!(inbox.wake, Wake::Socket { .. }))
    }) {
        return;
    }
    let refused = || REFUSED.lock().unwrap_or_else(|p| p.into_inner());
    if refused().contains(&key) {
        return;
    }
    let watched = (|| -> PyResult<Inbox> {
        use std::os::fd::AsRawFd;
        let (reader, writer) = std::os::unix::net::UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        event_loop.call_method1("add_reader", (reader.as_raw_fd(), Drain { key }))?;
        let finalize = py.import("weakref")?.getattr("finalize")?;
        if let Err(error) = finalize.call1((event_loop, Forget { key })) {
            let _ = event_loop.call_method1("remove_reader", (reader.as_raw_fd(),));
            return Err(error);
        }
        Ok(Inbox {
            waiting: Vec::new(),
            wake: Wake::Socket {
                writer: Arc::new(writer),
                reader,
            },
        })
    })();
    let Ok(inbox) = watched else {
        refused().push(key);
        return;
    };
    {
        let mut guard = inboxes();
        let map = guard.get_or_insert_with(HashMap::new);
        let mut inbox = inbox;
        // Outputs waiting for a drain scheduled the other way: that drain
        // still runs, and finds them here.
        if let Some(old) = map.remove(&key) {
            inbox.waiting = old.waiting;
        }
        map.insert(key, inbox);
    }
}

/// Aborts `abort`'s work when `future` is cancelled (a done-callback).
pub fn abort_when_cancelled(future: &Bound<'_, PyAny>, abort: Abort) -> PyResult<()> {
    future.call_method1("add_done_callback", (Canceller { abort },))?;
    Ok(())
}

/// Puts an output in its loop's inbox; the first into an empty inbox
/// wakes the loop.
fn deliver(key: usize, future: Py<PyAny>, finish: Finish) {
    #[cfg_attr(not(unix), allow(unused_variables))]
    let writer = {
        let mut guard = inboxes();
        let map = guard.get_or_insert_with(HashMap::new);
        match map.get_mut(&key) {
            Some(inbox) => {
                let first = inbox.waiting.is_empty();
                inbox.waiting.push((future, finish));
                if !first {
                    return; // woken already: a drain is due
                }
                match &inbox.wake {
                    #[cfg(unix)]
                    Wake::Socket { writer, .. } => writer.clone(),
                    // Only while its drain is scheduled.
                    Wake::Threadsafe => return,
                }
            }
            None => {
                map.insert(
                    key,
                    Inbox {
                        waiting: vec![(future, finish)],
                        wake: Wake::Threadsafe,
                    },
                );
                drop(guard);
                // Not on the runtime's one thread, which would stop every
                // call in flight while it waits for the GIL: on a thread of
                // the blocking pool. And outside the lock: taking the GIL
                // while holding it could deadlock with a drain that holds
                // the GIL and waits for the lock.
                match tokio::runtime::Handle::try_current() {
                    Ok(runtime) => drop(runtime.spawn_blocking(move || schedule_drain(key))),
                    // Not expected (outputs are delivered by the runtime's tasks).
                    Err(_) => schedule_drain(key),
                }
                return;
            }
        }
    };
    // A full socket (`WouldBlock`) holds unread bytes: a wake is due anyway.
    // One closed by `Forget` belongs to a loop that is gone.
    #[cfg(unix)]
    let _ = (&*writer).write(&[1]);
}

/// Asks `key`'s loop to run the drain (unless it ran already).
fn schedule_drain(key: usize) {
    Python::attach(|py| {
        let scheduled = (|| -> PyResult<()> {
            // Any waiting future's loop is the inbox's loop.
            let future = match inboxes().as_ref().and_then(|m| m.get(&key)) {
                Some(Inbox {
                    wake: Wake::Threadsafe,
                    waiting,
                }) => match waiting.first() {
                    Some((future, _)) => future.clone_ref(py),
                    None => return Ok(()),
                },
                // Drained already, or the loop is watched now.
                _ => return Ok(()),
            };
            let drain = Drain { key }.into_pyobject(py)?;
            future.call_method0(py, "get_loop")?.call_method1(
                py,
                "call_soon_threadsafe",
                (drain,),
            )?;
            Ok(())
        })();
        if scheduled.is_err() {
            // The loop is closed: nobody waits for these any more.
            if let Some(map) = inboxes().as_mut() {
                map.remove(&key);
            }
        }
    });
}

/// Called on the loop's thread: resolves every future whose output waits.
#[pyclass(frozen)]
struct Drain {
    key: usize,
}

#[pymethods]
impl Drain {
    fn __call__(&self, py: Python<'_>) {
        let taken = {
            let mut guard = inboxes();
            match guard.as_mut().and_then(|m| m.get_mut(&self.key)) {
                #[cfg(unix)]
                Some(Inbox {
                    waiting,
                    wake: Wake::Socket { reader, .. },
                }) => {
                    // The wake-up bytes first, then the outputs: an output
                    // queued after this read wrote a byte of its own.
                    let mut bytes = [0u8; 64];
                    while matches!((&*reader).read(&mut bytes), Ok(n) if n > 0) {}
                    std::mem::take(waiting)
                }
                Some(Inbox {
                    wake: Wake::Threadsafe,
                    ..
                }) => guard
                    .as_mut()
                    .and_then(|m| m.remove(&self.key))
                    .map(|inbox| inbox.waiting)
                    .unwrap_or_default(),
                None => Vec::new(),
            }
        };
        for (future, finish) in taken {
            let future = future.bind(py);
            let delivery = finish(py);
            // Cancelled meanwhile: nobody wants the result.
            if future
                .call_method0(pyo3::intern!(py, "done"))
                .and_then(|d| d.is_truthy())
                .unwrap_or(true)
            {
                continue;
            }
            let _ = match delivery {
                Ok(value) => future.call_method1(pyo3::intern!(py, "set_result"), (value,)),
                Err(exception) => future.call_method1("set_exception", (exception,)),
            };
        }
    }
}

/// Called when a watched loop is collected: its entry and sockets go.
#[pyclass(frozen)]
struct Forget {
    key: usize,
}

#[pymethods]
impl Forget {
    fn __call__(&self) {
        let gone = inboxes().as_mut().and_then(|m| m.remove(&self.key));
        // Dropped outside the lock (the outputs' Python objects).
        drop(gone);
    }
}

/// Stops a call's task (nothing once it has finished). Calling it again
/// does nothing.
#[pyclass(frozen)]
pub struct Abort {
    handle: kapture_crm::runtime::Abort,
}

#[pymethods]
impl Abort {
    fn __call__(&self) {
        self.handle.abort();
    }
}

/// Done-callback of an asyncio future: aborts the task when cancelled.
#[pyclass(frozen)]
struct Canceller {
    abort: Abort,
}

#[pymethods]
impl Canceller {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.abort.__call__();
        }
        Ok(())
    }
}
