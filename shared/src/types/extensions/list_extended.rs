//! LIST-EXTENDED (RFC 5258 §9): the data items after a LIST response's mailbox name,
//! `* LIST () "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))`, with RFC 4466's generic values for
//! the items this crate does not know.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::types::core::{Mailbox, SequenceSet};
use crate::types::cow_static;

/// `mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListExtendedItem<'a> {
    /// `CHILDINFO` (RFC 5258 §3.5): the selection criteria (such as `SUBSCRIBED`) that some
    /// child of this mailbox matches although the mailbox itself does not.
    ChildInfo(Vec<Cow<'a, [u8]>>),
    /// `OLDNAME` (RFC 5465 §5.4, RFC 9051 §7.3.1): the name the mailbox had before a RENAME.
    OldName(Mailbox<'a>),
    /// Any other item, with its tag as sent.
    Other {
        tag: Cow<'a, [u8]>,
        value: TaggedExtValue<'a>,
    },
    /// Extended data that does not follow the grammar, kept as sent so that the mailbox it
    /// follows is not lost.
    Unparsed(Cow<'a, [u8]>),
}

/// `tagged-ext-val = tagged-ext-simple / "(" [tagged-ext-comp] ")"` (RFC 4466 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaggedExtValue<'a> {
    /// `number` / `number64`.
    Number(u64),
    /// `sequence-set` other than a plain number.
    SequenceSet(SequenceSet),
    /// A parenthesised list, possibly empty.
    List(Vec<TaggedExtComp<'a>>),
}

/// `tagged-ext-comp = astring / tagged-ext-comp *(SP tagged-ext-comp) / "(" tagged-ext-comp ")"`:
/// strings and nested lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaggedExtComp<'a> {
    String(Cow<'a, [u8]>),
    List(Vec<TaggedExtComp<'a>>),
}

impl ListExtendedItem<'_> {
    pub fn into_static(self) -> ListExtendedItem<'static> {
        match self {
            ListExtendedItem::ChildInfo(v) => {
                ListExtendedItem::ChildInfo(v.into_iter().map(cow_static).collect())
            }
            ListExtendedItem::OldName(m) => ListExtendedItem::OldName(m.into_static()),
            ListExtendedItem::Other { tag, value } => ListExtendedItem::Other {
                tag: cow_static(tag),
                value: value.into_static(),
            },
            ListExtendedItem::Unparsed(raw) => ListExtendedItem::Unparsed(cow_static(raw)),
        }
    }
}

impl TaggedExtValue<'_> {
    pub fn into_static(self) -> TaggedExtValue<'static> {
        match self {
            TaggedExtValue::Number(n) => TaggedExtValue::Number(n),
            TaggedExtValue::SequenceSet(s) => TaggedExtValue::SequenceSet(s),
            TaggedExtValue::List(l) => {
                TaggedExtValue::List(l.into_iter().map(TaggedExtComp::into_static).collect())
            }
        }
    }
}

impl TaggedExtComp<'_> {
    pub fn into_static(self) -> TaggedExtComp<'static> {
        match self {
            TaggedExtComp::String(s) => TaggedExtComp::String(cow_static(s)),
            TaggedExtComp::List(l) => {
                TaggedExtComp::List(l.into_iter().map(TaggedExtComp::into_static).collect())
            }
        }
    }
}
