//! The app's handle on its store worker (`client/worker`): the local copy of the mail in
//! SQLite on OPFS, which runs in a dedicated Web Worker so that SQLite (about 1.2 MB of wasm)
//! is neither in the app's bundle nor on its main thread.
//!
//! [`StoreHandle::start`] costs nothing: the worker is spawned by the first [`StoreHandle::ready`]
//! or [`StoreHandle::call`], which the app makes after its first screen. Calls are
//! [`Request`]s; each gets the [`Reply`] for its id. They cross as postcard bytes in a
//! transferred buffer (see `petrel_store::protocol` for the choice and its cost). Calls made
//! while the worker opens the database wait here and go once it says `Started` (a module
//! worker may drop messages that arrive before its script has run).
//!
//! One tab owns the store: the worker takes the `petrel-store` Web Lock before it opens the
//! database, and a second tab's worker gets [`StoreUnavailable::OtherTab`]. That tab then runs
//! from the network alone and says so; it is simpler and safer than routing a second tab's
//! calls through the first (a `BroadcastChannel` relay that must survive the owner closing
//! mid-call), and two tabs of one webmail are rare enough for "this tab does not keep mail".

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use js_sys::{Array, Uint8Array};
use petrel_store::protocol::{
    decode, encode, Answer, Call, Failure, FromWorker, Reply, Request, StoreUnavailable,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, MessageEvent, Worker, WorkerOptions, WorkerType};

/// The worker's entry point as trunk writes it (a worker's files are named after its binary,
/// without a hash), relative to the page.
pub const WORKER_URL: &str = "petrel-store-worker_loader.js";

/// What `navigator.storage.persist()` answered: whether the browser promised not to evict the
/// store under storage pressure. The store works either way; without it, a browser short of
/// space may delete it (and the app refetches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    Granted,
    Denied,
    /// The browser has no `navigator.storage.persist`, or it failed.
    Unsupported,
}

/// A cheap, cloneable handle; every clone talks to the same worker.
#[derive(Clone)]
pub struct StoreHandle {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for StoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreHandle")
            .field("url", &self.inner.url)
            .field("started", &self.inner.state.borrow().started)
            .finish_non_exhaustive()
    }
}

struct Inner {
    url: String,
    next_id: Cell<u32>,
    state: RefCell<State>,
    persistence: Cell<Option<Persistence>>,
}

#[derive(Default)]
struct State {
    worker: Option<Running>,
    /// `None` until the worker said `Started` (or failed to start).
    started: Option<Result<(), StoreUnavailable>>,
    /// Calls made before `Started`, already encoded.
    queued: Vec<Uint8Array>,
    /// Calls sent and not yet answered, with their ids. A few at a time, answered nearly in
    /// order, so a list searched from the front (a HashMap cost 2 KB of wasm more).
    pending: Vec<(u32, oneshot::Sender<Result<Reply, Failure>>)>,
    /// [`StoreHandle::ready`] callers waiting for `Started`.
    waiting: Vec<oneshot::Sender<Result<(), StoreUnavailable>>>,
}

