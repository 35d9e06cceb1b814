//! The worker's life: take the store's Web Lock, install the SAH-pool VFS, open the database,
//! say `Started`, then answer calls one at a time, in the order they came, each in the
//! encoding it came in: postcard bytes (the app) or plain objects (a page script, a test).
//!
//! The lock is taken here rather than by the app's main thread so that whoever talks to the
//! worker (the app, or a test's page script) gets the same guarantee: one tab owns the file.
//! It is held until the worker ends, which is when its tab closes.

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use js_sys::Uint8Array;
use js_sys::{Function, Object, Promise, Reflect};
use petrel_store::protocol::{
    decode, encode, serve, Answer, Call, Failure, FromWorker, StoreUnavailable,
};
use petrel_store::SqliteStore;
use serde::Serialize;
use sqlite_wasm_vfs::sahpool::{install, OpfsSAHPoolCfgBuilder};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// The Web Lock that says which tab owns the store; the same name in every tab of the origin.
const LOCK: &str = "petrel-store";
/// How long to wait for the lock before concluding another tab has it. Not zero
/// (`ifAvailable`): on a reload the old page's worker lets go of the lock a moment after the
/// new page asks for it, and a reload must find its store.
const LOCK_WAIT_MS: u32 = 1500;
/// The OPFS directory of the pool, and the database's name inside it.
const POOL_DIRECTORY: &str = ".petrel-store";
const DATABASE: &str = "petrel.sqlite3";

pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let (calls, queue) = mpsc::unbounded::<JsValue>();
    // Installed before anything is awaited, so no call is lost; calls wait in the queue
    // while the store opens.
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        // Fails only once the loop below has ended, which it never does.
        let _ = calls.unbounded_send(event.data());
    });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    onmessage.forget();
    wasm_bindgen_futures::spawn_local(run(scope, queue));
}

/// How a call came, and so how its answer goes.
#[derive(Clone, Copy)]
enum Encoding {
    Postcard,
    Objects,
}

async fn run(scope: DedicatedWorkerGlobalScope, mut queue: mpsc::UnboundedReceiver<JsValue>) {
    let opened = open(&scope).await;
    post(
        &scope,
        Encoding::Postcard,
        &FromWorker::Started(opened.as_ref().map(|_| ()).map_err(Clone::clone)),
    );
    let mut store = opened;
    while let Some(data) = queue.next().await {
        let (encoding, call) = match data.dyn_ref::<Uint8Array>() {
            Some(bytes) => (Encoding::Postcard, decode::<Call>(&bytes.to_vec())),
            None => (
                Encoding::Objects,
                serde_wasm_bindgen::from_value::<Call>(data.clone()).map_err(|e| {
                    Failure::Protocol {
                        reason: format!("unreadable call: {e}"),
                    }
                }),
            ),
        };
        let answer = match call {
            Ok(Call { id, request }) => Answer {
                id,
                result: match &mut store {
                    Ok(store) => serve(store, request).map_err(Failure::Store),
                    Err(why) => Err(Failure::Unavailable(why.clone())),
                },
            },
            Err(failure) => match call_id(&data) {
                Some(id) => Answer {
                    id,
                    result: Err(failure),
                },
                None => {
                    web_sys::console::error_1(&failure.to_string().into());
                    continue;
                }
            },
        };
        post(&scope, encoding, &FromWorker::Answer(answer));
    }
}

async fn open(scope: &DedicatedWorkerGlobalScope) -> Result<SqliteStore, StoreUnavailable> {
    take_lock(scope).await?;
    let pool = OpfsSAHPoolCfgBuilder::new()
        .directory(POOL_DIRECTORY)
        .build();
    install::<sqlite_wasm_rs::WasmOsCallback>(&pool, true)
        .await
        .map_err(|e| StoreUnavailable::NoOpfs {
            reason: e.to_string(),
        })?;
    SqliteStore::open(DATABASE).map_err(StoreUnavailable::Open)
}

