//! A folder of a test's own under the temporary folder, removed with it.

use std::path::PathBuf;

pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "kapture-test-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    /// A journal's path in it.
    pub fn journal(&self) -> PathBuf {
        self.0.join("run.journal")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
