//! The connection task: the only code that touches the WebSockets.
//!
//! One long-lived task owns the account ([`Account`], sans-IO) and performs its
//! [`Effect`]s: it opens a WebSocket to `ws(s)://<page host>/imap` for each connection the
//! account asks for (binary frames, raw IMAP bytes both ways), writes and closes them, hands
//! events to the model as [`Action`]s, and keeps one browser timer at the account's next
//! deadline. It feeds back socket events (tagged with their connection, so a replaced
//! socket's late events are ignored), the time (`performance.now()`), and the browser's
//! `online` event. Per-click tasks that each touch the socket were rejected: two of them
//! could interleave writes, and nobody would own the connection.
//!
//! Sending is this task's too: a `Request::Send` opens a second WebSocket, to
//! `ws(s)://<page host>/smtp`, for that one message, and drives a [`Sender`] over it with
//! the credentials of the session's sign-in. They are kept in this task's memory for the
//! session and never in the model or any storage. While a message is being sent the IMAP
//! connection waits: its events queue in the channel and are handled after. A message that
//! was delivered is then handed to the account, which saves the copy in Sent
//! (`Request::SaveSent`).

use std::cell::RefCell;

use futures_channel::mpsc::{self, UnboundedReceiver, UnboundedSender};
use futures_util::{stream, StreamExt};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, TextDecoder, TextDecoderOptions, WebSocket};

use crate::compose::{Outgoing, Stamp};
use crate::engine::{Charsets, Event, Password, Request, SendMessage};
use crate::model::{Action, SendStatus};
use crate::send::{Sender, Sent};
use crate::sync::{Account, ConnId, Effect, Load};

use super::local;
use super::store::{StoreHandle, WORKER_URL};
use petrel_store::protocol::Request as StoreRequest;

/// How long the proxy gets to accept the WebSocket before the app says it is unreachable.
/// Browsers can take minutes to give up on an unresponsive host on their own.
const CONNECT_TIMEOUT_MS: i32 = 10_000;

/// How long a send may take from connecting to the server's last reply before the task gives
/// up on it (a lost connection after the whole message went is then "may have been sent").
const SEND_TIMEOUT_MS: i32 = 120_000;

/// Starts the connection task; it runs until the returned sender is dropped.
pub fn spawn(dispatch: impl Fn(Action) + 'static) -> UnboundedSender<Request> {
    let (sender, requests) = mpsc::unbounded();
    wasm_bindgen_futures::spawn_local(run(requests, dispatch));
    sender
}

enum Input {
    Request(Request),
    Socket(ConnId, SocketEvent),
    /// The account's deadline passed.
    Wake,
    /// The browser says the network is back.
    Online,
    /// At start-up: the account last signed in on this device and its folders.
    Restored(String, Vec<crate::engine::Folder>),
    /// This tab has no local store; why.
    NoStore(String),
    /// What the local store answered for a load.
    Loaded(Vec<Event>),
    /// Time to start the local store (see [`Local::open_soon`]).
    OpenStore,
}

/// A one-shot browser timer; dropping it cancels it.
struct Timer {
    handle: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    fn start(ms: i32, fire: impl FnMut() + 'static) -> Timer {
        let callback = Closure::<dyn FnMut()>::new(fire);
        let handle = web_sys::window().and_then(|window| {
            window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    callback.as_ref().unchecked_ref(),
                    ms,
                )
                .ok()
        });
        Timer {
            handle,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let (Some(handle), Some(window)) = (self.handle, web_sys::window()) {
            window.clear_timeout_with_handle(handle);
        }
    }
}

/// Milliseconds on the page's monotonic clock.
fn now() -> u64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now()) as u64
}

/// A socket of one of the account's connections.
struct Current {
    conn: ConnId,
    socket: Socket,
    url: String,
    open: bool,
}

