//! The local store as the shell uses it: restoring the last account at start-up, writing
//! what the account says to write, and answering the account's loads while offline. Reads
//! become the same events the server's answers would have been, marked [`OpId::LOCAL`].

use petrel_store::protocol::{Reply, Request};
use petrel_store::{FolderKey, FolderName, UnixTime};

use super::store::StoreHandle;
use crate::engine::{message, Charsets, Event, Folder, OpId};
use crate::sync::{store, Load};

/// Who was signed in last on this device, with their folders, if the store has them.
pub async fn last_account(store: &StoreHandle) -> Option<(String, Vec<Folder>)> {
    let Ok(Reply::LastAccount(Some(last))) = store.call(Request::LastAccount).await else {
        return None;
    };
    let folders = match store
        .call(Request::Folders {
            account: last.account.clone(),
        })
        .await
    {
        Ok(Reply::Folders(entries)) => store::folders(entries),
        _ => Vec::new(),
    };
    Some((last.user, folders))
}

/// Reads what `load` asks for; the events to give the app.
pub async fn load(store: &StoreHandle, load: Load, charsets: &dyn Charsets) -> Vec<Event> {
    match load {
        Load::Rows {
            account,
            folder,
            window,
            open,
            early,
        } => {
            let Some(key) = key(store, account, &folder).await else {
                return if early {
                    Vec::new()
                } else {
                    vec![not_kept(&folder)]
                };
            };
            let uid_validity = key.uidvalidity.0.get();
            let total = match store.call(Request::Count { key: key.clone() }).await {
                Ok(Reply::Count(n)) => u32::try_from(n).unwrap_or(u32::MAX),
                _ => 0,
            };
            let request = Request::Window {
                key,
                start: u64::from(window.first),
                len: u64::from(window.len),
            };
            let rows = match store.call(request).await {
                Ok(Reply::Rows(rows)) => rows,
                _ => Vec::new(),
            };
            let rows: Vec<_> = (window.first..)
                .zip(rows)
                .filter_map(|(position, row)| Some((position, store::summary(row)?)))
                .collect();
            if early && rows.is_empty() {
                return Vec::new();
            }
            let mut events = Vec::new();
            if open {
                events.push(Event::FolderOpened {
                    folder: folder.clone(),
                    exists: total,
                    unseen: None,
                    uid_validity: Some(uid_validity),
                });
            }
            events.push(Event::Rows {
                op: Some(OpId::LOCAL),
                folder,
                total,
                rows,
            });
            events
        }
        Load::Message {
            account,
            folder,
            uid,
            early,
        } => {
            let body = match (
                key(store, account, &folder).await,
                std::num::NonZeroU32::new(uid),
            ) {
                (Some(key), Some(stored)) => {
                    let now = UnixTime((js_sys::Date::now() / 1000.0) as i64);
                    let request = Request::Body {
                        key,
                        uid: petrel_store::Uid(stored),
                        now,
                    };
                    match store.call(request).await {
                        Ok(Reply::Body(body)) => body,
                        _ => None,
                    }
                }
                _ => None,
            };
            match body {
                Some(raw) => vec![Event::MessageOpened {
                    op: OpId::LOCAL,
                    folder,
                    uid,
                    message: Box::new(message::parse(&raw, charsets)),
                }],
                None if early => Vec::new(),
                None => vec![Event::MessageFailed {
                    op: OpId::LOCAL,
                    folder,
                    uid,
                    reason: "this message is not kept on this device: it can be read once \
                             the app is online again"
                        .into(),
                }],
            }
        }
    }
}

/// The folder's key as stored, if the store has the folder.
async fn key(
    store: &StoreHandle,
    account: petrel_store::AccountId,
    folder: &str,
) -> Option<FolderKey> {
    let request = Request::SyncState {
        account: account.clone(),
        folder: FolderName::new(folder),
    };
    let Ok(Reply::SyncState(Some(state))) = store.call(request).await else {
        return None;
    };
    Some(FolderKey {
        account,
        folder: FolderName::new(folder),
        uidvalidity: state.uidvalidity,
    })
}

fn not_kept(folder: &str) -> Event {
    Event::Problem(format!(
        "{folder} is not kept on this device: it can be opened once the app is online again"
    ))
}