/// `navigator.locks.request(LOCK, { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, callback)`:
/// the callback runs once the lock is granted and returns a promise that never settles, which
/// holds the lock for the worker's life; if the wait times out, another tab has the store.
/// Where `AbortSignal.timeout` is missing, `{ ifAvailable: true }` (the callback gets `null`
/// at once when the lock is taken). web-sys has the Web Locks API only behind
/// `web_sys_unstable_apis`, hence Reflect.
async fn take_lock(scope: &DedicatedWorkerGlobalScope) -> Result<(), StoreUnavailable> {
    let no_locks = || StoreUnavailable::NoLocks {
        reason: "navigator.locks is missing".into(),
    };
    let locks = Reflect::get(&scope.navigator(), &"locks".into())
        .ok()
        .filter(|l| !l.is_undefined() && !l.is_null())
        .ok_or_else(no_locks)?;
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(no_locks)?;
    let (granted, answer) = oneshot::channel::<Result<bool, JsValue>>();
    let granted = Rc::new(RefCell::new(Some(granted)));
    let on_grant = {
        let granted = Rc::clone(&granted);
        Closure::once_into_js(move |lock: JsValue| -> JsValue {
            let held = !lock.is_null();
            if let Some(tx) = granted.borrow_mut().take() {
                let _ = tx.send(Ok(held));
            }
            if held {
                Promise::new(&mut |_, _| {}).into()
            } else {
                JsValue::UNDEFINED
            }
        })
    };
    let options = Object::new();
    match timeout_signal(LOCK_WAIT_MS) {
        Some(signal) => Reflect::set(&options, &"signal".into(), &signal),
        None => Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE),
    }
    .map_err(|e| StoreUnavailable::NoLocks {
        reason: describe(&e),
    })?;
    let pending = request
        .call3(&locks, &LOCK.into(), &options, &on_grant)
        .map_err(|e| StoreUnavailable::NoLocks {
            reason: describe(&e),
        })?;
    // The request's own promise settles when the lock is released (never, while held), or
    // rejects when the wait timed out or the request was refused (an opaque origin).
    if let Ok(pending) = pending.dyn_into::<Promise>() {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = wasm_bindgen_futures::JsFuture::from(pending).await {
                if let Some(tx) = granted.borrow_mut().take() {
                    let _ = tx.send(Err(error));
                }
            }
        });
    }
    match answer.await {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err(StoreUnavailable::OtherTab),
        Ok(Err(error)) if error_name(&error) == Some("TimeoutError".into()) => {
            Err(StoreUnavailable::OtherTab)
        }
        Ok(Err(error)) => Err(StoreUnavailable::NoLocks {
            reason: describe(&error),
        }),
        Err(_) => Err(StoreUnavailable::NoLocks {
            reason: "the lock request was dropped".into(),
        }),
    }
}

/// `AbortSignal.timeout(ms)`, if the browser has it.
fn timeout_signal(ms: u32) -> Option<JsValue> {
    let class = Reflect::get(&js_sys::global(), &"AbortSignal".into()).ok()?;
    let timeout: Function = Reflect::get(&class, &"timeout".into())
        .ok()?
        .dyn_into()
        .ok()?;
    timeout.call1(&class, &ms.into()).ok()
}

fn error_name(error: &JsValue) -> Option<String> {
    Reflect::get(error, &"name".into()).ok()?.as_string()
}

/// Posts `message` in `encoding`: postcard bytes in a transferred buffer, or plain objects
/// with u64 and i64 values (counts, sizes, MODSEQs, dates) as BigInt, so none is rounded.
fn post(scope: &DedicatedWorkerGlobalScope, encoding: Encoding, message: &FromWorker) {
    let posted = match encoding {
        Encoding::Postcard => encode(message).map(|bytes| {
            let array = Uint8Array::from(&bytes[..]);
            let transfer = js_sys::Array::of1(&array.buffer());
            scope.post_message_with_transfer(&array, &transfer)
        }),
        Encoding::Objects => {
            let serializer =
                serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);
            message
                .serialize(&serializer)
                .map(|value| scope.post_message(&value))
                .map_err(|e| Failure::Protocol {
                    reason: format!("unwritable answer: {e}"),
                })
        }
    };
    match posted {
        Ok(Ok(())) => {}
        Ok(Err(e)) => web_sys::console::error_2(&"store worker: cannot post".into(), &e),
        Err(failure) => match message {
            // The answer could not be written; its caller still hears why.
            FromWorker::Answer(Answer { id, .. }) => post(
                scope,
                encoding,
                &FromWorker::Answer(Answer {
                    id: *id,
                    result: Err(failure),
                }),
            ),
            FromWorker::Started(_) => web_sys::console::error_1(&failure.to_string().into()),
        },
    }
}

/// The `id` of a call that did not decode, so its caller still gets an answer: a plain
/// object's `id`, or a postcard call's leading varint.
fn call_id(data: &JsValue) -> Option<u32> {
    if let Some(bytes) = data.dyn_ref::<Uint8Array>() {
        let bytes = bytes.to_vec();
        return postcard::take_from_bytes::<u32>(&bytes)
            .ok()
            .map(|(id, _)| id);
    }
    let id = Reflect::get(data, &"id".into()).ok()?.as_f64()?;
    (id.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&id)).then_some(id as u32)
}

/// A JS error as "Name: message" (DOMExceptions are not `Error`s, so read by property).
fn describe(error: &JsValue) -> String {
    let message = Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string());
    match (error_name(error), message) {
        (Some(name), Some(message)) => format!("{name}: {message}"),
        _ => error.as_string().unwrap_or_else(|| format!("{error:?}")),
    }
}
