//! Records the optimisation level this crate is built at, so the report can say when the
//! peers were compiled less optimised than Petrel's codec (the workspace's release profile
//! is tuned for a small browser bundle, with only `petrel-imap` at opt-level 3).

fn main() {
    let level = std::env::var("OPT_LEVEL").unwrap_or_else(|_| String::from("unknown"));
    println!("cargo:rustc-env=BENCH_OPT_LEVEL={level}");
    println!("cargo:rerun-if-env-changed=CARGO_PROFILE_RELEASE_OPT_LEVEL");
}
