//! The worker's life: take the store's Web Lock, install the SAH-pool VFS, open the database,
//! say `Started`, then answer calls one at a time, in the order they came.
//!
//! The lock is taken here rather than by the app's main thread so that whoever talks to the
//! worker (the app, or a test's page script) gets the same guarantee: one tab owns the file.
//! It is held until the worker ends, which is when its tab closes.

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use js_sys::{Function, Object, Promise, Reflect};
use petrel_store::protocol::{serve, Answer, Call, Failure, FromWorker, StoreUnavailable};
use petrel_store::SqliteStore;
use serde::Serialize;
use sqlite_wasm_vfs::sahpool::{install, OpfsSAHPoolCfgBuilder};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// The Web Lock that says which tab owns the store; the same name in every tab of the origin.
const LOCK: &str = "petrel-store";
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

async fn run(scope: DedicatedWorkerGlobalScope, mut queue: mpsc::UnboundedReceiver<JsValue>) {
    let opened = open(&scope).await;
    post(
        &scope,
        &FromWorker::Started(opened.as_ref().map(|_| ()).map_err(Clone::clone)),
    );
    let mut store = opened;
    while let Some(data) = queue.next().await {
        let answer = match serde_wasm_bindgen::from_value::<Call>(data.clone()) {
            Ok(Call { id, request }) => Answer {
                id,
                result: match &mut store {
                    Ok(store) => serve(store, request).map_err(Failure::Store),
                    Err(why) => Err(Failure::Unavailable(why.clone())),
                },
            },
            Err(e) => {
                let reason = format!("unreadable call: {e}");
                match call_id(&data) {
                    Some(id) => Answer {
                        id,
                        result: Err(Failure::Protocol { reason }),
                    },
                    None => {
                        web_sys::console::error_1(&reason.into());
                        continue;
                    }
                }
            }
        };
        post(&scope, &FromWorker::Answer(answer));
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

/// `navigator.locks.request(LOCK, { ifAvailable: true }, callback)`: the callback gets `null`
/// at once if another tab holds the lock; otherwise it returns a promise that never settles,
/// which holds the lock for the worker's life. (web-sys has the Web Locks API only behind
/// `web_sys_unstable_apis`, hence Reflect.)
async fn take_lock(scope: &DedicatedWorkerGlobalScope) -> Result<(), StoreUnavailable> {
    let locks = Reflect::get(&scope.navigator(), &"locks".into())
        .ok()
        .filter(|l| !l.is_undefined() && !l.is_null())
        .ok_or(StoreUnavailable::NoLocks)?;
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(StoreUnavailable::NoLocks)?;
    let (granted, answer) = oneshot::channel::<Result<bool, String>>();
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
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let pending = request
        .call3(&locks, &LOCK.into(), &options, &on_grant)
        .map_err(|e| StoreUnavailable::NoOpfs {
            reason: describe(&e),
        })?;
    // The request's own promise settles when the lock is released (never, while held) or
    // rejects when the request is refused before any callback.
    if let Ok(pending) = pending.dyn_into::<Promise>() {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = wasm_bindgen_futures::JsFuture::from(pending).await {
                if let Some(tx) = granted.borrow_mut().take() {
                    let _ = tx.send(Err(describe(&error)));
                }
            }
        });
    }
    match answer.await {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err(StoreUnavailable::OtherTab),
        // The request was refused (an opaque origin, storage disabled) or dropped.
        Ok(Err(reason)) => Err(StoreUnavailable::NoOpfs { reason }),
        Err(_) => Err(StoreUnavailable::NoLocks),
    }
}

/// The u64 and i64 values (counts, sizes, MODSEQs, dates) cross as BigInt, so none is rounded.
fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
    let serializer =
        serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);
    match message.serialize(&serializer) {
        Ok(value) => {
            if let Err(e) = scope.post_message(&value) {
                web_sys::console::error_2(&"store worker: cannot post".into(), &e);
            }
        }
        Err(e) => {
            let reason = format!("unwritable answer: {e}");
            if let FromWorker::Answer(Answer { id, .. }) = message {
                post(
                    scope,
                    &FromWorker::Answer(Answer {
                        id: *id,
                        result: Err(Failure::Protocol { reason }),
                    }),
                );
            } else {
                web_sys::console::error_1(&reason.into());
            }
        }
    }
}

/// The `id` of a call that did not decode, so its caller still gets an answer.
fn call_id(data: &JsValue) -> Option<u32> {
    let id = Reflect::get(data, &"id".into()).ok()?.as_f64()?;
    (id.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&id)).then_some(id as u32)
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| format!("{}: {}", e.name(), e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}
