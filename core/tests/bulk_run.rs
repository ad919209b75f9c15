//! `bulk::Run`, the handle every front end drives: exactly one outcome for
//! every record fed, whatever happens to the engine.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::FutureExt;
use kapture_crm::bulk::{BeforeSend, BulkOptions, Input, Notify, Run};
use kapture_crm::{AddCustomerRequest, Client, Error};
use kapture_crm_sandbox::{Sandbox, SandboxConfig};

fn numbered(i: usize) -> AddCustomerRequest {
    AddCustomerRequest::with_phone(format!("Customer {i}"), format!("96{i:08}"))
}

async fn sandbox_client() -> (Sandbox, Client) {
    slow_sandbox_client(0).await
}

/// A sandbox that answers each call after `latency_ms`, and its client.
async fn slow_sandbox_client(latency_ms: u64) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(SandboxConfig {
        faults: kapture_crm_sandbox::Faults {
            latency_ms,
            ..Default::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    (sandbox, client)
}

/// Feeds `n` records the way the bindings do (try, then wait for room),
/// collecting outcomes as it goes; returns them and how `next` ended.
async fn drive(run: Arc<Run>, n: usize) -> (Vec<(usize, Result<(), Error>)>, Result<(), Error>) {
    drive_batched(run, n, 0).await
}

/// [`drive`], taking outcomes `batch` at a time with `next_batch` (0: `next`).
async fn drive_batched(
    run: Arc<Run>,
    n: usize,
    batch: usize,
) -> (Vec<(usize, Result<(), Error>)>, Result<(), Error>) {
    let feeder = {
        let run = run.clone();
        tokio::spawn(async move {
            for i in 0..n {
                let input = Ok(numbered(i));
                match run.try_feed(input) {
                    Ok(Ok(_)) => {}
                    Ok(Err(input)) => {
                        if run.feed(input).await.is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
            run.close_input();
        })
    };
    let mut outcomes = Vec::new();
    let end = loop {
        if batch > 0 {
            match run.next_batch(batch).await {
                Ok(taken) if taken.is_empty() => break Ok(()),
                Ok(taken) => {
                    assert!(taken.len() <= batch);
                    outcomes.extend(taken.into_iter().map(|o| (o.index, o.result.map(drop))));
                }
                Err(error) => break Err(error),
            }
            continue;
        }
        match run.next().await {
            Ok(Some(outcome)) => outcomes.push((outcome.index, outcome.result.map(drop))),
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        }
    };
    feeder.await.unwrap();
    (outcomes, end)
}

#[tokio::test]
async fn every_record_fed_gets_one_outcome_in_order() {
    let (sandbox, client) = sandbox_client().await;
    let options = BulkOptions::new(Some(4.0), true, None).unwrap();
    let (run, engine) = Run::start(&client, options, None).unwrap();
    tokio::spawn(engine);
    let (outcomes, end) = drive(run, 50).await;
    end.unwrap();
    let indexes: Vec<usize> = outcomes.iter().map(|(i, _)| *i).collect();
    assert_eq!(indexes, (0..50).collect::<Vec<_>>());
    assert!(outcomes.iter().all(|(_, r)| r.is_ok()));
    assert_eq!(sandbox.customers().len(), 50);
}

/// Issue 9, case 3: an engine that dies (here a panic injected after two
/// outcomes) ended a Python run quietly short. Every record fed must still
/// get an outcome, and the run must end with an error.
#[cfg(feature = "testing")]
#[tokio::test]
async fn case_3_engine_that_dies_owes_every_record_an_outcome() {
    let (_sandbox, client) = sandbox_client().await;
    let mut options = BulkOptions::new(Some(4.0), true, None).unwrap();
    options.fault_panic_after = Some(2);
    let (run, engine) = Run::start(&client, options, None).unwrap();
    tokio::spawn(engine);
    let (outcomes, end) = drive(run.clone(), 20).await;
    let fed = run.fed();
    assert!(fed > 2, "fed {fed}");
    assert_eq!(outcomes.len(), fed, "one outcome per record fed");
    let mut indexes: Vec<usize> = outcomes.iter().map(|(i, _)| *i).collect();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..fed).collect::<Vec<_>>());
    let lost: Vec<&Error> = outcomes
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    assert_eq!(lost.len(), fed - 2);
    assert!(lost.iter().all(|e| e.code() == "internal"), "{lost:?}");
    let Err(error) = end else {
        panic!("the run ended quietly")
    };
    assert_eq!(error.code(), "internal");
    assert!(error.to_string().contains("injected"), "{error}");
}

/// `next_batch` (what Node takes outcomes with): the same one outcome per
/// record, in order, whatever the batch size.
#[tokio::test]
async fn batches_of_outcomes_keep_every_guarantee() {
    let (_sandbox, client) = sandbox_client().await;
    for batch in [1, 7, 64] {
        let options = BulkOptions::new(Some(8.0), true, None).unwrap();
        let (run, engine) = Run::start(&client, options, None).unwrap();
        tokio::spawn(engine);
        let (outcomes, end) = drive_batched(run, 100, batch).await;
        end.unwrap();
        let indexes: Vec<usize> = outcomes.iter().map(|(i, _)| *i).collect();
        assert_eq!(indexes, (0..100).collect::<Vec<_>>(), "batch {batch}");
    }
}

/// After an engine failure, the same owed outcomes and error whatever the
/// batch size.
#[cfg(feature = "testing")]
#[tokio::test]
async fn batches_of_outcomes_after_an_engine_failure_owe_every_record_an_outcome() {
    let (_sandbox, client) = sandbox_client().await;
    for batch in [1, 7, 64] {
        let mut options = BulkOptions::new(Some(4.0), true, None).unwrap();
        options.fault_panic_after = Some(3);
        let (run, engine) = Run::start(&client, options, None).unwrap();
        tokio::spawn(engine);
        let (outcomes, end) = drive_batched(run.clone(), 30, batch).await;
        assert_eq!(outcomes.len(), run.fed(), "batch {batch}");
        assert_eq!(end.unwrap_err().code(), "internal");
    }
}

/// A record the hook refuses is not sent; its outcome is the hook's error.
#[tokio::test]
async fn before_send_can_refuse_a_record() {
    let (sandbox, client) = sandbox_client().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let hook: BeforeSend = {
        let calls = calls.clone();
        Arc::new(move |index| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if index % 2 == 1 {
                    Err(Error::Aborted {
                        message: "refused".into(),
                        outcome_unknown: false,
                    })
                } else {
                    Ok(())
                }
            }
            .boxed()
        })
    };
    let options = BulkOptions::new(Some(3.0), false, None).unwrap();
    let (run, engine) = Run::start(&client, options, Some(hook)).unwrap();
    tokio::spawn(engine);
    let (outcomes, end) = drive(run, 10).await;
    end.unwrap();
    assert_eq!(outcomes.len(), 10);
    assert_eq!(calls.load(Ordering::SeqCst), 10);
    for (index, result) in &outcomes {
        match result {
            Ok(()) => assert_eq!(index % 2, 0),
            Err(e) => assert!(index % 2 == 1 && e.code() == "aborted", "{e}"),
        }
    }
    assert_eq!(sandbox.customers().len(), 5);
}

/// Issue 9, case 11: the settings rules of a bulk run, once, in the core.
#[test]
fn case_11_bulk_settings_are_checked_in_the_core() {
    for (concurrency, rate) in [
        (Some(0.0), None),
        (Some(-5.0), None),
        (Some(2000.0), None),
        (Some(8.5), None),
        (None, Some(0.0)),
        (None, Some(-5.0)),
        (None, Some(f64::NAN)),
        (None, Some(1e-300)),
        (None, Some(f64::INFINITY)),
    ] {
        let err = BulkOptions::new(concurrency, true, rate).unwrap_err();
        assert_eq!(err.code(), "config", "{concurrency:?} {rate:?}");
    }
    let ok = BulkOptions::new(None, true, Some(2.0)).unwrap();
    assert_eq!((ok.concurrency, ok.rate), (8, Some(2.0)));
}

/// Step 10: an abort (Node's AbortSignal) ends the run at once; every record
/// fed gets one outcome: answered ones theirs, those on the wire `aborted`
/// with the outcome unknown, those never sent `aborted` and known.
#[tokio::test]
async fn an_aborted_run_gives_every_record_fed_one_outcome() {
    let (_sandbox, client) = slow_sandbox_client(800).await;
    let options = BulkOptions::new(Some(2.0), true, None).unwrap();
    let (run, engine) = Run::start(&client, options, None).unwrap();
    tokio::spawn(engine);
    for i in 0..6 {
        run.feed(Ok(numbered(i))).await.unwrap();
    }
    // Two answered (at 800 ms), two more on the wire, two waiting.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    run.abort();
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await.unwrap() {
        outcomes.push(outcome);
    }
    let indexes: Vec<usize> = outcomes.iter().map(|o| o.index).collect();
    assert_eq!(indexes, vec![0, 1, 2, 3, 4, 5]);
    let kinds: Vec<(bool, bool)> = outcomes
        .iter()
        .map(|o| match &o.result {
            Ok(_) => (true, false),
            Err(Error::Aborted {
                outcome_unknown, ..
            }) => (false, *outcome_unknown),
            Err(other) => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (true, false),
            (true, false),
            (false, true),
            (false, true),
            (false, false),
            (false, false)
        ]
    );
    assert!(run.feed(Ok(numbered(9))).await.is_err(), "fed after abort");
}

/// A [`Notify`] that wakes a [`tokio::sync::Notify`] (which keeps one
/// wake-up for a waiter that comes later, as a libuv async handle does).
fn notifier() -> (Notify, Arc<tokio::sync::Notify>) {
    let bell = Arc::new(tokio::sync::Notify::new());
    let rung = bell.clone();
    (Arc::new(move || rung.notify_one()), bell)
}

/// Drives a run the way Node does: one task that never awaits the run
/// itself. It feeds with `try_feed_or_wait`, takes with `try_next_batch`,
/// and when neither can go on it waits for the run's notify, failing if
/// that never comes.
async fn drive_notified(
    run: &Run,
    n: usize,
    batch: usize,
    bell: &tokio::sync::Notify,
) -> (Vec<(usize, Result<(), Error>)>, Result<(), Error>) {
    let mut next = 0;
    let mut held: Option<Input> = None;
    let mut feeding = true;
    let mut outcomes = Vec::new();
    let end = loop {
        while feeding {
            let Some(input) = held
                .take()
                .or_else(|| (next < n).then(|| Ok(numbered(next))))
            else {
                run.close_input();
                feeding = false;
                break;
            };
            match run.try_feed_or_wait(input) {
                Ok(Ok(_)) => next += 1,
                Ok(Err(back)) => {
                    held = Some(back);
                    break;
                }
                Err(_) => feeding = false,
            }
        }
        match run.try_next_batch(batch) {
            Some(Ok(taken)) if taken.is_empty() => break Ok(()),
            Some(Ok(taken)) => {
                assert!(taken.len() <= batch);
                outcomes.extend(taken.into_iter().map(|o| (o.index, o.result.map(drop))));
            }
            Some(Err(error)) => break Err(error),
            None => tokio::time::timeout(std::time::Duration::from_secs(10), bell.notified())
                .await
                .expect("the run never called its notify: the waiter would wait forever"),
        }
    };
    (outcomes, end)
}

/// Node's way of driving a run (no thread or future per wait, only the
/// run's notify): every record one outcome, in order, whatever the batch.
#[tokio::test]
async fn a_notified_run_gives_every_record_one_outcome_in_order() {
    let (sandbox, client) = sandbox_client().await;
    for batch in [1, 16] {
        // Concurrency 2: the run is full most of the time, so the feeder
        // waits for room as often as the taker waits for outcomes.
        let options = BulkOptions::new(Some(2.0), true, None).unwrap();
        let (notify, bell) = notifier();
        let (run, engine) = Run::start_notified(&client, options, None, Some(notify)).unwrap();
        tokio::spawn(engine);
        let (outcomes, end) = drive_notified(&run, 300, batch, &bell).await;
        end.unwrap();
        let indexes: Vec<usize> = outcomes.iter().map(|(i, _)| *i).collect();
        assert_eq!(indexes, (0..300).collect::<Vec<_>>(), "batch {batch}");
        assert!(outcomes.iter().all(|(_, r)| r.is_ok()));
    }
    // The second round sends the same phones: updates, not new customers.
    assert_eq!(sandbox.customers().len(), 300);
}

/// An engine that dies wakes a notified waiter too: the records it owed
/// come out as errors and the run ends with the engine's error.
#[cfg(feature = "testing")]
#[tokio::test]
async fn a_notified_run_whose_engine_dies_still_ends() {
    let (_sandbox, client) = sandbox_client().await;
    let mut options = BulkOptions::new(Some(4.0), true, None).unwrap();
    options.fault_panic_after = Some(3);
    let (notify, bell) = notifier();
    let (run, engine) = Run::start_notified(&client, options, None, Some(notify)).unwrap();
    tokio::spawn(engine);
    let (outcomes, end) = drive_notified(&run, 40, 8, &bell).await;
    assert_eq!(outcomes.len(), run.fed());
    assert_eq!(outcomes.iter().filter(|(_, r)| r.is_ok()).count(), 3);
    assert_eq!(end.unwrap_err().code(), "internal");
}

/// An abort while the taker waits on the notify: it is woken, and every
/// record fed gets its `aborted` outcome.
#[tokio::test]
async fn an_abort_wakes_a_notified_waiter() {
    let (_sandbox, client) = slow_sandbox_client(5000).await;
    let options = BulkOptions::new(Some(2.0), true, None).unwrap();
    let (notify, bell) = notifier();
    let (run, engine) = Run::start_notified(&client, options, None, Some(notify)).unwrap();
    tokio::spawn(engine);
    for i in 0..4 {
        assert!(run.try_feed_or_wait(Ok(numbered(i))).unwrap().is_ok());
    }
    // Drain any early wake-up, then wait with the taker armed.
    while bell.notified().now_or_never().is_some() {}
    assert!(run.try_next_batch(8).is_none(), "nothing is answered yet");
    let aborter = {
        let run = run.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            run.abort();
        })
    };
    tokio::time::timeout(std::time::Duration::from_secs(3), bell.notified())
        .await
        .expect("the abort did not wake the waiter");
    aborter.await.unwrap();
    let mut indexes = Vec::new();
    loop {
        match run.try_next_batch(8) {
            Some(Ok(taken)) if taken.is_empty() => break,
            Some(Ok(taken)) => {
                for outcome in taken {
                    assert_eq!(outcome.result.unwrap_err().code(), "aborted");
                    indexes.push(outcome.index);
                }
            }
            Some(Err(error)) => panic!("{error}"),
            None => tokio::time::timeout(std::time::Duration::from_secs(3), bell.notified())
                .await
                .expect("no wake-up after the abort"),
        }
    }
    assert_eq!(indexes, vec![0, 1, 2, 3]);
}

