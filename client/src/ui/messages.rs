//! The message list of the open folder, virtualised: the scroll area is as tall as the
//! whole folder (a fixed height per row), and only the rows in view, plus a few either
//! side, are in the DOM. Scrolling asks for the rows it lacks ([`ListView::missing`]); the
//! model keeps a window of rows, never the folder.
//!
//! The view is anchored on a message, not on a position: when mail arrives above the rows
//! in view (or leaves), the scroll offset moves by as many rows, so what the person is
//! reading stays put. At the very top, new mail simply appears.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::{MessageSummary, Window};
use crate::model::{FolderStatus, ListView};
use crate::ui::format::MessageDate;

/// The height of a row in CSS pixels; `.list-row` in styles.css has the same.
const ROW_PX: u32 = 64;

/// Rows rendered beyond the visible ones on each side, so fast scrolling shows no blanks.
const OVERSCAN: u32 = 8;

#[derive(Debug, Properties, PartialEq)]
pub struct MessageListProps {
    /// The open folder's display name.
    pub title: AttrValue,
    pub list: ListView,
    pub status: Option<FolderStatus>,
    pub loading: bool,
    /// The UID of the message in the reading pane.
    pub open: Option<u32>,
    /// Opens a message by UID. Keep it the same callback between renders (`use_callback`),
    /// or every row renders again whenever the list does.
    pub on_open: Callback<u32>,
    /// Asks for the rows of a window of positions.
    pub on_fetch: Callback<Window>,
}

/// What is in view: the first visible position and how many fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Visible {
    first: u32,
    count: u32,
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
    let total = props.list.total;
    let empty = !props.loading && total == 0;
    let scroller = use_node_ref();
    let visible = use_state_eq(|| Visible {
        first: 0,
        count: 20,
    });
    // The message at the top of the view and where it was, to keep it in place.
    let anchor = use_mut_ref(|| None::<(u32, u32)>);
    // The window asked for last, so a render does not ask for it again.
    let asked = use_mut_ref(|| None::<Window>);

    let on_scroll = {
        let scroller = scroller.clone();
        let visible = visible.clone();
        let anchor = anchor.clone();
        let list = props.list.clone();
        Callback::from(move |_: Event| {
            let Some(element) = scroller.cast::<web_sys::Element>() else {
                return;
            };
            let now = measure(&element);
            visible.set(now);
            let top = element.scroll_top().max(0) as u32;
            *anchor.borrow_mut() = (top > 0)
                .then(|| list.row(now.first).map(|row| (row.uid, now.first)))
                .flatten();
        })
    };

    // Measure once mounted (and whenever the folder changes), before any scroll.
    {
        let scroller = scroller.clone();
        let visible = visible.clone();
        use_effect_with(props.title.clone(), move |_| {
            if let Some(element) = scroller.cast::<web_sys::Element>() {
                element.set_scroll_top(0);
                visible.set(measure(&element));
            }
        });
    }

    // Keep the anchored message where it was when rows moved above it.
    {
        let scroller = scroller.clone();
        let anchor = anchor.clone();
        let list = props.list.clone();
        use_effect_with(props.list.clone(), move |_| {
            let Some((uid, was)) = *anchor.borrow() else {
                return;
            };
            let (Some(now), Some(element)) =
                (list.position_of(uid), scroller.cast::<web_sys::Element>())
            else {
                return;
            };
            if now != was {
                let moved = (i64::from(now) - i64::from(was)) * i64::from(ROW_PX);
                let top = i64::from(element.scroll_top()) + moved;
                element.set_scroll_top(top.max(0) as i32);
                *anchor.borrow_mut() = Some((uid, now));
            }
        });
    }

    // Ask for the rows the view lacks.
    {
        let on_fetch = props.on_fetch.clone();
        let list = props.list.clone();
        let asked = asked.clone();
        use_effect_with((*visible, props.list.clone()), move |(visible, _)| {
            let want = Window {
                first: visible.first,
                len: visible.count,
            };
            match list.missing(want) {
                Some(window) if *asked.borrow() != Some(window) => {
                    *asked.borrow_mut() = Some(window);
                    on_fetch.emit(window);
                }
                Some(_) => {}
                None => *asked.borrow_mut() = None,
            }
        });
    }

    // When the reading pane closes, give focus back to the row it was opened from.
    let previous = use_mut_ref(|| None::<u32>);
    use_effect_with(props.open, move |open| {
        let closed = previous.replace(*open);
        if let (None, Some(uid)) = (open, closed) {
            crate::ui::reader::focus(&format!("message-{uid}"));
        }
    });

    let from = visible.first.saturating_sub(OVERSCAN).min(total);
    let to = visible
        .first
        .saturating_add(visible.count + OVERSCAN)
        .min(total);
    let rows = (from..to).map(|position| match props.list.row(position) {
        Some(message) => html! {
            <Row key={format!("u{}", message.uid)} message={message.clone()} {position} {total}
                open={props.open == Some(message.uid)} on_open={props.on_open.clone()} />
        },
        None => html! {
            <div key={format!("p{position}")} class="list-row placeholder" aria-hidden="true"
                style={top(position)}></div>
        },
    });
    html! {
        <section class="messages" aria-labelledby="folder-title">
            <header class="pane-header">
                <h2 id="folder-title" class="pane-title" tabindex="-1">{ props.title.clone() }</h2>
                if let Some(summary) = summary {
                    <p class="folder-summary">{ summary }</p>
                }
            </header>
            if props.loading && total == 0 {
                <p class="loading"><span class="spinner" aria-hidden="true"></span>{ "Loading messages…" }</p>
            } else if empty {
                <p class="empty">{ "No messages in this folder." }</p>
            }
            <div class="message-list" role="list" aria-label="Messages" ref={scroller}
                aria-busy={props.loading.to_string()} data-total={total.to_string()}
                onscroll={on_scroll}>
                <div class="list-space" style={format!("height:{}px", u64::from(total) * u64::from(ROW_PX))}>
                    { for rows }
                </div>
            </div>
        </section>
    }
}

