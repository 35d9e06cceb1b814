//! The Yew components. They render the model from the context and turn clicks into
//! requests or view actions; none holds app or protocol state.

mod banner;
mod compose;
mod context;
mod folders;
mod format;
mod go_online;
mod messages;
mod reader;
mod sign_in;
mod storage;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::engine::{Request, Window};
use crate::model::{Action, Pane, Screen};
use crate::sync::Link;
use banner::Banner;
use compose::Composer;
pub use context::{use_app, AppContext, AppProvider};
use folders::FolderList;
use go_online::GoOnline;
use messages::MessageList;
use reader::Reader;
use sign_in::SignIn;
use storage::Storage;

/// The whole app.
#[function_component]
pub fn App() -> Html {
    use_effect_with((), |()| format::prepare_when_idle());
    html! {
        <AppProvider>
            <Shell />
        </AppProvider>
    }
}

fn model_folder(app: &AppContext) -> Option<String> {
    app.model.selected.clone()
}

/// Picks the screen.
#[function_component]
fn Shell() -> Html {
    let Some(app) = use_app() else {
        return Html::default();
    };
    match app.model.screen {
        Screen::SignIn => {
            let on_sign_in = app
                .request
                .reform(|(user, password)| Request::SignIn { user, password });
            html! {
                <SignIn user={app.model.user.clone()} busy={app.model.signing_in}
                    problem={app.model.problem.clone()} {on_sign_in} />
            }
        }
        Screen::Mail => html! { <Mail /> },
    }
}

/// Signed in: the top bar, the folder list and the open folder's messages.
#[function_component]
fn Mail() -> Html {
    let Some(app) = use_app() else {
        return Html::default();
    };
    // The sign-in form is gone: put keyboard and screen-reader users at the top of what
    // replaced it, rather than leaving focus on the removed button (the body).
    use_effect_with((), |_| {
        let heading = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.get_element_by_id("folder-title"))
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(heading) = heading {
            let _ = heading.focus();
        }
    });
    let model = &*app.model;
    let on_open = app.request.reform(|folder| Request::OpenFolder {
        folder,
        window: Window::FIRST,
        known: None,
    });
    let on_fetch = {
        let request = app.request.clone();
        use_callback(
            model_folder(&app),
            move |window, folder: &Option<String>| {
                if let Some(folder) = folder.clone() {
                    request.emit(Request::FetchRows { folder, window });
                }
            },
        )
    };
    let on_sign_out = app.request.reform(|_| Request::SignOut);
    let on_keep_bodies = app.request.reform(|bytes| Request::KeepBodies { bytes });
    let on_sign_in = app
        .request
        .reform(|(user, password)| Request::SignIn { user, password });
    let on_back = app.dispatch.reform(|_| Action::ShowFolders);
    let on_dismiss = app.dispatch.reform(|()| Action::DismissProblem);
    // The same callback while the folder stays open, so that the message list's rows can
    // skip rendering when nothing of theirs changed.
    let on_open_message = {
        let request = app.request.clone();
        use_callback(
            model.selected.clone(),
            move |uid, folder: &Option<String>| {
                request.emit(Request::OpenMessage {
                    folder: folder.clone().unwrap_or_default(),
                    uid,
                });
            },
        )
    };
    let on_close = app.dispatch.reform(|()| Action::CloseMessage);
    let reader = model.reading.clone().map(|reading| {
        let (folder, uid) = (reading.folder.clone(), reading.uid);
        let on_download = {
            let folder = folder.clone();
            app.request.reform(move |part| Request::DownloadAttachment {
                folder: folder.clone(),
                uid,
                part,
            })
        };
        let on_retry = app.request.reform(move |()| Request::OpenMessage {
            folder: folder.clone(),
            uid,
        });
        html! { <Reader {reading} on_close={on_close.clone()} {on_download} {on_retry} /> }
    });
    let on_compose = app
        .dispatch
        .reform(|_: MouseEvent| Action::ComposeRequested);
    let composer = model.compose.clone().map(|compose| {
        let on_edit = app
            .dispatch
            .reform(|(field, value)| Action::ComposeEdited { field, value });
        let on_send = app.request.reform(|message| {
            Request::Send(Box::new(crate::engine::SendMessage {
                message,
                save_copy: true,
                answered: None,
            }))
        });
        let on_invalid = app
            .dispatch
            .reform(|words| Action::SendFinished(crate::model::SendStatus::Failed(words)));
        let on_close = app.dispatch.reform(|()| Action::CloseCompose);
        html! { <Composer {compose} {on_edit} {on_send} {on_invalid} {on_close} /> }
    });
    let open = model.reading.as_ref().map(|r| r.uid);
    let title = model
        .selected
        .as_deref()
        .map(|id| model.folder(id).map_or(id, |folder| folder.name.as_str()))
        .unwrap_or("Messages")
        .to_owned();
    let pane = match model.pane {
        Pane::Folders => "show-folders",
        Pane::Messages => "show-messages",
        Pane::Message => "show-message",
    };
    let unseen: Vec<(String, u32)> = model
        .unseen
        .iter()
        .map(|(id, n)| (id.clone(), *n))
        .collect();
    html! {
        <div class={classes!("mail", pane, open.is_some().then_some("reading"))}>
            <header class="topbar">
                <button type="button" class="back" onclick={on_back}>
                    <span aria-hidden="true">{ "‹ " }</span>{ "Folders" }
                </button>
                <div class="topbar-brand">
                    <img src="icon.svg" alt="" width="28" height="28" />
                    <span class="topbar-title">{ "Petrel" }</span>
                </div>
                <ConnectionState link={model.link} />
                <div class="account">
                    <button type="button" class="primary compose-open" onclick={on_compose}>{ "Compose" }</button>
                    <span class="account-user">{ model.user.clone() }</span>
                    <Storage keep_bodies={model.keep_bodies} on_change={on_keep_bodies} />
                    <button type="button" class="secondary" onclick={on_sign_out}>{ "Sign out" }</button>
                </div>
            </header>
            if model.password_needed {
                <GoOnline user={model.user.clone()} busy={model.signing_in} {on_sign_in} />
            }
            if let Some(problem) = &model.problem {
                <Banner problem={problem.clone()} {on_dismiss} />
            }
            if let Some(note) = &model.store_note {
                <p class="store-note" role="note">
                    { format!("Mail is not kept on this device in this tab: {note}.") }
                </p>
            }
            <div class="panes">
                <FolderList folders={model.folders.clone()}
                    selected={model.selected.clone().map(AttrValue::from)} {unseen} {on_open} />
                <main class="content">
                    <MessageList {title} list={model.list.clone()}
                        status={model.status} loading={model.loading} {open}
                        on_open={on_open_message} {on_fetch} />
                </main>
                { for reader }
                { for composer }
            </div>
        </div>
    }
}

#[derive(Debug, Properties, PartialEq)]
struct ConnectionStateProps {
    link: Link,
}

/// The connection as the person needs to know it: nothing while online but a quiet dot,
/// words while reconnecting or offline. `data-state` is for tests and styles.
#[function_component]
fn ConnectionState(props: &ConnectionStateProps) -> Html {
    let (state, words) = match props.link {
        Link::Online => ("online", "Online"),
        Link::Connecting => ("connecting", "Connecting…"),
        Link::Reconnecting { .. } => ("reconnecting", "Reconnecting…"),
        Link::Offline => ("offline", "Offline"),
    };
    html! {
        <p id="connection" class={classes!("connection", state)} data-state={state} role="status">
            <span class="connection-dot" aria-hidden="true"></span>
            <span class="connection-words">{ words }</span>
        </p>
    }
}
