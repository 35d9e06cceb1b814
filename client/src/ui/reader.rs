//! The reading pane: the open message's headers, attachments and body, or its loading and
//! error states. The body's blocks are shown in order, a message inside the message with its
//! own headers; each HTML part is shown only through `crate::html`, in a sandboxed frame of
//! its own.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::engine::{Address, Block, MessageView};
use crate::html;
use crate::model::{Reading, ReadingState};
use crate::ui::format::MessageDate;

#[derive(Debug, Properties, PartialEq)]
pub struct ReaderProps {
    pub reading: Reading,
    pub on_close: Callback<()>,
    /// Asks for an attachment by part.
    pub on_download: Callback<String>,
    /// Asks for the message again after a failure.
    pub on_retry: Callback<()>,
}

#[function_component]
pub fn Reader(props: &ReaderProps) -> Html {
    let reading = &props.reading;
    // Put keyboard and screen-reader users at the top of the message when one opens (and
    // again once it has loaded, since the heading changes from "Loading…").
    let loaded = matches!(reading.state, ReadingState::Ready(_));
    use_effect_with((reading.folder.clone(), reading.uid, loaded), |_| {
        focus("reader-title");
    });
    let on_close = props.on_close.clone();
    let onkeydown = Callback::from(move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            on_close.emit(());
        }
    });
    let close = {
        let on_close = props.on_close.clone();
        html! {
            <button type="button" class="reader-close" onclick={move |_| on_close.emit(())}>
                <span aria-hidden="true">{ "‹ " }</span>{ "Messages" }
            </button>
        }
    };
    let body = match &reading.state {
        ReadingState::Loading => html! {
            <>
                <h2 id="reader-title" class="pane-title" tabindex="-1">{ "Loading message…" }</h2>
                <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>{ "Loading message…" }</p>
            </>
        },
        ReadingState::Failed(reason) => {
            let on_retry = props.on_retry.clone();
            html! {
                <>
                    <h2 id="reader-title" class="pane-title" tabindex="-1">{ "Could not open this message" }</h2>
                    <div class="reader-error" role="alert">
                        <p>{ "The mail server did not send this message." }</p>
                        if !reason.trim().is_empty() {
                            <p class="banner-detail">{ reason.clone() }</p>
                        }
                        <button type="button" class="secondary" onclick={move |_| on_retry.emit(())}>{ "Try again" }</button>
                    </div>
                </>
            }
        }
        ReadingState::Ready(message) => view(message, reading, &props.on_download),
    };
    html! {
        <section class="reader" aria-labelledby="reader-title" {onkeydown}
            aria-busy={matches!(reading.state, ReadingState::Loading).to_string()}>
            <div class="reader-bar">{ close }</div>
            { body }
        </section>
    }
}

fn view(message: &MessageView, reading: &Reading, on_download: &Callback<String>) -> Html {
    let subject = if message.subject.trim().is_empty() {
        "(no subject)".to_owned()
    } else {
        message.subject.clone()
    };
    let attachments = (!message.attachments.is_empty()).then(|| {
        html! {
            <ul class="attachments" aria-label="Attachments">
                { for message.attachments.iter().map(|a| {
                    let part = a.part.clone();
                    let on_download = on_download.clone();
                    let busy = reading.downloading.as_deref() == Some(a.part.as_str());
                    html! {
                        <li key={a.part.clone()}>
                            <button type="button" class="attachment" aria-busy={busy.to_string()}
                                onclick={move |_| on_download.emit(part.clone())}>
                                <span class="attachment-name">{ a.name.clone() }</span>
                                <span class="attachment-size">{ size(a.size) }</span>
                            </button>
                        </li>
                    }
                }) }
            </ul>
        }
    });
    let content = if message.body.is_empty() {
        html! { <p class="empty">{ "This message has no text." }</p> }
    } else {
        blocks(&message.body, message, on_download)
    };
    html! {
        <>
            <header class="reader-header">
                <h2 id="reader-title" class="pane-title reader-subject" tabindex="-1">{ subject }</h2>
                { meta(message) }
            </header>
            if let Some(error) = &reading.download_error {
                <p class="reader-error" role="alert">{ format!("The attachment could not be downloaded: {error}") }</p>
            }
            { for attachments }
            { content }
        </>
    }
}