/// What the scroll area shows now.
fn measure(element: &web_sys::Element) -> Visible {
    let top = element.scroll_top().max(0) as u32;
    let height = element.client_height().max(0) as u32;
    Visible {
        first: top / ROW_PX,
        count: height.div_ceil(ROW_PX).max(1) + 1,
    }
}

fn top(position: u32) -> String {
    format!(
        "transform:translateY({}px)",
        u64::from(position) * u64::from(ROW_PX)
    )
}

#[derive(Debug, Properties, PartialEq)]
struct RowProps {
    message: Rc<MessageSummary>,
    position: u32,
    total: u32,
    /// Shown in the reading pane.
    open: bool,
    on_open: Callback<u32>,
}

/// One message. A component of its own so that a list render re-renders only the rows
/// whose props changed, and so that the date, the costliest part of a row, is formatted
/// when the row is made and again only if its timestamp changes.
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
        <div role="listitem" class="list-row" data-uid={uid.to_string()} style={top(props.position)}
            aria-posinset={(props.position + 1).to_string()} aria-setsize={props.total.to_string()}>
        <button type="button" id={format!("message-{uid}")} onclick={move |_| on_open.emit(uid)}
            aria-current={props.open.then_some("true")}
            class={classes!("message", message.unread.then_some("unread"), message.flagged.then_some("flagged"))}>
            <span class="from">{ from }</span>
            if message.attachment {
                { paperclip() }
            }
            if let Some(date) = &*date {
                <time class="date" datetime={date.iso.clone()} title={date.full.clone()}>{ date.short.clone() }</time>
            }
            // Subject and preview share the second line, the preview after a dash taking
            // what room the subject leaves: a third line would not fit the fixed row.
            <span class="line">
                <span class="subject">{ subject }</span>
                if let Some(preview) = &message.preview {
                    <span class="preview">{ preview }</span>
                }
            </span>
            if message.unread {
                <span class="visually-hidden">{ "Unread" }</span>
            }
            if message.flagged {
                <span class="visually-hidden">{ "Flagged" }</span>
            }
            if message.attachment {
                <span class="visually-hidden">{ "Has attachment" }</span>
            }
        </button>
        </div>
    }
}

/// The attachment mark: a paperclip drawn with the text's colour, hidden from screen
/// readers, which hear "Has attachment" at the end of the row instead.
fn paperclip() -> Html {
    html! {
        <svg class="attachment-mark" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"
            focusable="false">
            <path d="M10.5 4.5v6.5a2.5 2.5 0 0 1-5 0V4a1.5 1.5 0 0 1 3 0v6.5a.5.5 0 0 1-1 0V5"
                fill="none" stroke="currentColor" stroke-width="1.3" stroke-linecap="round"
                stroke-linejoin="round" />
        </svg>
    }
}