async fn run(requests: UnboundedReceiver<Request>, dispatch: impl Fn(Action)) {
    let (inputs, internal) = mpsc::unbounded::<Input>();
    let mut seed = [0u8; 8];
    if let Some(crypto) = web_sys::window().and_then(|window| window.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut seed);
    }
    let server = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default();
    // Unix seconds at the monotonic clock's zero: the store's notion of "now".
    let epoch = ((js_sys::Date::now() - now() as f64) / 1000.0) as i64;
    let charsets = BrowserCharsets::default();
    let mut account = Account::on(charsets.clone(), u64::from_le_bytes(seed), server, epoch);
    // Until the store says otherwise (another tab holds it, no OPFS), it keeps the mail.
    account.set_keeps_store(true);
    let mut local = Local::new(WORKER_URL);
    // The device's storage setting, for the store once it opens and for the settings.
    if let Some(bytes) = kept_bodies() {
        local.write(StoreRequest::SetBodyBudget { bytes });
        dispatch(Action::KeepBodies(bytes));
    }
    // Mail kept on this device: shown at once, before the store has even started.
    if let Some(user) = kept_user() {
        dispatch(Action::Restored {
            user: user.clone(),
            folders: Vec::new(),
        });
        account.restore_offline(user);
        local.open(&inputs);
    }
    // Kept for sending: the account's engines forget the password once signed in.
    let mut credentials: Option<(String, Password)> = None;
    // The command connection's and the watch connection's.
    let mut sockets: Vec<Current> = Vec::new();
    let mut timer: Option<Timer> = None;
    let _online = on_online(inputs.clone());
    let mut stream = stream::select(requests.map(Input::Request), internal);
    while let Some(input) = stream.next().await {
        let now = now();
        match input {
            Input::Request(Request::Send(send)) => {
                let SendMessage {
                    message,
                    save_copy,
                    answered,
                } = *send;
                let sent = match &credentials {
                    Some((user, password)) => send_message(user, password, message).await,
                    None => Sent::NotSent("sign in first".into()),
                };
                let words = sent.words();
                match sent {
                    Sent::Delivered { message, .. } => {
                        dispatch(Action::SendFinished(SendStatus::Sent(words)));
                        account.request(
                            crate::runtime::net::now(),
                            Request::SaveSent {
                                copy: save_copy.then_some(message),
                                answered,
                            },
                        );
                    }
                    Sent::NotSent(_) | Sent::MayHaveBeenSent => {
                        dispatch(Action::SendFinished(SendStatus::Failed(words)));
                    }
                }
            }
            Input::Request(Request::KeepBodies { bytes }) => {
                let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
                if let Some(storage) = storage {
                    let _ = storage.set_item(KEEP_BODIES, &bytes.to_string());
                }
                local.write(StoreRequest::SetBodyBudget { bytes });
            }
            Input::Request(request) => {
                match &request {
                    Request::SignIn { user, password } => {
                        credentials = Some((user.clone(), password.clone()));
                    }
                    Request::SignOut => credentials = None,
                    _ => {}
                }
                account.request(now, request);
            }
            Input::Socket(conn, event) => {
                let Some(k) = sockets.iter().position(|c| c.conn == conn) else {
                    continue;
                };
                let socket = &mut sockets[k];
                match event {
                    SocketEvent::Open => {
                        socket.open = true;
                        socket.socket.clear_timeout();
                    }
                    SocketEvent::Data(bytes) => account.received(now, conn, &bytes),
                    // Already open: the timer fired just before the open event was handled.
                    SocketEvent::TimedOut if socket.open => {}
                    SocketEvent::TimedOut => {
                        let reason = format!(
                            "no answer from {} within {} seconds",
                            socket.url,
                            CONNECT_TIMEOUT_MS / 1000
                        );
                        sockets.remove(k);
                        account.closed(now, conn, Some(reason));
                    }
                    SocketEvent::Closed { code, reason } => {
                        let reason =
                            if socket.open {
                                close_reason(code, &reason)
                            } else {
                                Some(close_reason(code, &reason).unwrap_or_else(|| {
                                    format!("could not connect to {}", socket.url)
                                }))
                            };
                        sockets.remove(k);
                        account.closed(now, conn, reason);
                    }
                }
            }
            Input::Wake => account.handle_timeout(now),
            Input::Online => account.network_up(now),
            Input::Restored(user, folders) => {
                if account.link() == crate::sync::Link::Offline {
                    dispatch(Action::Restored {
                        user: user.clone(),
                        folders,
                    });
                    account.restore_offline(user);
                }
            }
            Input::OpenStore => local.open(&inputs),
            Input::NoStore(why) => {
                account.set_keeps_store(false);
                dispatch(Action::StoreUnavailable(why));
            }
            Input::Loaded(events) => {
                for event in events {
                    dispatch(Action::from(event));
                }
            }
        }
        let batch = std::cell::RefCell::new(Vec::new());
        perform(
            &mut account,
            &mut sockets,
            &inputs,
            &|action| batch.borrow_mut().push(action),
            &mut local,
            &charsets,
        );
        let batch = batch.into_inner();
        // Rows and messages are drawn in a task of their own: parsing a long answer and
        // drawing its rows in one task made it long enough to delay input (over 50 ms on
        // a busy two-core machine).
        let heavy = batch.iter().any(|action| {
            matches!(
                action,
                Action::Engine(Event::Rows { .. } | Event::MessageOpened { .. })
            )
        });
        if heavy {
            next_task().await;
        }
        for action in batch {
            dispatch(action);
        }
        timer = account.poll_timeout().map(|at| {
            let inputs = inputs.clone();
            let wait = at
                .saturating_sub(crate::runtime::net::now())
                .min(i32::MAX as u64) as i32;
            Timer::start(wait, move || {
                let _ = inputs.unbounded_send(Input::Wake);
            })
        });
    }
    drop(timer);
}