/// The From, To, Cc and Date of a message, the whole one or one inside it.
fn meta(message: &MessageView) -> Html {
    let date = message.date.and_then(MessageDate::new);
    html! {
        <dl class="reader-meta">
            { addresses("From", &message.from) }
            { addresses("To", &message.to) }
            { addresses("Cc", &message.cc) }
            if date.is_some() || !message.date_text.is_empty() {
                <dt>{ "Date" }</dt>
                <dd>
                    if let Some(date) = date {
                        <time datetime={date.iso}>{ date.full }</time>
                    } else {
                        { message.date_text.clone() }
                    }
                </dd>
            }
        </dl>
    }
}

/// A body in order: text as text, each HTML part in a sandboxed frame of its own (never in
/// this document, see `crate::html`), a message inside the message with its own headers and
/// body, a delivery status as its fields.
fn blocks(body: &[Block], outer: &MessageView, on_download: &Callback<String>) -> Html {
    // A frame cannot size itself to its content (no script runs in it), so a frame among
    // other blocks gets a smaller fixed height, to leave the rest of the body in sight.
    let among_others = body.len() > 1;
    html! {
        { for body.iter().map(|block| match block {
            Block::Text(text) => html! { <div class="reader-text">{ text.clone() }</div> },
            Block::Html(markup) => html! {
                <iframe class={classes!("reader-html", among_others.then_some("reader-html-part"))}
                    title="Message content" sandbox={html::SANDBOX} referrerpolicy="no-referrer"
                    srcdoc={html::document(markup)}></iframe>
            },
            Block::Message { part, message } => nested(part, message, outer, on_download),
            Block::DeliveryStatus(groups) => html! {
                <section class="delivery-status" aria-label="Delivery status">
                    <h3 class="nested-title">{ "Delivery status" }</h3>
                    { for groups.iter().map(|group| html! {
                        <dl class="reader-meta">
                            { for group.iter().map(|(name, value)| html! {
                                <>
                                    <dt>{ name.clone() }</dt>
                                    <dd>{ value.clone() }</dd>
                                </>
                            }) }
                        </dl>
                    }) }
                </section>
            },
        }) }
    }
}

/// A message inside the message (forwarded, attached, returned by a bounce): its headers,
/// a button to save it as `.eml` (its entry in the attachment list), and its body.
fn nested(
    part: &str,
    message: &MessageView,
    outer: &MessageView,
    on_download: &Callback<String>,
) -> Html {
    let subject = if message.subject.trim().is_empty() {
        "(no subject)".to_owned()
    } else {
        message.subject.clone()
    };
    let save = outer.attachments.iter().find(|a| a.part == part).map(|a| {
        let part = a.part.clone();
        let on_download = on_download.clone();
        html! {
            <button type="button" class="secondary nested-save"
                onclick={move |_| on_download.emit(part.clone())}>
                { format!("Save as {}", a.name) }
            </button>
        }
    });
    html! {
        <article class="reader-nested" aria-label={format!("Attached message: {subject}")}>
            <header class="nested-header">
                <h3 class="nested-title">{ subject }</h3>
                { meta(message) }
                { for save }
            </header>
            if message.body.is_empty() {
                <p class="empty">{ "This message has no text." }</p>
            } else {
                { blocks(&message.body, outer, on_download) }
            }
        </article>
    }
}

fn addresses(label: &'static str, list: &[Address]) -> Html {
    if list.is_empty() {
        return Html::default();
    }
    let text = list
        .iter()
        .map(|a| {
            if a.name.is_empty() {
                a.email.clone()
            } else {
                format!("{} <{}>", a.name, a.email)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        <>
            <dt>{ label }</dt>
            <dd>{ text }</dd>
        </>
    }
}

/// A byte count for people: `512 B`, `1.5 KB`, `2.3 MB`. Integer arithmetic: float
/// formatting would add kilobytes to the bundle.
fn size(bytes: usize) -> String {
    let tenths = |unit: usize| {
        let t = (bytes * 10 + unit / 2) / unit;
        format!("{}.{}", t / 10, t % 10)
    };
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{} KB", tenths(1024))
    } else {
        format!("{} MB", tenths(1024 * 1024))
    }
}

/// Focuses the element with `id`, if it is there.
pub(crate) fn focus(id: &str) {
    let element = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}