/// The worker and the handlers it calls, which must live as long as it does.
struct Running {
    worker: Worker,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(Event)>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl StoreHandle {
    /// A handle on the worker at `url` (normally [`WORKER_URL`]); nothing is loaded yet.
    pub fn start(url: &str) -> Self {
        Self {
            inner: Rc::new(Inner {
                url: url.to_owned(),
                next_id: Cell::new(0),
                state: RefCell::new(State::default()),
                persistence: Cell::new(None),
            }),
        }
    }

    /// Spawns the worker if needed and waits until it has opened the store, or said why it
    /// cannot.
    pub async fn ready(&self) -> Result<(), StoreUnavailable> {
        self.spawn();
        let waiting = {
            let mut state = self.inner.state.borrow_mut();
            if let Some(started) = &state.started {
                return started.clone();
            }
            let (tx, rx) = oneshot::channel();
            state.waiting.push(tx);
            rx
        };
        waiting.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Sends one request and waits for its reply. Fails with [`Failure::Unavailable`] when the
    /// tab has no store (every call then fails the same way), [`Failure::Store`] when the
    /// store refused this request.
    pub async fn call(&self, request: Request) -> Result<Reply, Failure> {
        self.spawn();
        let id = self.inner.next_id.get();
        self.inner.next_id.set(id.wrapping_add(1));
        let message = Uint8Array::from(&encode(&Call { id, request })?[..]);
        let answer = {
            let mut state = self.inner.state.borrow_mut();
            match &state.started {
                Some(Err(why)) => return Err(Failure::Unavailable(why.clone())),
                Some(Ok(())) => {
                    if let Some(running) = &state.worker {
                        send(&running.worker, &message).map_err(|e| {
                            Failure::Unavailable(StoreUnavailable::WorkerFailed {
                                reason: describe(&e),
                            })
                        })?;
                    }
                }
                None => state.queued.push(message),
            }
            let (tx, rx) = oneshot::channel();
            state.pending.push((id, tx));
            rx
        };
        answer
            .await
            .unwrap_or_else(|_| Err(Failure::Unavailable(gone())))
    }

    /// Asks the browser, once per handle, to keep the store under storage pressure
    /// (`navigator.storage.persist()`; main thread only, which is why the worker does not).
    /// Chromium answers from its own heuristics (an installed app, a bookmarked site, site
    /// engagement) without a prompt; Firefox may ask the person.
    pub async fn persist(&self) -> Persistence {
        if let Some(known) = self.inner.persistence.get() {
            return known;
        }
        let answer = match web_sys::window().map(|w| w.navigator().storage().persist()) {
            Some(Ok(promise)) => match wasm_bindgen_futures::JsFuture::from(promise).await {
                Ok(granted) if granted.as_bool() == Some(true) => Persistence::Granted,
                Ok(_) => Persistence::Denied,
                Err(_) => Persistence::Unsupported,
            },
            _ => Persistence::Unsupported,
        };
        self.inner.persistence.set(Some(answer));
        answer
    }

    fn spawn(&self) {
        let said = {
            let mut state = self.inner.state.borrow_mut();
            if state.worker.is_some() || state.started.is_some() {
                return;
            }
            match spawn_worker(&self.inner.url, Rc::downgrade(&self.inner)) {
                Ok((running, said)) => {
                    state.worker = Some(running);
                    said
                }
                Err(why) => {
                    drop(state);
                    self.inner.settle_start(Err(why));
                    return;
                }
            }
        };
        // What a worker started early said before the app took it over, in order.
        for data in said.iter() {
            match early_error(&data) {
                Some(reason) => self
                    .inner
                    .fail_all(StoreUnavailable::WorkerFailed { reason }),
                None => self.inner.receive(data),
            }
        }
    }
}

impl Inner {
    fn receive(&self, data: JsValue) {
        let message = match data.dyn_ref::<Uint8Array>() {
            Some(bytes) => decode::<FromWorker>(&bytes.to_vec()),
            None => Err(Failure::Protocol {
                reason: "a message that is not bytes".into(),
            }),
        };
        match message {
            Ok(FromWorker::Started(result)) => self.settle_start(result),
            Ok(FromWorker::Answer(Answer { id, result })) => {
                let waiter = {
                    let mut state = self.state.borrow_mut();
                    let found = state.pending.iter().position(|(waiting, _)| *waiting == id);
                    found.map(|at| state.pending.remove(at).1)
                };
                if let Some(tx) = waiter {
                    // The caller may have stopped waiting; the answer is then dropped.
                    let _ = tx.send(result);
                }
            }
            Err(e) => {
                // Without an id nothing can be answered; every waiting call fails instead,
                // since the two sides no longer understand each other.
                let reason = format!("unreadable message from the store worker: {e}");
                web_sys::console::error_1(&reason.clone().into());
                self.fail_all(StoreUnavailable::WorkerFailed { reason });
            }
        }
    }

    /// Records how the start went, sends the queued calls or fails them, and wakes `ready`.
    fn settle_start(&self, result: Result<(), StoreUnavailable>) {
        let (queued, waiting, failed) = {
            let mut state = self.state.borrow_mut();
            state.started = Some(result.clone());
            let queued = std::mem::take(&mut state.queued);
            let waiting = std::mem::take(&mut state.waiting);
            let failed = match &result {
                Ok(()) => {
                    if let Some(running) = &state.worker {
                        for message in &queued {
                            if let Err(e) = send(&running.worker, message) {
                                web_sys::console::error_1(&e);
                            }
                        }
                    }
                    Vec::new()
                }
                Err(_) => state.pending.drain(..).map(|(_, tx)| tx).collect(),
            };
            (queued, waiting, failed)
        };
        drop(queued);
        for tx in waiting {
            let _ = tx.send(result.clone());
        }
        if let Err(why) = result {
            for tx in failed {
                let _ = tx.send(Err(Failure::Unavailable(why.clone())));
            }
        }
    }

    /// The worker died or spoke nonsense: no store for this tab from now on.
    fn fail_all(&self, why: StoreUnavailable) {
        let (pending, waiting) = {
            let mut state = self.state.borrow_mut();
            state.started = Some(Err(why.clone()));
            state.queued.clear();
            let pending: Vec<_> = state.pending.drain(..).map(|(_, tx)| tx).collect();
            (pending, std::mem::take(&mut state.waiting))
        };
        for tx in waiting {
            let _ = tx.send(Err(why.clone()));
        }
        for tx in pending {
            let _ = tx.send(Err(Failure::Unavailable(why.clone())));
        }
    }
}

/// Where `boot.js` leaves the store worker it started before the app, when mail is kept
/// on this device: `{ worker, said }`, `said` holding its messages (and `{ error }` for a
/// failure) until the app takes it over. Starting it there runs the worker's start (its
/// SQLite module compiled, the OPFS pool opened, the lock taken) beside the app's own,
/// rather than after it, which is most of a reload's wait for the stored list.
const EARLY: &str = "petrelEarlyStore";

/// The worker `boot.js` started, with what it said so far; taken once.
fn adopt_early() -> Option<(Worker, Array)> {
    let window = web_sys::window()?;
    let early = js_sys::Reflect::get(&window, &EARLY.into()).ok()?;
    if early.is_undefined() || early.is_null() {
        return None;
    }
    let _ = js_sys::Reflect::delete_property(&window, &EARLY.into());
    let worker = js_sys::Reflect::get(&early, &"worker".into())
        .ok()?
        .dyn_into::<Worker>()
        .ok()?;
    let said = js_sys::Reflect::get(&early, &"said".into())
        .ok()?
        .dyn_into::<Array>()
        .ok()?;
    Some((worker, said))
}

/// A failure `boot.js` recorded for the early worker (`{ error: "…" }`), if `data` is one.
fn early_error(data: &JsValue) -> Option<String> {
    if data.is_instance_of::<Uint8Array>() {
        return None;
    }
    let reason = js_sys::Reflect::get(data, &"error".into()).ok()?;
    Some(
        reason
            .as_string()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "its script failed to load or to start".to_owned()),
    )
}

fn spawn_worker(url: &str, inner: Weak<Inner>) -> Result<(Running, Array), StoreUnavailable> {
    let (worker, said) = match adopt_early() {
        Some(early) => early,
        None => {
            let options = WorkerOptions::new();
            options.set_type(WorkerType::Module);
            options.set_name("petrel-store");
            let worker = Worker::new_with_options(url, &options).map_err(|e| {
                StoreUnavailable::WorkerFailed {
                    reason: describe(&e),
                }
            })?;
            (worker, Array::new())
        }
    };
    let onmessage = {
        let inner = inner.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(inner) = inner.upgrade() {
                inner.receive(event.data());
            }
        })
    };
    let onerror = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        // An uncaught error in the worker is an ErrorEvent with a message; a module script
        // that failed to load is a plain Event, with none.
        let reason = js_sys::Reflect::get(&event, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "its script failed to load or to start".to_owned());
        if let Some(inner) = inner.upgrade() {
            inner.fail_all(StoreUnavailable::WorkerFailed { reason });
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    let running = Running {
        worker,
        _onmessage: onmessage,
        _onerror: onerror,
    };
    Ok((running, said))
}

/// Posts an encoded call, moving its buffer to the worker rather than copying it (a body can
/// be megabytes).
fn send(worker: &Worker, message: &Uint8Array) -> Result<(), JsValue> {
    worker.post_message_with_transfer(message, &Array::of1(&message.buffer()))
}

fn gone() -> StoreUnavailable {
    StoreUnavailable::WorkerFailed {
        reason: "the store worker is gone".into(),
    }
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}