/// Resolves in a later task (a zero timeout), letting the browser handle input and paint
/// first.
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let queued = web_sys::window()
            .map(|window| window.set_timeout_with_callback(&resolve).is_ok())
            .unwrap_or(false);
        if !queued {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Carries out what the account asked for, until it asks for nothing more.
fn perform(
    account: &mut Account<BrowserCharsets>,
    sockets: &mut Vec<Current>,
    inputs: &UnboundedSender<Input>,
    dispatch: &impl Fn(Action),
    local: &mut Local,
    charsets: &BrowserCharsets,
) {
    while let Some(effect) = account.poll_effect() {
        match effect {
            Effect::Connect(conn) => {
                let opened = imap_url().and_then(|url| {
                    let inputs = inputs.clone();
                    Socket::open(&url, move |event| {
                        let _ = inputs.unbounded_send(Input::Socket(conn, event));
                    })
                    .map(|socket| (socket, url))
                });
                match opened {
                    Ok((socket, url)) => sockets.push(Current {
                        conn,
                        socket,
                        url,
                        open: false,
                    }),
                    Err(reason) => account.closed(now(), conn, Some(reason)),
                }
            }
            Effect::Write(conn, bytes) => {
                if let Some(c) = sockets.iter().find(|c| c.conn == conn) {
                    // A failed send means the socket is closing; its close event follows.
                    let _ = c.socket.send(&bytes);
                }
            }
            Effect::Close(conn) => sockets.retain(|c| c.conn != conn),
            Effect::Event(mut event) => {
                if let Event::AttachmentFetched {
                    name,
                    media_type,
                    bytes,
                    error,
                    ..
                } = &mut event
                {
                    // The bytes go to the browser's download, never into the model.
                    let bytes = std::mem::take(bytes);
                    if error.is_none() {
                        if let Err(reason) = save(name, media_type, &bytes) {
                            *error = Some(reason);
                        }
                    }
                }
                // The first rows are on screen: the store may start soon without slowing
                // them down (a first visit has no mail kept to show).
                let read = matches!(event, Event::MessageOpened { .. });
                if matches!(event, Event::Rows { .. }) {
                    local.open_soon(inputs);
                }
                dispatch(Action::from(event));
                // A message is on screen: the person reads, the store may start.
                if read {
                    local.open(inputs);
                }
            }
            Effect::Link(link) => dispatch(Action::Link(link)),
            Effect::Store(write) => local.write(write),
            // An early load only shows sooner what the server sends anyway: not worth
            // starting the store for.
            Effect::Load(Load::Rows { early: true, .. } | Load::Message { early: true, .. })
                if !local.opened => {}
            Effect::Load(load) => {
                local.open(inputs);
                let (store, inputs, charsets) =
                    (local.store.clone(), inputs.clone(), charsets.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let events = local::load(&store, load, &charsets).await;
                    let _ = inputs.unbounded_send(Input::Loaded(events));
                });
            }
        }
    }
}

/// The local store as this task uses it. It is opened (its 1.2 MB worker loaded and
/// compiled) at once when there is mail kept to show; after a sign-in, only once its first
/// rows are on screen and then the first message read, or a few seconds have passed
/// ([`Local::open_soon`]): before that it would compete with them for the network and the
/// CPU. Writes made before wait here, in order.
struct Local {
    store: StoreHandle,
    opened: bool,
    /// The timer of [`Local::open_soon`].
    soon: Option<Timer>,
    queued: Vec<StoreRequest>,
}

/// How long after a sign-in's first rows the store starts (see [`Local::open_soon`]).
const OPEN_AFTER_MS: i32 = 3_000;

