//! The connection task: the only code that touches the WebSocket.
//!
//! One long-lived task owns the WebSocket and the [`Engine`]. It takes [`Request`]s from a
//! channel and answers with [`Action`]s. Each sign-in opens a fresh WebSocket to
//! `ws(s)://<page host>/imap` (binary frames, raw IMAP bytes both ways) with a fresh engine;
//! the session lasts until the socket closes, the engine reports a disconnect, the person
//! signs out, or a new sign-in replaces it. Per-click tasks that each touch the socket were
//! rejected: two of them could interleave writes, and nobody would own the engine.
//!
//! Sending is this task's too: a `Request::Send` opens a second WebSocket, to
//! `ws(s)://<page host>/smtp`, for that one message, and drives a [`Sender`] over it with
//! the credentials of the session's sign-in. They are kept in this task's memory for the
//! session (the engine drops the password once it has signed in) and never in the model or
//! any storage. While a message is being sent the IMAP session waits: its bytes queue in the
//! socket's channel and are handled after. A message that was delivered is then handed to
//! the engine, which saves the copy in Sent (`Request::SaveSent`).

use std::cell::RefCell;

use futures_channel::mpsc::{self, UnboundedReceiver, UnboundedSender};
use futures_util::{stream, StreamExt};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, TextDecoder, TextDecoderOptions, WebSocket};

use crate::compose::{Outgoing, Stamp};
use crate::engine::{Charsets, Disconnect, Engine, Event, Password, Request, SendMessage};
use crate::model::{Action, SendStatus};
use crate::send::{Sender, Sent};

/// How long the proxy gets to accept the WebSocket before the app says it is unreachable.
/// Browsers can take minutes to give up on an unresponsive host on their own.
const CONNECT_TIMEOUT_MS: i32 = 10_000;

/// How long a message may take to arrive before the reading pane says so (it still shows the
/// message if it comes later). The engine has no clock; time is this task's business.
const OPEN_TIMEOUT_MS: i32 = 60_000;

/// How long a send may take from connecting to the server's last reply before the task gives
/// up on it (a lost connection after the whole message went is then "may have been sent").
const SEND_TIMEOUT_MS: i32 = 120_000;

/// Starts the connection task; it runs until the returned sender is dropped.
pub fn spawn(dispatch: impl Fn(Action) + 'static) -> UnboundedSender<Request> {
    let (sender, requests) = mpsc::unbounded();
    wasm_bindgen_futures::spawn_local(run(requests, dispatch));
    sender
}

async fn run(mut requests: UnboundedReceiver<Request>, dispatch: impl Fn(Action)) {
    let mut next = None;
    loop {
        let sign_in = match next.take() {
            Some(request) => request,
            None => match wait_for_sign_in(&mut requests).await {
                Some(request) => request,
                None => return,
            },
        };
        next = session(sign_in, &mut requests, &dispatch).await;
    }
}

/// Waits for the next sign-in; other requests need a session and there is none.
async fn wait_for_sign_in(requests: &mut UnboundedReceiver<Request>) -> Option<Request> {
    while let Some(request) = requests.next().await {
        if matches!(request, Request::SignIn { .. }) {
            return Some(request);
        }
    }
    None
}

