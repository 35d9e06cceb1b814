//! Child processes of the harness (Dovecot, HAProxy, Apache): how they are stopped.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Stops `child` with SIGTERM, which lets a master process stop its own children (SIGKILL
/// would orphan them), and waits up to `patience` for it to be gone; then kills it.
/// `kill(1)` because sending a signal from std needs unsafe code.
pub fn terminate(child: &mut Child, patience: Duration) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}
