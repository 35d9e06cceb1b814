//! The app's entry point: on wasm32 it renders the Yew app into the page's body; natively it
//! only explains how to build the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<petrel_client::ui::App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "petrel-client is a web app: build it with `trunk build` and open it through petrel-proxy"
    );
}
