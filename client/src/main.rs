#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("petrel-client is a web app: build it with `trunk build` and open it through petrel-proxy");
}
