//! The message list of the open folder.

use yew::prelude::*;

use crate::engine::MessageSummary;
use crate::model::FolderStatus;
use crate::ui::format::MessageDate;

#[derive(Debug, Properties, PartialEq)]
pub struct MessageListProps {
    /// The open folder's display name.
    pub title: AttrValue,
    pub messages: Vec<MessageSummary>,
    pub status: Option<FolderStatus>,
    pub loading: bool,
    /// The UID of the message in the reading pane.
    pub open: Option<u32>,
    /// Opens a message by UID. Keep it the same callback between renders (`use_callback`),
    /// or every row renders again whenever the list does.
    pub on_open: Callback<u32>,
}

#[function_component]
pub fn MessageList(props: &MessageListProps) -> Html {
    let summary = props.status.map(|status| {
        let messages = match status.exists {
            1 => "1 message".to_owned(),
            n => format!("{n} messages"),
        };
        match status.unseen {
            Some(unseen) if unseen > 0 => format!("{messages}, {unseen} unread"),
            _ => messages,
        }
    });
    let empty = !props.loading && props.messages.is_empty();
    // When the reading pane closes, give focus back to the row it was opened from.
    let previous = use_mut_ref(|| None::<u32>);
    use_effect_with(props.open, move |open| {
        let closed = previous.replace(*open);
        if let (None, Some(uid)) = (open, closed) {
            crate::ui::reader::focus(&format!("message-{uid}"));
        }
    });
    html! {
        <section class="messages" aria-labelledby="folder-title">
            <header class="pane-header">
                <h2 id="folder-title" class="pane-title" tabindex="-1">{ props.title.clone() }</h2>
                if let Some(summary) = summary {
                    <p class="folder-summary">{ summary }</p>
                }
            </header>
            <div class="message-list" role="list" aria-label="Messages"
                aria-busy={props.loading.to_string()}>
                { for props.messages.iter().map(|m| html! {
                    <Row key={m.uid} message={m.clone()} open={props.open == Some(m.uid)}
                        on_open={props.on_open.clone()} />
                }) }
            </div>
            if props.loading {
                <p class="loading"><span class="spinner" aria-hidden="true"></span>{ "Loading messages…" }</p>
            } else if empty {
                <p class="empty">{ "No messages in this folder." }</p>
            }
        </section>
    }
}

#[derive(Debug, Properties, PartialEq)]
struct RowProps {
    message: MessageSummary,
    /// Shown in the reading pane.
    open: bool,
    on_open: Callback<u32>,
}

/// One message. A component of its own so that a list render re-renders only the rows
/// whose props changed (opening a message changes two), and so that the date, the costliest
/// part of a row, is formatted when the row is made and again only if its timestamp changes.
#[function_component]
fn Row(props: &RowProps) -> Html {
    let message = &props.message;
    let date = use_memo(message.date, |date| date.and_then(MessageDate::new));
    let from = if message.from.trim().is_empty() {
        "(unknown sender)"
    } else {
        &message.from
    };
    let subject = if message.subject.trim().is_empty() {
        "(no subject)"
    } else {
        &message.subject
    };
    let uid = message.uid;
    let on_open = props.on_open.clone();
    // A button per row: Enter and Space open it, and it is announced as something to press.
    html! {
        <div role="listitem" data-uid={uid.to_string()}>
        <button type="button" id={format!("message-{uid}")} onclick={move |_| on_open.emit(uid)}
            aria-current={props.open.then_some("true")}
            class={classes!("message", message.unread.then_some("unread"), message.flagged.then_some("flagged"))}>
            <span class="from">{ from }</span>
            <span class="subject">{ subject }</span>
            if let Some(date) = &*date {
                <time class="date" datetime={date.iso.clone()} title={date.full.clone()}>{ date.short.clone() }</time>
            }
            if message.unread {
                <span class="visually-hidden">{ "Unread" }</span>
            }
            if message.flagged {
                <span class="visually-hidden">{ "Flagged" }</span>
            }
        </button>
        </div>
    }
}
