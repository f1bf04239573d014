//! Deliberate harm, used only by the suite's self-test (`CHAOS_ONLY=self-test`):
//! each kind of check runs once against a system broken on purpose and must
//! fail, which shows it can.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::cluster::Cluster;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sabotage {
    None,
    /// A node the fault does not touch stops once for [`STALL`] during the
    /// window: one stall, invisible in a p99.
    StallBystander(&'static str),
    /// The fault is announced but never applied.
    FaultNotApplied,
    /// The fault is healed only after the heal was judged.
    NotHealed,
    /// Once healed, a node keeps stalling (stopped half of every 200 ms)
    /// while the latency after the heal is measured.
    SlowerAfterHeal(&'static str),
    /// course-service's SQLite files put back, at each kill, as they were
    /// before the run's writes: a disk that loses writes it had
    /// acknowledged.
    LoseWal,
}

/// How long [`Sabotage::StallBystander`] stops its node.
pub const STALL: Duration = Duration::from_millis(1500);

fn signal_group(pid: i32, signal: i32) {
    // SAFETY: kill(2) on the process group of the suite's own child.
    unsafe {
        libc::kill(-pid, signal);
    }
}

/// Stops `node` once, for [`STALL`], a second into the window.
pub fn stall_once(cluster: &Cluster, node: &str) -> JoinHandle<()> {
    let pid = cluster.node(node).pid();
    tokio::spawn(async move {
        let Some(pid) = pid else { return };
        tokio::time::sleep(Duration::from_secs(1)).await;
        signal_group(pid, libc::SIGSTOP);
        tokio::time::sleep(STALL).await;
        signal_group(pid, libc::SIGCONT);
    })
}

/// A node stopped for 100 ms of every 200 ms until [`PulsedStops::end`].
pub struct PulsedStops {
    done: Arc<AtomicBool>,
    task: JoinHandle<()>,
    pid: Option<i32>,
}

impl PulsedStops {
    pub fn start(cluster: &Cluster, node: &str) -> Self {
        let pid = cluster.node(node).pid();
        let done = Arc::new(AtomicBool::new(false));
        let task = {
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                let Some(pid) = pid else { return };
                while !done.load(Ordering::SeqCst) {
                    signal_group(pid, libc::SIGSTOP);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    signal_group(pid, libc::SIGCONT);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        Self { done, task, pid }
    }

    /// Stops pulsing and leaves the node running.
    pub async fn end(self) {
        self.done.store(true, Ordering::SeqCst);
        let _ = self.task.await;
        if let Some(pid) = self.pid {
            signal_group(pid, libc::SIGCONT);
        }
    }
}
