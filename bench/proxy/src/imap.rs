//! Just enough of an IMAP client to drive the measures: tagged commands, responses split into
//! lines with `{n}` literals skipped (and counted) without buffering them whole.

use std::io;

use crate::transport::{Target, Transport};

/// What a command got back.
#[derive(Debug)]
pub struct Reply {
    /// The tagged status line, without the tag.
    pub status: String,
    /// Bytes of literal data in the untagged responses (message bodies for FETCH).
    pub literal_bytes: u64,
}

#[derive(Debug)]
pub struct Imap {
    transport: Transport,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    start: usize,
    next_tag: u32,
}

fn protocol(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

impl Imap {
    /// Connects and reads the greeting.
    pub async fn connect(target: &Target) -> io::Result<Self> {
        let transport = target.connect().await?;
        let mut imap = Self {
            transport,
            buf: Vec::with_capacity(64 * 1024),
            start: 0,
            next_tag: 1,
        };
        let (greeting, _) = imap.line().await?;
        if !greeting.starts_with("* OK") {
            return Err(protocol(format!("unexpected greeting {greeting:?}")));
        }
        Ok(imap)
    }

    /// Connects, logs in and selects `mailbox`.
    pub async fn open(
        target: &Target,
        user: &str,
        password: &str,
        mailbox: &str,
    ) -> io::Result<Self> {
        let mut imap = Self::connect(target).await?;
        imap.ok(&format!("LOGIN \"{user}\" \"{password}\"")).await?;
        imap.ok(&format!("SELECT \"{mailbox}\"")).await?;
        Ok(imap)
    }

    /// Sends `command` with a fresh tag and reads up to its tagged response.
    pub async fn command(&mut self, command: &str) -> io::Result<Reply> {
        let tag = self.send(command).await?;
        let mut literal_bytes = 0;
        loop {
            let (line, literals) = self.line().await?;
            literal_bytes += literals;
            if let Some(status) = line.strip_prefix(&tag) {
                return Ok(Reply {
                    status: status.to_string(),
                    literal_bytes,
                });
            }
        }
    }

    /// Like [`Self::command`], failing unless the status is OK.
    pub async fn ok(&mut self, command: &str) -> io::Result<Reply> {
        let reply = self.command(command).await?;
        if reply.status.starts_with("OK") {
            Ok(reply)
        } else {
            let shown = command.split(' ').next().unwrap_or(command);
            Err(protocol(format!("{shown} failed: {}", reply.status)))
        }
    }

    /// Enters IDLE and waits for the server's continuation request.
    pub async fn idle(&mut self) -> io::Result<()> {
        self.send("IDLE").await?;
        loop {
            let (line, _) = self.line().await?;
            if line.starts_with('+') {
                return Ok(());
            }
            if !line.starts_with('*') {
                return Err(protocol(format!("IDLE refused: {line:?}")));
            }
        }
    }

    /// LOGOUT, waiting for the tagged OK, then closes the transport.
    pub async fn logout(mut self) -> io::Result<()> {
        self.ok("LOGOUT").await?;
        self.transport.close().await;
        Ok(())
    }

    async fn send(&mut self, command: &str) -> io::Result<String> {
        let tag = format!("a{} ", self.next_tag);
        self.next_tag += 1;
        self.transport
            .send(format!("{tag}{command}\r\n").as_bytes())
            .await?;
        Ok(tag)
    }

    /// The next logical response line (literal contents left out) and how many literal bytes
    /// it carried.
    async fn line(&mut self) -> io::Result<(String, u64)> {
        let mut line = Vec::new();
        let mut literal_bytes = 0u64;
        loop {
            let Some(end) = self.buf[self.start..].windows(2).position(|w| w == b"\r\n") else {
                self.fill().await?;
                continue;
            };
            let segment = &self.buf[self.start..self.start + end];
            line.extend_from_slice(segment);
            self.start += end + 2;
            let Some(mut left) = literal_length(segment) else {
                return Ok((String::from_utf8_lossy(&line).into_owned(), literal_bytes));
            };
            literal_bytes += left;
            while left > 0 {
                if self.start == self.buf.len() {
                    self.fill().await?;
                }
                let available = (self.buf.len() - self.start) as u64;
                let take = available.min(left);
                // `take` is at most what is buffered, so it fits in usize.
                self.start += take as usize;
                left -= take;
            }
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        if self.transport.recv(&mut self.buf).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        Ok(())
    }
}

/// The `n` of a line ending in `{n}` (or the non-synchronising `{n+}`).
fn literal_length(line: &[u8]) -> Option<u64> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::literal_length;

    #[test]
    fn literal_lengths() {
        assert_eq!(
            literal_length(b"* 1 FETCH (BODY[] {1048576}"),
            Some(1_048_576)
        );
        assert_eq!(literal_length(b"a1 APPEND x {12+}"), Some(12));
        assert_eq!(literal_length(b"* OK [CAPABILITY IMAP4rev1] ready"), None);
        assert_eq!(literal_length(b"* 1 FETCH {x}"), None);
    }
}
