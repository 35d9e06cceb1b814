//! A raw IMAP session over the proxy's WebSocket, for tests of what carries the session
//! (proxy restarts, a load balancer) rather than of Petrel's client: text commands in,
//! lines out, and how the session ended.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{Context, Error, Result};

/// How long any one step may take before the test is told so, rather than hanging.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// One IMAP session over a WebSocket.
pub struct WsImap {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Bytes received and not yet returned as lines.
    buffer: Vec<u8>,
}

/// How a session ended.
#[derive(Debug, PartialEq)]
pub enum Ending {
    /// A close frame arrived (with its code and reason, if it had them).
    Closed(Option<CloseFrame>),
    /// The connection ended without a close frame: reset, or closed by the peer's kernel.
    Cut(String),
}

impl std::fmt::Debug for WsImap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsImap")
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

impl WsImap {
    /// Opens `url` (`ws://HOST:PORT/imap`) sending `origin` as the Origin, and reads the
    /// server's greeting, which must be `* OK`.
    pub async fn connect(url: &str, origin: &str) -> Result<Self> {
        let mut request = url
            .into_client_request()
            .context(|| format!("the WebSocket URL {url}"))?;
        let origin_value =
            HeaderValue::from_str(origin).context(|| format!("the Origin {origin}"))?;
        request.headers_mut().insert("Origin", origin_value);
        let (ws, _) = tokio::time::timeout(STEP_TIMEOUT, tokio_tungstenite::connect_async(request))
            .await
            .map_err(|_| Error::new(format!("opening {url} timed out")))?
            .context(|| format!("opening {url}"))?;
        let mut session = Self {
            ws,
            buffer: Vec::new(),
        };
        let greeting = session.read_line().await?;
        if !greeting.starts_with("* OK") {
            return Err(Error::new(format!("unexpected greeting: {greeting:?}")));
        }
        Ok(session)
    }

    /// Like [`WsImap::connect`], then `LOGIN user password`, which must succeed.
    pub async fn login(url: &str, origin: &str, user: &str, password: &str) -> Result<Self> {
        let mut session = Self::connect(url, origin).await?;
        let reply = session
            .command("login", &format!("LOGIN {user} \"{password}\""))
            .await?;
        if !reply
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("login OK"))
        {
            return Err(Error::new(format!("login as {user} failed: {reply:?}")));
        }
        Ok(session)
    }

    /// Sends `tag command` and returns every line up to and including the tagged reply.
    pub async fn command(&mut self, tag: &str, command: &str) -> Result<String> {
        self.send(&format!("{tag} {command}\r\n")).await?;
        let mut text = String::new();
        loop {
            let line = self.read_line().await?;
            let done = line.starts_with(&format!("{tag} "));
            text.push_str(&line);
            if done {
                return Ok(text);
            }
        }
    }

    /// Sends raw text (a command line, `DONE`).
    pub async fn send(&mut self, text: &str) -> Result<()> {
        self.ws
            .send(Message::binary(text.as_bytes().to_vec()))
            .await
            .context(|| format!("sending {:?}", text.trim_end()))
    }

    /// The next CRLF-terminated line (literals come back as their `{n}` line and the lines
    /// of their content, enough for the ASCII test mail).
    pub async fn read_line(&mut self) -> Result<String> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buffer.drain(..end + 2).collect();
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            let message = tokio::time::timeout(STEP_TIMEOUT, self.ws.next())
                .await
                .map_err(|_| Error::new("no line from the server within 10 s"))?;
            match message {
                Some(Ok(Message::Binary(bytes))) => self.buffer.extend_from_slice(&bytes),
                Some(Ok(Message::Close(frame))) => {
                    return Err(Error::new(format!("the session was closed: {frame:?}")))
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(Error::new(format!("the session broke: {e}"))),
                None => return Err(Error::new("the session ended")),
            }
        }
    }

    /// Waits up to `within` for the session to end, discarding what arrives meanwhile.
    pub async fn ended(&mut self, within: Duration) -> Result<Ending> {
        let wait = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Close(frame))) => {
                        // Answer the close at once, as a browser does: the proxy waits
                        // for the answer before it lets go of the session.
                        let _ = self.ws.flush().await;
                        return Ending::Closed(frame);
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Ending::Cut(e.to_string()),
                    None => return Ending::Cut("the stream ended".into()),
                }
            }
        };
        tokio::time::timeout(within, wait)
            .await
            .map_err(|_| Error::new(format!("the session was still open after {within:?}")))
    }
}