/// A feeder that found the run full is told when the engine takes a record,
/// even while nobody waits for outcomes.
#[tokio::test]
async fn a_full_run_tells_its_feeder_when_there_is_room() {
    let (_sandbox, client) = sandbox_client().await;
    let options = BulkOptions::new(Some(2.0), true, None).unwrap();
    let (notify, bell) = notifier();
    let (run, engine) = Run::start_notified(&client, options, None, Some(notify)).unwrap();
    let mut fed = 0;
    // Full before the engine runs: the input channel holds what it holds.
    let held = loop {
        match run.try_feed_or_wait(Ok(numbered(fed))).unwrap() {
            Ok(_) => fed += 1,
            Err(back) => break back,
        }
    };
    assert!(
        bell.notified().now_or_never().is_none(),
        "told before anything changed"
    );
    tokio::spawn(engine);
    tokio::time::timeout(std::time::Duration::from_secs(10), bell.notified())
        .await
        .expect("the feeder was never told of room");
    assert!(
        run.try_feed_or_wait(held).unwrap().is_ok(),
        "told, but still full"
    );
}

/// A front end that feeds only on the engine's demand (`next_or_feed`, as
/// Python's iterators do) sends nothing more once it stops taking outcomes,
/// and `stop` lets the calls in flight finish and sends nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_fed_on_demand_sends_nothing_more_once_outcomes_stop_being_taken() {
    use kapture_crm::bulk::Next;
    let (sandbox, client) = slow_sandbox_client(100).await;
    let options = BulkOptions::new(Some(4.0), true, None).unwrap();
    let (run, engine) = Run::start(&client, options, None).unwrap();
    tokio::spawn(engine);
    let mut fed = 0;
    let first = loop {
        while run.wants_input() {
            assert!(run.try_feed(Ok(numbered(fed))).unwrap().is_ok());
            fed += 1;
        }
        match run.next_or_feed().await.unwrap() {
            Next::Feed => continue,
            Next::Ready(outcome) => break outcome.unwrap(),
        }
    };
    assert!(first.result.is_ok());
    // Taken no more: at most the calls in flight, what the engine staged and
    // four queued are sent.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let sent = sandbox.stats().add_update_requests;
    assert!(
        sent as usize <= fed && fed <= 1 + 4 * 4,
        "fed {fed}, sent {sent}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sandbox.stats().add_update_requests, sent);
    run.stop();
    let mut rest = Vec::new();
    while let Some(outcome) = run.next().await.unwrap() {
        rest.push(outcome);
    }
    assert_eq!(rest.len() + 1, fed, "one outcome for every record fed");
    assert_eq!(sandbox.stats().add_update_requests, sent);
}
