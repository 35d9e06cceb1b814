//! The simple composer: From, To, Cc, Subject, a plain-text body, Send and Close.
//!
//! The text lives in the model (every keystroke is a `ComposeEdited`), so that a failed send
//! keeps it and a success can empty it. Send turns the form into an [`Outgoing`] and asks
//! the connection task to send it; the result comes back in words, shown with
//! `role=status` when the message went and `role=alert` when it did not.

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::compose::{Mailbox, Outgoing};
use crate::model::{Compose, ComposeField, SendStatus};

#[derive(Debug, Properties, PartialEq)]
pub struct ComposerProps {
    pub compose: Compose,
    pub on_edit: Callback<(ComposeField, String)>,
    pub on_send: Callback<Outgoing>,
    /// A form that cannot be sent as it is: why, in words.
    pub on_invalid: Callback<String>,
    pub on_close: Callback<()>,
}

/// Addresses typed with commas between them (or semicolons, which some people use).
fn addresses(text: &str) -> Vec<Mailbox> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| Mailbox::new("", a))
        .collect()
}

#[function_component]
pub fn Composer(props: &ComposerProps) -> Html {
    let compose = &props.compose;
    let input = |field: ComposeField| {
        props.on_edit.reform(move |event: InputEvent| {
            let value = event
                .target_dyn_into::<HtmlInputElement>()
                .map(|input| input.value())
                .unwrap_or_default();
            (field, value)
        })
    };
    let on_body = props.on_edit.reform(|event: InputEvent| {
        let value = event
            .target_dyn_into::<HtmlTextAreaElement>()
            .map(|area| area.value())
            .unwrap_or_default();
        (ComposeField::Body, value)
    });
    let onsubmit = {
        let compose = compose.clone();
        let (on_send, on_invalid) = (props.on_send.clone(), props.on_invalid.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if compose.sending {
                return;
            }
            let to = addresses(&compose.to);
            if compose.from.trim().is_empty() {
                on_invalid.emit("Fill in your address in From.".into());
            } else if to.is_empty() {
                on_invalid.emit("Add at least one recipient in To.".into());
            } else {
                on_send.emit(Outgoing {
                    from: Mailbox::new("", compose.from.trim()),
                    to,
                    cc: addresses(&compose.cc),
                    subject: compose.subject.clone(),
                    text: compose.body.clone(),
                    ..Outgoing::default()
                });
            }
        })
    };
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <section class="compose" role="dialog" aria-labelledby="compose-title">
            <form class="compose-form" {onsubmit} aria-busy={compose.sending.to_string()}>
                <h2 id="compose-title">{ "New message" }</h2>
                <div class="field">
                    <label for="compose-from">{ "From" }</label>
                    <input id="compose-from" type="email" autocomplete="email"
                        value={compose.from.clone()} oninput={input(ComposeField::From)} />
                </div>
                <div class="field">
                    <label for="compose-to">{ "To" }</label>
                    <input id="compose-to" type="text" autocomplete="off" spellcheck="false"
                        value={compose.to.clone()} oninput={input(ComposeField::To)} />
                </div>
                <div class="field">
                    <label for="compose-cc">{ "Cc" }</label>
                    <input id="compose-cc" type="text" autocomplete="off" spellcheck="false"
                        value={compose.cc.clone()} oninput={input(ComposeField::Cc)} />
                </div>
                <div class="field">
                    <label for="compose-subject">{ "Subject" }</label>
                    <input id="compose-subject" type="text"
                        value={compose.subject.clone()} oninput={input(ComposeField::Subject)} />
                </div>
                <div class="field">
                    <label for="compose-body">{ "Message" }</label>
                    <textarea id="compose-body" rows="12" value={compose.body.clone()}
                        oninput={on_body} />
                </div>
                <div class="compose-actions">
                    <button type="submit" class="primary" disabled={compose.sending}>
                        { if compose.sending { "Sending…" } else { "Send" } }
                    </button>
                    <button type="button" class="secondary" onclick={on_close}>{ "Close" }</button>
                </div>
                {
                    match &compose.status {
                        Some(SendStatus::Sent(words)) => html! {
                            <p class="compose-status" role="status">{ words.clone() }</p>
                        },
                        Some(SendStatus::Failed(words)) => html! {
                            <p class="compose-error" role="alert">{ words.clone() }</p>
                        },
                        None => html! { <p class="compose-status" role="status"></p> },
                    }
                }
                if let Some(copy) = &compose.copy {
                    <p class="compose-copy" role="status">{ copy.clone() }</p>
                }
            </form>
        </section>
    }
}
