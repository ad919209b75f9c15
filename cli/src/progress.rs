//! Progress of an import: a bar with rate and ETA on a terminal, a plain line
//! every few seconds otherwise (logs, CI).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// The bar on screen, if any: log lines are written above it.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `print` with the bar (if one is shown) out of the way.
pub fn above_bar(print: impl FnOnce()) {
    let shown = kapture_crm::sync::lock(&SHOWN).clone();
    match shown {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

pub enum Progress {
    Bar(ProgressBar),
    Lines {
        every: Duration,
        last: Instant,
        started: Instant,
    },
    Quiet,
}

impl Progress {
    pub fn new(total: Option<u64>, every: f64) -> Progress {
        if every <= 0.0 {
            return Progress::Quiet;
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total.unwrap_or(0));
            let style = ProgressStyle::with_template(
                "{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            *kapture_crm::sync::lock(&SHOWN) = Some(bar.clone());
            return Progress::Bar(bar);
        }
        Progress::Lines {
            every: Duration::try_from_secs_f64(every).unwrap_or(Duration::from_secs(2)),
            last: Instant::now(),
            started: Instant::now(),
        }
    }

    /// `done` rows settled; `detail` says how.
    pub fn update(&mut self, done: u64, detail: impl FnOnce() -> String) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(done);
                if done.is_multiple_of(64) {
                    bar.set_message(detail());
                }
            }
            Progress::Lines {
                every,
                last,
                started,
            } => {
                if last.elapsed() >= *every {
                    *last = Instant::now();
                    let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
                    eprintln!("{done} rows: {} ({rate:.0} rows/s)", detail());
                }
            }
            Progress::Quiet => {}
        }
    }

    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            *kapture_crm::sync::lock(&SHOWN) = None;
            bar.finish_and_clear();
        }
    }
}