/// Whose mail is kept on this device, remembered beside the store (the user name only) so
/// that a reload can show the stored mail before the store has started.
const KEPT: &str = "petrel.kept";

fn kept_user() -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(KEPT).ok()?
}

/// How many bytes of messages read this device keeps, as the person set it (a device
/// setting: it outlives signing out).
const KEEP_BODIES: &str = "petrel.keepBodies";

fn kept_bodies() -> Option<u64> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(KEEP_BODIES).ok()??.parse().ok()
}

impl Local {
    fn new(url: &str) -> Self {
        Self {
            store: StoreHandle::start(url),
            opened: false,
            soon: None,
            queued: Vec::new(),
        }
    }

    /// Opens the store [`OPEN_AFTER_MS`] from now, or once the first message read is on
    /// screen, or at once if a load needs it. Compiling its 1.2 MB of SQLite and opening OPFS take a few hundred ms of
    /// CPU: started right after the first rows, that work competed with the person's first
    /// click (a message opened then took from 90 to 330 ms in the benchmark on two cores).
    /// Nothing is lost meanwhile: writes wait here, in order.
    fn open_soon(&mut self, inputs: &UnboundedSender<Input>) {
        if self.opened || self.soon.is_some() {
            return;
        }
        let inputs = inputs.clone();
        self.soon = Some(Timer::start(OPEN_AFTER_MS, move || {
            let _ = inputs.unbounded_send(Input::OpenStore);
        }));
    }

    fn open(&mut self, inputs: &UnboundedSender<Input>) {
        self.soon = None;
        if self.opened {
            return;
        }
        self.opened = true;
        wasm_bindgen_futures::spawn_local(open_store(self.store.clone(), inputs.clone()));
        for write in std::mem::take(&mut self.queued) {
            self.send(write);
        }
    }

    /// In order: the handle sends each call as it is made, and the worker answers in
    /// order. A write that fails loses only the copy, never mail.
    fn write(&mut self, write: StoreRequest) {
        if let StoreRequest::SetLastAccount { last } = &write {
            let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
            if let Some(storage) = storage {
                let _ = match last {
                    Some(last) => storage.set_item(KEPT, &last.user),
                    None => storage.remove_item(KEPT),
                };
            }
        }
        if self.opened {
            self.send(write);
        } else {
            self.queued.push(write);
        }
    }

    fn send(&self, write: StoreRequest) {
        let store = self.store.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = store.call(write).await;
        });
    }
}

/// Opens the local store once the first screen is up, asks the browser to keep it, and
/// restores the account last signed in on this device, if any.
async fn open_store(store: StoreHandle, inputs: UnboundedSender<Input>) {
    if let Err(why) = store.ready().await {
        web_sys::console::warn_1(&format!("Petrel keeps no mail on this device: {why}").into());
        let _ = inputs.unbounded_send(Input::NoStore(why.to_string()));
        return;
    }
    store.persist().await;
    if let Some((user, folders)) = local::last_account(&store).await {
        let _ = inputs.unbounded_send(Input::Restored(user, folders));
    }
}

/// Listens for the browser's `online` event for as long as the returned closure lives.
fn on_online(inputs: UnboundedSender<Input>) -> Option<Closure<dyn FnMut()>> {
    let window = web_sys::window()?;
    let closure = Closure::<dyn FnMut()>::new(move || {
        let _ = inputs.unbounded_send(Input::Online);
    });
    window
        .add_event_listener_with_callback("online", closure.as_ref().unchecked_ref())
        .ok()?;
    Some(closure)
}