enum Input {
    Request(Request),
    Socket(SocketEvent),
    /// The message `(folder, uid)` has been awaited for [`OPEN_TIMEOUT_MS`].
    OpenTimedOut(String, u32),
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

/// Runs one session from `sign_in` until it ends. Returns the sign-in request that replaced
/// it, if that is how it ended.
async fn session(
    sign_in: Request,
    requests: &mut UnboundedReceiver<Request>,
    dispatch: &impl Fn(Action),
) -> Option<Request> {
    let url = match imap_url() {
        Ok(url) => url,
        Err(reason) => {
            dispatch(lost(Some(reason)));
            return None;
        }
    };
    let (socket, events) = match Socket::open(&url) {
        Ok(opened) => opened,
        Err(reason) => {
            dispatch(lost(Some(reason)));
            return None;
        }
    };
    let mut engine = Engine::with_charsets(BrowserCharsets::default());
    // Kept for sending: the engine forgets the password once it has signed in.
    let credentials = match &sign_in {
        Request::SignIn { user, password } => Some((user.clone(), password.clone())),
        _ => None,
    };
    // The engine queues requests made before the server's greeting.
    engine.request(sign_in);
    let mut open = false;
    let (timeouts, timed_out) = mpsc::unbounded::<(String, u32)>();
    // The message being opened and its timer.
    let mut awaited: Option<((String, u32), Timer)> = None;
    let mut inputs = stream::select(
        stream::select(
            requests.by_ref().map(Input::Request),
            events.map(Input::Socket),
        ),
        timed_out.map(|(folder, uid)| Input::OpenTimedOut(folder, uid)),
    );
    while let Some(input) = inputs.next().await {
        let mut ended = false;
        match input {
            Input::Request(request @ Request::SignIn { .. }) => return Some(request),
            Input::Request(Request::SignOut) => {
                engine.request(Request::SignOut);
                if open {
                    socket.write(&mut engine);
                }
                // The LOGOUT is queued before the close frame, so it reaches the server; what
                // the old session says afterwards is of no interest to anyone.
                return None;
            }
            Input::Request(Request::OpenMessage { folder, uid }) => {
                let timeouts = timeouts.clone();
                let key = (folder.clone(), uid);
                let timer = Timer::start(OPEN_TIMEOUT_MS, move || {
                    let _ = timeouts.unbounded_send(key.clone());
                });
                awaited = Some(((folder.clone(), uid), timer));
                engine.request(Request::OpenMessage { folder, uid });
            }
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
                        engine.request(Request::SaveSent {
                            copy: save_copy.then_some(message),
                            answered,
                        });
                    }
                    Sent::NotSent(_) | Sent::MayHaveBeenSent => {
                        dispatch(Action::SendFinished(SendStatus::Failed(words)));
                    }
                }
            }
            Input::Request(request) => engine.request(request),
            Input::OpenTimedOut(folder, uid) => {
                if awaited
                    .as_ref()
                    .is_some_and(|(key, _)| *key == (folder.clone(), uid))
                {
                    awaited = None;
                    dispatch(Action::Engine(Event::MessageFailed {
                        folder,
                        uid,
                        reason: format!(
                            "no answer from the mail server within {} seconds",
                            OPEN_TIMEOUT_MS / 1000
                        ),
                    }));
                }
            }
            Input::Socket(SocketEvent::Open) => {
                open = true;
                socket.clear_timeout();
            }
            Input::Socket(SocketEvent::Data(bytes)) => engine.receive(&bytes),
            // Already open: the timer fired just before the open event was handled.
            Input::Socket(SocketEvent::TimedOut) if open => {}
            Input::Socket(SocketEvent::TimedOut) => {
                dispatch(lost(Some(format!(
                    "no answer from {url} within {} seconds",
                    CONNECT_TIMEOUT_MS / 1000
                ))));
                return None;
            }
            Input::Socket(SocketEvent::Closed { code, reason }) => {
                if !open {
                    dispatch(lost(Some(format!("could not connect to {url}"))));
                    return None;
                }
                engine.closed(close_reason(code, &reason));
                ended = true;
            }
        }
        if open {
            socket.write(&mut engine);
        }
        while let Some(mut event) = engine.poll_event() {
            ended |= matches!(event, Event::Disconnected(_));
            if let Event::MessageOpened { folder, uid, .. }
            | Event::MessageFailed { folder, uid, .. } = &event
            {
                if awaited
                    .as_ref()
                    .is_some_and(|((f, u), _)| f == folder && u == uid)
                {
                    awaited = None;
                }
            }
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
            dispatch(Action::from(event));
        }
        if ended {
            return None;
        }
    }
    None
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
    let (socket, mut events) = match Socket::open(&url) {
        Ok(opened) => opened,
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

fn lost(reason: Option<String>) -> Action {
    Action::Engine(Event::Disconnected(Disconnect::ConnectionLost(reason)))
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
    fn open(url: &str) -> Result<(Socket, UnboundedReceiver<SocketEvent>), String> {
        let ws = WebSocket::new(url).map_err(js_text)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let (sender, events) = mpsc::unbounded();

        let on_open = {
            let sender = sender.clone();
            Closure::<dyn FnMut()>::new(move || {
                let _ = sender.unbounded_send(SocketEvent::Open);
            })
        };
        let on_message = {
            let sender = sender.clone();
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
                let _ = sender.unbounded_send(SocketEvent::Data(bytes));
            })
        };
        let on_close = {
            let sender = sender.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
                let _ = sender.unbounded_send(SocketEvent::Closed {
                    code: event.code(),
                    reason: event.reason(),
                });
            })
        };
        let on_timeout = Closure::<dyn FnMut()>::new(move || {
            let _ = sender.unbounded_send(SocketEvent::TimedOut);
        });
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
        Ok((socket, events))
    }

    /// Sends everything the engine has to send. A failed send means the socket is closing;
    /// its close event follows and ends the session.
    fn write(&self, engine: &mut Engine<BrowserCharsets>) {
        while let Some(bytes) = engine.transmit() {
            if self.ws.send_with_u8_array(&bytes).is_err() {
                return;
            }
        }
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
#[derive(Debug, Default)]
struct BrowserCharsets {
    decoders: RefCell<Vec<(String, Option<TextDecoder>)>>,
}

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
