//! Memory of a bridge as the kernel accounts it.
//!
//! The measure is the proportional set size (PSS) summed over the process and all its
//! descendants: for a single process such as petrel-proxy it is its resident memory, and for
//! websockify, which forks a child per connection, it counts the pages the children share with
//! their parent once rather than once per child (RSS would).

use std::fs;

/// PSS in KiB of `pid` and every process descending from it.
pub fn tree_pss_kib(pid: u32) -> Result<u64, String> {
    let mut total = 0;
    for p in descendants(pid) {
        // A child may exit between listing and reading; it no longer holds memory.
        if let Ok(text) = fs::read_to_string(format!("/proc/{p}/smaps_rollup")) {
            total += field_kib(&text, "Pss:").unwrap_or(0);
        }
    }
    if total == 0 {
        return Err(format!("no memory figures for pid {pid} in /proc"));
    }
    Ok(total)
}

/// `pid` and its descendants, from the parent ids in /proc/*/stat.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(parent) = fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|s| ppid(&s))
            {
                parents.push((child, parent));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let current = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, parent)| *parent == current)
                .map(|(child, _)| *child),
        );
        i += 1;
    }
    found
}

/// The fourth field of /proc/PID/stat; the second (the command name) may contain spaces
/// and parentheses, so fields are counted after its last `)`.
fn ppid(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn field_kib(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_and_rollup() {
        assert_eq!(ppid("42 (a (b) c) S 7 42 42 0"), Some(7));
        let rollup =
            "00400000-7fff [rollup]\nRss:                6000 kB\nPss:                5120 kB\n";
        assert_eq!(field_kib(rollup, "Pss:"), Some(5120));
    }

    #[test]
    fn reads_own_memory() {
        assert!(tree_pss_kib(std::process::id()).is_ok_and(|kib| kib > 0));
    }
}