/// Sends one message over a WebSocket to the proxy's `/smtp` and returns how it went.
async fn send_message(user: &str, password: &Password, message: Outgoing) -> Sent {
    let mut sender = match Sender::new(user, password, message, stamp()) {
        Ok(sender) => sender,
        Err(reason) => return Sent::NotSent(reason),
    };
    let url = match page_url("smtp") {
        Ok(url) => url,
        Err(reason) => return Sent::NotSent(reason),
    };
    let (deliver, mut events) = mpsc::unbounded::<SocketEvent>();
    let socket = match Socket::open(&url, move |event| {
        let _ = deliver.unbounded_send(event);
    }) {
        Ok(socket) => socket,
        Err(reason) => return Sent::NotSent(reason),
    };
    let (timeout, mut timed_out) = mpsc::unbounded::<()>();
    let _timer = Timer::start(SEND_TIMEOUT_MS, move || {
        let _ = timeout.unbounded_send(());
    });
    let mut open = false;
    loop {
        let event = futures_util::select! {
            event = events.next() => event,
            _ = timed_out.next() => None,
        };
        match event {
            Some(SocketEvent::Open) => {
                open = true;
                socket.clear_timeout();
            }
            Some(SocketEvent::Data(bytes)) => sender.receive(&bytes),
            Some(SocketEvent::TimedOut) if open => {}
            Some(SocketEvent::TimedOut) => {
                return Sent::NotSent(format!(
                    "no answer from {url} within {} seconds",
                    CONNECT_TIMEOUT_MS / 1000
                ))
            }
            Some(SocketEvent::Closed { code, reason }) => {
                sender.closed();
                if !open {
                    return Sent::NotSent(format!("could not connect to {url}"));
                }
                if let (Some(Sent::NotSent(_)), Some(reason)) =
                    (sender.result(), close_reason(code, &reason))
                {
                    return Sent::NotSent(format!(
                        "the connection to the mail server ended before the message was sent \
                         ({reason})"
                    ));
                }
            }
            // The send took too long: treated as a lost connection.
            None => sender.closed(),
        }
        if open {
            while let Some(bytes) = sender.transmit() {
                if !socket.send(&bytes) {
                    break;
                }
            }
        }
        if sender.is_done() {
            break;
        }
    }
    sender
        .result()
        .cloned()
        .unwrap_or_else(|| Sent::NotSent("the send was interrupted".into()))
}

/// The time, the person's UTC offset and fresh random bytes, from the browser.
fn stamp() -> Stamp {
    let now = js_sys::Date::new_0();
    let mut random = [0u8; 32];
    if let Some(crypto) = web_sys::window().and_then(|window| window.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut random);
    }
    Stamp {
        unix_seconds: (now.get_time() / 1000.0) as i64,
        // JavaScript's offset is west-positive minutes; the writer wants east-positive.
        utc_offset_minutes: -(now.get_timezone_offset() as i16),
        random,
    }
}

/// Hands `bytes` to the browser as a download named `name`.
fn save(name: &str, media_type: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    // The type only names the file for the browser; it is never rendered by the app.
    options.set_type(if media_type.is_empty() {
        "application/octet-stream"
    } else {
        media_type
    });
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_text)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_text)?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| "no document".to_owned())?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_text)?
        .dyn_into()
        .map_err(|_| "no anchor element".to_owned())?;
    anchor.set_href(&url);
    anchor.set_download(if name.is_empty() { "attachment" } else { name });
    anchor.click();
    // Some browsers read the blob after click() returns: let it go a little later.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}

/// `ws(s)://<page host>/imap`: the proxy that served the page also bridges IMAP.
fn imap_url() -> Result<String, String> {
    page_url("imap")
}

/// `ws(s)://<page host>/<path>`.
fn page_url(path: &str) -> Result<String, String> {
    let location = web_sys::window()
        .ok_or_else(|| "no browser window".to_owned())?
        .location();
    let protocol = location.protocol().map_err(js_text)?;
    let host = location.host().map_err(js_text)?;
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    Ok(format!("{scheme}://{host}/{path}"))
}

/// What a person should read about a close: the proxy's reason if it gave one, else what
/// the close code means. Normal and abnormal closes without a reason say nothing more than
/// "the connection was lost".
fn close_reason(code: u16, reason: &str) -> Option<String> {
    if !reason.trim().is_empty() {
        return Some(reason.trim().to_owned());
    }
    let meaning = match code {
        1001 => "the proxy is going away",
        1008 => "the proxy refused the connection",
        1009 => "a message was too big for the proxy",
        1011 => "the proxy hit an error",
        1012 => "the proxy is restarting",
        1013 => "the proxy is overloaded, try again later",
        1014 => "the mail server did not answer the proxy",
        _ => return None,
    };
    Some(format!("{meaning} (code {code})"))
}

fn js_text(value: wasm_bindgen::JsValue) -> String {
    value
        .as_string()
        .or_else(|| {
            value
                .dyn_ref::<js_sys::Error>()
                .map(|error| String::from(error.message()))
        })
        .unwrap_or_else(|| "unknown browser error".to_owned())
}

/// What the WebSocket's callbacks report, in order.
enum SocketEvent {
    Open,
    Data(Vec<u8>),
    Closed { code: u16, reason: String },
    TimedOut,
}

