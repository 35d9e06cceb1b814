//! One file per operation. Each is built from a request, sends its command(s), is offered
//! the untagged data that arrives while it is pending ([`Op::data`]: it takes what is its
//! own), and finishes with the tagged completion *of its own tag* ([`Op::complete`]),
//! reporting its result as an [`Event`] that carries its [`OpId`] where the app asked for
//! it. The [`Connection`](super::connection::Connection) holds the pending operations by
//! tag, so two of the same kind running at once never take each other's answers.

mod append;
mod counts;
mod fetch_message;
mod fetch_part;
mod fetch_rows;
mod idle;
mod list;
mod logout;
mod noop;
mod notify;
mod select;
mod sign_in;
mod status;
mod store_flags;
mod uids;

use std::collections::VecDeque;

use petrel_imap::types::response::{Data, StatusResponse};

pub(crate) use append::Append;
pub(crate) use counts::Counts;
pub(crate) use fetch_message::FetchMessage;
pub(crate) use fetch_part::FetchPart;
pub(crate) use fetch_rows::FetchRows;
pub(crate) use idle::Idle;
pub(crate) use list::List;
pub(crate) use logout::Logout;
pub(crate) use noop::Noop;
pub(crate) use notify::Notify;
pub use select::Known;
pub(crate) use select::Select;
pub(crate) use sign_in::{Capability, SignIn};
pub(crate) use status::Status;
pub(crate) use store_flags::{Mark, StoreFlags};
pub(crate) use uids::Uids;

use super::connection::Selected;
use super::message::Attachment;
use super::mime::Charsets;
use super::{Event, OpId, Password};

/// What an operation may touch while it runs.
pub(crate) struct Cx<'a> {
    pub out: &'a mut VecDeque<Event>,
    pub charsets: &'a dyn Charsets,
    /// The folder the connection has selected (or is selecting), with its replica.
    pub selected: &'a mut Option<Selected>,
    /// Commands an operation asks to run next (a FETCH of new mail, a re-IDLE); the
    /// connection starts them once this operation is done with its turn.
    pub follow_ups: &'a mut Vec<FollowUp>,
    /// The newest request to read a message: only its FETCH is parsed and answered.
    pub reading: &'a Option<OpId>,
    /// The attachments of the message opened last, `(folder, uid, parts)`.
    pub open_parts: &'a mut Option<(String, u32, Vec<Attachment>)>,
    /// The server refused IDLE: poll instead.
    pub idle_refused: &'a mut bool,
}

/// Work an operation hands back to the connection.
#[derive(Debug)]
pub(crate) enum FollowUp {
    /// The capabilities are known: sign in.
    Authenticate { user: String, password: Password },
    /// The server accepted the sign-in; its OK did not list the capabilities.
    SignedIn { refresh_capabilities: bool },
    /// The folder list arrived, with the `\Sent` folder if any: run what waited for it.
    Listed { sent: Option<String> },
    /// Fetch the rows at these sequence numbers of the selected folder.
    Rows {
        op: Option<OpId>,
        low: u32,
        high: u32,
    },
    /// The selected folder is open: list every UID of it.
    Uids,
    /// A message was opened unread: mark it read.
    MarkSeen { folder: String, uid: u32 },
}

/// Whether an operation took a piece of untagged data as its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Not this operation's.
    No,
    /// This operation's; the folder's replica should still learn from it.
    Mine,
}

/// A pending operation.
#[derive(Debug)]
pub(crate) enum Op {
    Capability(Capability),
    SignIn(SignIn),
    List(List),
    Status(Status),
    Counts(Counts),
    Select(Select),
    FetchRows(FetchRows),
    FetchMessage(FetchMessage),
    FetchPart(FetchPart),
    StoreFlags(StoreFlags),
    Uids(Uids),
    Append(Append),
    Idle(Idle),
    Noop(Noop),
    Notify(Notify),
    Logout(Logout),
}

impl Op {
    /// Offers one piece of untagged data.
    pub(crate) fn data(&mut self, data: &Data<'static>, cx: &mut Cx<'_>) -> Claim {
        match self {
            Op::List(op) => op.data(data),
            Op::Status(op) => op.data(data, cx),
            Op::Select(op) => op.data(data, cx),
            Op::FetchRows(op) => op.data(data, cx),
            Op::FetchMessage(op) => op.data(data, cx),
            Op::FetchPart(op) => op.data(data),
            Op::Uids(op) => op.data(data, cx),
            Op::Capability(_)
            | Op::Counts(_)
            | Op::SignIn(_)
            | Op::StoreFlags(_)
            | Op::Append(_)
            | Op::Idle(_)
            | Op::Noop(_)
            | Op::Notify(_)
            | Op::Logout(_) => Claim::No,
        }
    }

    /// The tagged completion of this operation's own command.
    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        match self {
            Op::Capability(op) => op.complete(cx),
            Op::SignIn(op) => op.complete(status, cx),
            Op::List(op) => op.complete(status, cx),
            Op::Status(op) => op.complete(status, cx),
            Op::Select(op) => op.complete(status, cx),
            Op::FetchRows(op) => op.complete(status, cx),
            Op::FetchMessage(op) => op.complete(status, cx),
            Op::FetchPart(op) => op.complete(status, cx),
            Op::StoreFlags(op) => op.complete(status, cx),
            Op::Uids(op) => op.complete(status, cx),
            Op::Append(op) => op.complete(status, cx),
            Op::Idle(op) => op.complete(status, cx),
            Op::Notify(op) => op.complete(status, cx),
            Op::Counts(_) | Op::Noop(_) | Op::Logout(_) => {}
        }
    }

    /// The connection is gone with this operation pending: report what the app waits for.
    pub(crate) fn abandon(self, why: &str, out: &mut VecDeque<Event>) {
        match self {
            Op::FetchMessage(op) => op.abandon(why, out),
            Op::FetchPart(op) => op.abandon(why, out),
            Op::Append(op) => op.abandon(why, out),
            _ => {}
        }
    }

    pub(crate) fn is_idle(&self) -> bool {
        matches!(self, Op::Idle(_))
    }

    pub(crate) fn is_logout(&self) -> bool {
        matches!(self, Op::Logout(_))
    }
}
