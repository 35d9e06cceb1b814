//! The device's storage setting: how much of the mail read this device keeps. Bodies beyond
//! it are dropped from the local store, least recently read first; their rows stay.

use yew::prelude::*;

use petrel_store::DEFAULT_BODY_BUDGET;

/// The choices offered, in bytes, with their names.
const CHOICES: [(u64, &str); 4] = [
    (100_000_000, "100 MB"),
    (DEFAULT_BODY_BUDGET, "500 MB"),
    (1_000_000_000, "1 GB"),
    (5_000_000_000, "5 GB"),
];

#[derive(Debug, Properties, PartialEq)]
pub struct StorageProps {
    /// The setting; `None` for the default.
    pub keep_bodies: Option<u64>,
    pub on_change: Callback<u64>,
}

#[function_component]
pub fn Storage(props: &StorageProps) -> Html {
    let current = props.keep_bodies.unwrap_or(DEFAULT_BODY_BUDGET);
    let onchange = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            let value = event
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|select| select.value().parse::<u64>().ok());
            if let Some(bytes) = value {
                on_change.emit(bytes);
            }
        })
    };
    html! {
        <details class="storage">
            <summary>
                <svg class="storage-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                    <ellipse cx="12" cy="6" rx="7" ry="3" fill="none" stroke="currentColor" stroke-width="2" />
                    <path d="M5 6v12c0 1.7 3.1 3 7 3s7-1.3 7-3V6M5 12c0 1.7 3.1 3 7 3s7-1.3 7-3"
                        fill="none" stroke="currentColor" stroke-width="2" />
                </svg>
                <span class="storage-label">{ "Storage" }</span>
            </summary>
            <div class="storage-body">
                <label for="keep-bodies">{ "Keep messages read on this device, up to" }</label>
                <select id="keep-bodies" {onchange}>
                    { for CHOICES.iter().map(|&(bytes, name)| html! {
                        <option value={bytes.to_string()} selected={bytes == current}>{ name }</option>
                    }) }
                </select>
                <p class="storage-hint">
                    { "Beyond that, the messages read longest ago are removed from this device; \
                       the list keeps them, and they open from the server." }
                </p>
            </div>
        </details>
    }
}