/// A WebSocket with its callbacks and connect timer. Dropping it closes the socket and
/// detaches the callbacks, so a replaced session can report nothing more.
struct Socket {
    ws: WebSocket,
    timer: Option<i32>,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_timeout: Closure<dyn FnMut()>,
}

impl Socket {
    /// Opens a WebSocket to `url`; everything it reports goes to `deliver`, in order.
    fn open(url: &str, deliver: impl Fn(SocketEvent) + 'static) -> Result<Socket, String> {
        let ws = WebSocket::new(url).map_err(js_text)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let deliver = std::rc::Rc::new(deliver);

        let on_open = {
            let deliver = deliver.clone();
            Closure::<dyn FnMut()>::new(move || deliver(SocketEvent::Open))
        };
        let on_message = {
            let deliver = deliver.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data();
                let bytes = if let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() {
                    js_sys::Uint8Array::new(buffer).to_vec()
                } else if let Some(text) = data.as_string() {
                    // The proxy sends binary frames; a text frame still carries bytes.
                    text.into_bytes()
                } else {
                    return;
                };
                deliver(SocketEvent::Data(bytes));
            })
        };
        let on_close = {
            let deliver = deliver.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
                deliver(SocketEvent::Closed {
                    code: event.code(),
                    reason: event.reason(),
                });
            })
        };
        let on_timeout = Closure::<dyn FnMut()>::new(move || deliver(SocketEvent::TimedOut));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let timer = web_sys::window().and_then(|window| {
            window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    on_timeout.as_ref().unchecked_ref(),
                    CONNECT_TIMEOUT_MS,
                )
                .ok()
        });
        let socket = Socket {
            ws,
            timer,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
            _on_timeout: on_timeout,
        };
        Ok(socket)
    }

    /// Sends `bytes`; false when the socket is closing (its close event follows).
    fn send(&self, bytes: &[u8]) -> bool {
        self.ws.send_with_u8_array(bytes).is_ok()
    }

    fn clear_timeout(&self) {
        if let (Some(timer), Some(window)) = (self.timer, web_sys::window()) {
            window.clear_timeout_with_handle(timer);
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.clear_timeout();
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close_with_code(1000);
    }
}

/// The browser's WHATWG decoders (`TextDecoder`) for the header charsets the engine does not
/// know itself: they cost the bundle nothing. One decoder per label, made on first use and
/// kept for the session, since a message list asks for the same few charsets over and over.
/// A label the browser rejects (unknown, or one WHATWG maps to its "replacement" encoding,
/// like ISO-2022-KR) is remembered as `None`, so it costs one exception, not one per header.
/// A list rather than a `HashMap`: a mailbox uses a handful of charsets, and the map's hashing
/// code would cost the bundle more than a linear search over a few labels costs in time.
/// Cloned for each connection of the account, sharing one set of decoders.
#[derive(Debug, Default, Clone)]
struct BrowserCharsets {
    decoders: std::rc::Rc<RefCell<Vec<Decoder>>>,
}

/// A charset label and the browser's decoder for it (`None`: the browser has none).
type Decoder = (String, Option<TextDecoder>);

impl Charsets for BrowserCharsets {
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
        let mut decoders = self.decoders.borrow_mut();
        let k = match decoders.iter().position(|(known, _)| known == label) {
            Some(k) => k,
            None => {
                decoders.push((label.to_owned(), text_decoder(label)));
                decoders.len() - 1
            }
        };
        let decoder = decoders[k].1.as_ref()?;
        // Regression: Chromium's ISO-2022-JP decoder keeps its state from one decode() to the
        // next although neither streams (WHATWG resets it): after text that closed with the
        // escape back to ASCII, as all ISO-2022-JP text does, text opening with an escape
        // (nearly all of it) decoded with a "\u{fffd}" in front, and text cut off in JIS X 0208
        // turned the next ASCII into kanji. So that charset gets a fresh decoder every time.
        if decoder.encoding() == "iso-2022-jp" {
            return text_decoder(label)?.decode_with_u8_array(bytes).ok();
        }
        decoder.decode_with_u8_array(bytes).ok()
    }
}

/// A decoder for `label`, `None` if the browser rejects the label.
fn text_decoder(label: &str) -> Option<TextDecoder> {
    let options = TextDecoderOptions::new();
    // Not fatal: a malformed byte becomes U+FFFD rather than costing the whole header.
    options.set_fatal(false);
    TextDecoder::new_with_label_and_options(label, &options).ok()
}
