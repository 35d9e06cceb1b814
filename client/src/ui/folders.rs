//! The folder list.

use yew::prelude::*;

use crate::engine::{Folder, FolderRole};
use crate::model::FolderLabel;

/// Deeper nesting is drawn at this depth; the full path is still read out.
const MAX_INDENT: usize = 4;

#[derive(Debug, Properties, PartialEq)]
pub struct FolderListProps {
    pub folders: Vec<Folder>,
    /// The open folder's id.
    pub selected: Option<AttrValue>,
    /// Unread counts by folder id, where known.
    pub unseen: Vec<(String, u32)>,
    pub on_open: Callback<String>,
}

#[function_component]
pub fn FolderList(props: &FolderListProps) -> Html {
    let rows = props.folders.iter().map(|folder| {
        let label = FolderLabel::new(folder);
        let indent = format!("depth-{}", label.depth.min(MAX_INDENT));
        let role = folder.role.map(role_class);
        // The parents are read out but not drawn: the indent shows them.
        let name = html! {
            <>
                if !label.parents.is_empty() {
                    <span class="visually-hidden">{ label.parents }</span>
                }
                { label.leaf }
            </>
        };
        let entry = if folder.selectable {
            let current = props.selected.as_deref() == Some(folder.id.as_str());
            let onclick = {
                let (on_open, id) = (props.on_open.clone(), folder.id.clone());
                move |_| on_open.emit(id.clone())
            };
            html! {
                <button type="button" class={classes!("folder", role)} {onclick}
                    aria-current={current.then_some("true")}>
                    { name }
                </button>
            }
        } else {
            html! { <span class={classes!("folder", "folder-group")}>{ name }</span> }
        };
        let unseen = props
            .unseen
            .iter()
            .find(|(id, _)| *id == folder.id)
            .map(|(_, count)| *count)
            .filter(|count| *count > 0);
        html! {
            <li key={folder.id.clone()} class={indent}>
                { entry }
                if let Some(count) = unseen {
                    <span class="count">{ count }<span class="visually-hidden">{ " unread" }</span></span>
                }
            </li>
        }
    });
    html! {
        <nav class="folders" aria-label="Folders">
            <h2 class="pane-title">{ "Folders" }</h2>
            if props.folders.is_empty() {
                <p class="empty">{ "Loading folders…" }</p>
            } else {
                <ul>{ for rows }</ul>
            }
        </nav>
    }
}

fn role_class(role: FolderRole) -> &'static str {
    match role {
        FolderRole::Inbox => "role-inbox",
        FolderRole::Drafts => "role-drafts",
        FolderRole::Sent => "role-sent",
        FolderRole::Trash => "role-trash",
        FolderRole::Junk => "role-junk",
        FolderRole::Archive => "role-archive",
        FolderRole::All => "role-all",
        FolderRole::Flagged => "role-flagged",
    }
}
