use std::collections::BTreeSet;
use std::time::Instant;

use petrel_imap::types::flag::Flag;
use petrel_imap::{decode_response, Limits};
use proptest::prelude::*;

use super::*;

/// Feeds server lines (one response each, without CRLF) and collects the changes.
fn feed(replica: &mut Replica, transcript: &str) -> Vec<Change> {
    let limits = Limits::default();
    let mut changes = Vec::new();
    for line in transcript.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let wire = format!("{line}\r\n");
        let response = decode_response(wire.as_bytes(), &limits).unwrap();
        changes.extend(replica.apply(&response));
    }
    changes
}

fn set(s: &str) -> SequenceSet {
    SequenceSet::try_from(s).unwrap()
}

fn flags(list: &[Flag<'_>]) -> Option<FlagList<'static>> {
    Some(FlagList::from_flags(list))
}

fn uids(replica: &Replica) -> Vec<Option<u32>> {
    (1..=replica.count()).map(|seq| replica.uid(seq)).collect()
}

/// A mailbox of `count` messages whose UIDs are all known: `first`, `first + 1`, …
fn known_mailbox(first: u32, count: u32) -> Replica {
    let mut replica = Replica::new(None);
    feed(&mut replica, &format!("* {count} EXISTS"));
    let all: Vec<u32> = (first..first + count).collect();
    assert_eq!(replica.learn_all(&all), vec![]);
    replica
}

#[test]
fn select_knows_the_count_and_the_codes_but_no_uid() {
    let mut replica = Replica::new(Some(3857529045));
    let changes = feed(
        &mut replica,
        "* 172 EXISTS
         * 1 RECENT
         * OK [UNSEEN 12] Message 12 is first unseen
         * OK [UIDVALIDITY 3857529045] UIDs valid
         * OK [UIDNEXT 4392] Predicted next UID
         * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
         * OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited
         A142 OK [READ-WRITE] SELECT completed",
    );
    assert_eq!(
        changes,
        vec![Change::Added {
            first: 1,
            last: 172
        }]
    );
    assert_eq!(replica.count(), 172);
    assert_eq!(replica.uid_validity(), Some(3857529045));
    assert_eq!(replica.uid_next(), Some(4392));
    assert_eq!(replica.uid(1), None);
    assert_eq!(replica.holes().count(), 172);
}

/// RFC 3501 §7.4.1: expunging messages 3, 4, 7 and 11 of an 11-message mailbox is announced
/// as `* 3 EXPUNGE`, `* 3 EXPUNGE`, `* 5 EXPUNGE`, `* 8 EXPUNGE`.
#[test]
fn rfc3501_expunge_example_renumbers_after_each_expunge() {
    let mut replica = known_mailbox(101, 11);
    let changes = feed(
        &mut replica,
        "* 3 EXPUNGE
         * 3 EXPUNGE
         * 5 EXPUNGE
         * 8 EXPUNGE",
    );
    let removed: Vec<_> = [103, 104, 107, 111]
        .into_iter()
        .map(|uid| Change::Removed(MessageRef::Uid(uid)))
        .collect();
    assert_eq!(changes, removed);
    assert_eq!(replica.count(), 7);
    let left = [101, 102, 105, 106, 108, 109, 110].map(Some);
    assert_eq!(uids(&replica), left);
    assert_eq!(replica.seq(108), Some(5));
    assert_eq!(replica.seq(107), None);
}

#[test]
fn expunge_of_a_hole_is_reported_by_sequence_number() {
    let mut replica = Replica::new(None);
    let changes = feed(&mut replica, "* 5 EXISTS\n* 2 EXPUNGE");
    assert_eq!(changes[1], Change::Removed(MessageRef::Seq(2)));
    assert_eq!(replica.count(), 4);
}

#[test]
fn expunge_beyond_the_count_asks_for_a_resync() {
    let mut replica = known_mailbox(1, 3);
    let changes = feed(&mut replica, "* 4 EXPUNGE");
    let resync = Resync::SeqOutOfRange { seq: 4, count: 3 };
    assert_eq!(changes, vec![Change::NeedResync(resync)]);
    assert_eq!(replica.count(), 3);
}

#[test]
fn exists_grows_with_holes_and_shrinking_asks_for_a_resync() {
    let mut replica = known_mailbox(1, 3);
    assert_eq!(feed(&mut replica, "* 3 EXISTS"), vec![]);
    let added = Change::Added { first: 4, last: 6 };
    assert_eq!(feed(&mut replica, "* 6 EXISTS"), vec![added]);
    assert_eq!(
        uids(&replica),
        [Some(1), Some(2), Some(3), None, None, None]
    );

    let shrank = Resync::ExistsShrank {
        count: 6,
        exists: 2,
    };
    let changes = feed(&mut replica, "* 2 EXISTS");
    assert_eq!(changes, vec![Change::NeedResync(shrank)]);
    assert_eq!(uids(&replica), [Some(1), Some(2)]);
    assert_eq!(replica.seq(3), None);
}

/// A hostile count costs at most the cap, not 48 GiB.
#[test]
fn exists_beyond_the_cap_holds_the_cap_and_says_so() {
    let mut replica = known_mailbox(1, 2);
    let changes = feed(&mut replica, "* 4294967295 EXISTS");
    let too_many = Resync::TooManyMessages {
        exists: 4294967295,
        max: MAX_MESSAGES,
    };
    let added = Change::Added {
        first: 3,
        last: MAX_MESSAGES,
    };
    assert_eq!(changes, vec![added, Change::NeedResync(too_many)]);
    assert_eq!(replica.count(), MAX_MESSAGES);
    let out_of_range = Resync::SeqOutOfRange {
        seq: MAX_MESSAGES + 1,
        count: MAX_MESSAGES,
    };
    let changes = feed(&mut replica, "* 4000001 FETCH (FLAGS ())");
    assert_eq!(changes, vec![Change::NeedResync(out_of_range)]);
    assert_eq!(
        too_many.to_string(),
        "EXISTS 4294967295 is beyond the 4000000 messages a replica holds"
    );
}

/// RFC 7162 §3.2.7: after `EXPUNGE`, `* VANISHED 405,407,410,425` replaces four EXPUNGE
/// responses and decrements the count for each.
#[test]
fn rfc7162_vanished_removes_known_uids_and_renumbers() {
    let mut replica = Replica::new(None);
    feed(&mut replica, "* 30 EXISTS");
    let all: Vec<u32> = (400..430).collect();
    replica.learn_all(&all);
    let changes = feed(&mut replica, "* VANISHED 405,407,410,425\nA202 OK Expunged");
    let removed: Vec<_> = [405, 407, 410, 425]
        .into_iter()
        .map(|uid| Change::Removed(MessageRef::Uid(uid)))
        .collect();
    assert_eq!(changes, removed);
    assert_eq!(replica.count(), 26);
    assert_eq!(replica.seq(406), Some(6));
    assert_eq!(replica.seq(426), Some(23));
}

/// The SELECT with QRESYNC of RFC 7162 §3.2.5.2, without its leading `* OK [CLOSED]` (that
/// one ends the previous mailbox's replica): VANISHED (EARLIER) leaves the count alone, and
/// the FETCHes teach UIDs and report flags.
#[test]
fn rfc7162_select_qresync_reports_earlier_vanished_and_flags() {
    let mut replica = Replica::new(Some(67890007));
    let changes = feed(
        &mut replica,
        "* 100 EXISTS
         * 11 RECENT
         * OK [UIDVALIDITY 67890007] UIDs valid
         * OK [UIDNEXT 600] Predicted next UID
         * OK [HIGHESTMODSEQ 90060115205545359] Highest mailbox mod-sequence
         * OK [UNSEEN 7] There are some unseen messages in the mailbox
         * FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen)
         * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen \\*)] Permanent flags
         * VANISHED (EARLIER) 41,43:116,118,120:211,214:540
         * 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))
         * 50 FETCH (UID 119 FLAGS (\\Draft $MDNSent) MODSEQ (90060115194045308))
         * 51 FETCH (UID 541 FLAGS (\\Seen $Forwarded) MODSEQ (90060115194045001))
         A02 OK [READ-WRITE] mailbox selected",
    );
    assert_eq!(changes.len(), 5, "{changes:?}");
    assert_eq!(
        changes[0],
        Change::Added {
            first: 1,
            last: 100
        }
    );
    let earlier = set("41,43:116,118,120:211,214:540");
    assert_eq!(changes[1], Change::RemovedEarlier(earlier));
    let Change::FlagsChanged {
        message,
        flags: Some(list),
        modseq,
    } = &changes[2]
    else {
        panic!("{:?}", changes[2]);
    };
    assert_eq!(*message, MessageRef::Uid(117));
    assert_eq!(list.as_bytes(), b"(\\Seen \\Answered)");
    assert_eq!(*modseq, Some(90060115194045001));
    assert_eq!(replica.count(), 100);
    assert_eq!(replica.seq(541), Some(51));
    // The HIGHESTMODSEQ code wins over the MODSEQ items (RFC 7162 §6).
    assert_eq!(replica.highest_modseq(), Some(90060115205545359));
}

#[test]
fn vanished_in_a_run_of_holes_removes_one_hole_of_that_run() {
    let mut replica = Replica::new(None);
    feed(
        &mut replica,
        "* 10 EXISTS
         * 1 FETCH (UID 1)
         * 6 FETCH (UID 50)
         * 10 FETCH (UID 90)",
    );
    // UID 30 must sit in seq 2..=5 (between UIDs 1 and 50).
    let changes = feed(&mut replica, "* VANISHED 30");
    assert_eq!(changes, vec![Change::Removed(MessageRef::Uid(30))]);
    assert_eq!(replica.count(), 9);
    assert_eq!(
        replica.known().collect::<Vec<_>>(),
        [(1, 1), (5, 50), (9, 90)]
    );
    // A UID above the last known one lies in the trailing holes, of which there are none
    // after UID 90.
    let changes = feed(&mut replica, "* VANISHED 95");
    let unknown = Resync::VanishedUnknown { uid: 95 };
    assert_eq!(changes, vec![Change::NeedResync(unknown)]);
    assert_eq!(replica.count(), 9);
}

#[test]
fn vanished_for_a_uid_with_no_hole_to_be_in_asks_for_a_resync() {
    let mut replica = known_mailbox(10, 5);
    let changes = feed(&mut replica, "* VANISHED 12,13,20");
    let unknown = Resync::VanishedUnknown { uid: 20 };
    let expected = vec![
        Change::Removed(MessageRef::Uid(12)),
        Change::Removed(MessageRef::Uid(13)),
        Change::NeedResync(unknown),
    ];
    assert_eq!(changes, expected);
    assert_eq!(uids(&replica), [Some(10), Some(11), Some(14)]);
}

#[test]
fn vanished_wider_than_the_mailbox_is_refused_without_iterating_it() {
    let mut replica = known_mailbox(1, 5);
    let changes = feed(&mut replica, "* VANISHED 1:4294967295");
    let unknown = Resync::VanishedUnknown { uid: 4294967295 };
    assert_eq!(changes, vec![Change::NeedResync(unknown)]);
    assert_eq!(replica.count(), 5);
}

#[test]
fn vanished_with_star_asks_for_a_resync() {
    let mut replica = known_mailbox(1, 5);
    let changes = feed(&mut replica, "* VANISHED 4:*");
    assert_eq!(changes, vec![Change::NeedResync(Resync::VanishedStar)]);
}

#[test]
fn unsolicited_flags_are_keyed_by_uid_or_by_seq_for_a_hole() {
    let mut replica = Replica::new(None);
    feed(&mut replica, "* 3 EXISTS\n* 1 FETCH (UID 7)");
    let changes = feed(
        &mut replica,
        "* 1 FETCH (FLAGS (\\Seen))
         * 2 FETCH (FLAGS (\\Flagged) MODSEQ (12))",
    );
    let expected = vec![
        Change::FlagsChanged {
            message: MessageRef::Uid(7),
            flags: flags(&[Flag::Seen]),
            modseq: None,
        },
        Change::FlagsChanged {
            message: MessageRef::Seq(2),
            flags: flags(&[Flag::Flagged]),
            modseq: Some(12),
        },
    ];
    assert_eq!(changes, expected);
}

#[test]
fn a_uid_out_of_ascending_order_is_a_conflict_and_not_learned() {
    let mut replica = Replica::new(None);
    feed(&mut replica, "* 3 EXISTS\n* 2 FETCH (UID 20)");
    let changes = feed(&mut replica, "* 3 FETCH (UID 10)\n* 1 FETCH (UID 20)");
    let expected = vec![
        Change::NeedResync(Resync::UidConflict { seq: 3, uid: 10 }),
        Change::NeedResync(Resync::UidConflict { seq: 1, uid: 20 }),
    ];
    assert_eq!(changes, expected);
    assert_eq!(uids(&replica), [None, Some(20), None]);
    let changes = feed(&mut replica, "* 2 FETCH (UID 21)");
    let conflict = Resync::UidConflict { seq: 2, uid: 21 };
    assert_eq!(changes, vec![Change::NeedResync(conflict)]);
}

#[test]
fn uid_search_all_fills_every_hole_and_checks_the_count() {
    let mut replica = Replica::new(None);
    feed(&mut replica, "* 4 EXISTS\n* 2 FETCH (UID 5)");
    let mismatch = Resync::UidListMismatch { count: 4, uids: 3 };
    let expected = vec![Change::NeedResync(mismatch)];
    assert_eq!(replica.learn_all(&[2, 5, 9]), expected);
    assert_eq!(replica.learn_all_set(&set("2,5,9:10")), vec![]);
    assert_eq!(uids(&replica), [Some(2), Some(5), Some(9), Some(10)]);
    // A hostile set costs no more than the mailbox.
    let mismatch = Resync::UidListMismatch { count: 4, uids: 5 };
    let changes = replica.learn_all_set(&set("1:4294967295"));
    assert_eq!(changes, vec![Change::NeedResync(mismatch)]);
    // Regression: ranges in another order than the UIDs' (a server may send `9:10,5,2`,
    // or a range backwards) were taken for a list that does not ascend.
    assert_eq!(replica.learn_all_set(&set("10:9,5,2")), vec![]);
    assert_eq!(uids(&replica), [Some(2), Some(5), Some(9), Some(10)]);
    assert_eq!(
        super::uid_ranges(&set("10:9,5,2,3,1")),
        Some(vec![(1, 3), (5, 5), (9, 10)])
    );
    assert_eq!(super::uid_ranges(&set("1:*")), None);
}

#[test]
fn another_uidvalidity_drops_the_known_uids() {
    let mut replica = Replica::new(Some(1));
    feed(&mut replica, "* 2 EXISTS\n* 1 FETCH (UID 3)");
    let changes = feed(&mut replica, "* OK [UIDVALIDITY 2] new");
    let changed = Change::UidValidityChanged {
        stored: 1,
        server: 2,
    };
    assert_eq!(changes, vec![changed]);
    assert_eq!(replica.uid_validity(), Some(2));
    assert_eq!(replica.known().count(), 0);
    assert_eq!(replica.count(), 2);
    assert_eq!(feed(&mut replica, "* OK [UIDVALIDITY 2] same"), vec![]);
}

/// RFC 7162 §6: without a HIGHESTMODSEQ code, the largest MODSEQ seen is taken when the
/// command completes, and only if it is larger; NOMODSEQ forgets it.
#[test]
fn highest_modseq_is_settled_at_the_tagged_response() {
    let mut replica = Replica::new(None);
    feed(
        &mut replica,
        "* 2 EXISTS\n* OK [HIGHESTMODSEQ 100] ok\nA1 OK done",
    );
    feed(
        &mut replica,
        "* 1 FETCH (MODSEQ (120))\n* 2 FETCH (MODSEQ (110))",
    );
    assert_eq!(replica.highest_modseq(), Some(100));
    feed(&mut replica, "A2 OK done");
    assert_eq!(replica.highest_modseq(), Some(120));
    feed(&mut replica, "* 1 FETCH (MODSEQ (90))\nA3 OK done");
    assert_eq!(replica.highest_modseq(), Some(120));
    feed(
        &mut replica,
        "* 1 FETCH (MODSEQ (200))\n* OK [HIGHESTMODSEQ 150] x\nA4 OK",
    );
    assert_eq!(replica.highest_modseq(), Some(150));
    feed(&mut replica, "* OK [NOMODSEQ] none\nA5 OK done");
    assert_eq!(replica.highest_modseq(), None);
}

#[test]
fn closed_marks_the_end_of_this_mailbox() {
    let mut replica = known_mailbox(1, 2);
    assert_eq!(feed(&mut replica, "* OK [CLOSED] x"), vec![Change::Closed]);
}

#[test]
fn a_burst_of_expunges_compacts_and_keeps_the_map() {
    let mut replica = known_mailbox(1, 3000);
    for _ in 0..2500 {
        feed(&mut replica, "* 2 EXPUNGE");
    }
    assert!(replica.slots.slots.len() < 3000, "tombstones were swept");
    assert_eq!(
        uids(&replica),
        [1, 2502, 2503, 2504, 2505]
            .iter()
            .copied()
            .map(Some)
            .chain((2506..=3000).map(Some))
            .collect::<Vec<_>>()
    );
    assert_eq!(replica.seq(3000), Some(500));
}

/// One step of a server talking to the replica, with indices resolved against the model.
#[derive(Debug, Clone)]
enum Op {
    /// New mail: `count` messages, UIDs each `gap` above the last.
    Exists {
        count: u32,
        gap: u32,
    },
    Expunge(prop::sample::Index),
    /// `VANISHED` of these messages, as ranges when adjacent.
    Vanished(Vec<prop::sample::Index>),
    /// `VANISHED (EARLIER)` of UIDs already gone.
    VanishedEarlier(Vec<prop::sample::Index>),
    Flags {
        at: prop::sample::Index,
        with_uid: bool,
    },
    LearnUid(prop::sample::Index),
    /// `UID SEARCH ALL` (`false`) or ESEARCH `ALL` (`true`).
    LearnAll(bool),
}

fn op() -> impl Strategy<Value = Op> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        2 => (0u32..40, 1u32..4).prop_map(|(count, gap)| Op::Exists { count, gap }),
        3 => index().prop_map(Op::Expunge),
        2 => prop::collection::vec(index(), 1..6).prop_map(Op::Vanished),
        1 => prop::collection::vec(index(), 1..4).prop_map(Op::VanishedEarlier),
        2 => (index(), any::<bool>()).prop_map(|(at, with_uid)| Op::Flags { at, with_uid }),
        3 => index().prop_map(Op::LearnUid),
        1 => any::<bool>().prop_map(Op::LearnAll),
    ]
}

/// The reference: the mailbox's UIDs in order, which of them the replica was taught, and
/// the UIDs expunged so far.
#[derive(Debug, Default)]
struct Model {
    uids: Vec<u32>,
    taught: BTreeSet<u32>,
    gone: Vec<u32>,
    last_uid: u32,
}

impl Model {
    fn message(&self, uid: u32, seq: u32) -> MessageRef {
        if self.taught.contains(&uid) {
            MessageRef::Uid(uid)
        } else {
            MessageRef::Seq(seq)
        }
    }
}

/// The wire form of a set of UIDs, adjacent ones joined into ranges.
fn uid_set(uids: &BTreeSet<u32>) -> SequenceSet {
    let mut parts: Vec<(u32, u32)> = Vec::new();
    for &uid in uids {
        match parts.last_mut() {
            Some((_, high)) if *high + 1 == uid => *high = uid,
            _ => parts.push((uid, uid)),
        }
    }
    let text: Vec<String> = parts
        .iter()
        .map(|&(low, high)| {
            if low == high {
                format!("{low}")
            } else {
                format!("{low}:{high}")
            }
        })
        .collect();
    set(&text.join(","))
}

fn step(replica: &mut Replica, model: &mut Model, op: &Op) -> Vec<Change> {
    let len = model.uids.len();
    match op {
        Op::Exists { count, gap } => {
            let first = len as u32 + 1;
            for _ in 0..*count {
                model.last_uid += gap;
                model.uids.push(model.last_uid);
            }
            let changes = replica.apply_data(&Data::Exists(model.uids.len() as u32));
            let expected = match count {
                0 => vec![],
                n => vec![Change::Added {
                    first,
                    last: first + n - 1,
                }],
            };
            assert_eq!(changes, expected);
            changes
        }
        Op::Expunge(at) if len > 0 => {
            let i = at.index(len);
            let uid = model.uids.remove(i);
            let message = model.message(uid, i as u32 + 1);
            model.taught.remove(&uid);
            model.gone.push(uid);
            let changes = replica.apply_data(&Data::Expunge(i as u32 + 1));
            assert_eq!(changes, vec![Change::Removed(message)]);
            changes
        }
        Op::Vanished(picks) if len > 0 => {
            let chosen: BTreeSet<u32> = picks.iter().map(|p| model.uids[p.index(len)]).collect();
            model.uids.retain(|uid| !chosen.contains(uid));
            for uid in &chosen {
                model.taught.remove(uid);
                model.gone.push(*uid);
            }
            let data = Data::Vanished {
                earlier: false,
                uids: uid_set(&chosen),
            };
            let changes = replica.apply_data(&data);
            let expected: Vec<_> = chosen
                .iter()
                .map(|&u| Change::Removed(MessageRef::Uid(u)))
                .collect();
            assert_eq!(changes, expected);
            changes
        }
        Op::VanishedEarlier(picks) if !model.gone.is_empty() => {
            let gone = model.gone.len();
            let chosen: BTreeSet<u32> = picks.iter().map(|p| model.gone[p.index(gone)]).collect();
            let uids = uid_set(&chosen);
            let data = Data::Vanished {
                earlier: true,
                uids: uids.clone(),
            };
            let changes = replica.apply_data(&data);
            assert_eq!(changes, vec![Change::RemovedEarlier(uids)]);
            changes
        }
        Op::Flags { at, with_uid } if len > 0 => {
            let i = at.index(len);
            let (uid, seq) = (model.uids[i], i as u32 + 1);
            let mut items = vec![FetchItem::Flags(FlagList::from_flags(&[Flag::Seen]))];
            if *with_uid {
                items.push(FetchItem::Uid(uid));
                model.taught.insert(uid);
            }
            let changes = replica.apply_data(&Data::Fetch { seq, items });
            let expected = Change::FlagsChanged {
                message: model.message(uid, seq),
                flags: flags(&[Flag::Seen]),
                modseq: None,
            };
            assert_eq!(changes, vec![expected]);
            changes
        }
        Op::LearnUid(at) if len > 0 => {
            let i = at.index(len);
            let uid = model.uids[i];
            model.taught.insert(uid);
            let items = vec![FetchItem::Uid(uid)];
            let changes = replica.apply_data(&Data::Fetch {
                seq: i as u32 + 1,
                items,
            });
            assert_eq!(changes, vec![]);
            changes
        }
        Op::LearnAll(as_set) => {
            model.taught = model.uids.iter().copied().collect();
            let changes = match as_set {
                true if !model.taught.is_empty() => replica.learn_all_set(&uid_set(&model.taught)),
                _ => replica.learn_all(&model.uids),
            };
            assert_eq!(changes, vec![]);
            changes
        }
        // An operation on an empty mailbox (or with nothing gone yet) is skipped.
        _ => Vec::new(),
    }
}

fn assert_same(replica: &Replica, model: &Model) {
    assert_eq!(replica.count() as usize, model.uids.len());
    let expected: Vec<(u32, u32)> = model
        .uids
        .iter()
        .enumerate()
        .filter(|(_, uid)| model.taught.contains(uid))
        .map(|(i, &uid)| (i as u32 + 1, uid))
        .collect();
    assert_eq!(replica.known().collect::<Vec<_>>(), expected);
    for (i, &uid) in model.uids.iter().enumerate() {
        let seq = i as u32 + 1;
        let taught = model.taught.contains(&uid);
        assert_eq!(replica.uid(seq), taught.then_some(uid), "uid of seq {seq}");
        assert_eq!(replica.seq(uid), taught.then_some(seq), "seq of uid {uid}");
    }
    for uid in &model.gone {
        assert_eq!(replica.seq(*uid), None, "expunged uid {uid}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any interleaving of new mail, expunges, VANISHED (with and without EARLIER), flag
    /// fetches and UID-learning fetches leaves the replica equal to a plain list of UIDs,
    /// holes included.
    #[test]
    fn replica_matches_a_list_of_uids(ops in prop::collection::vec(op(), 1..80)) {
        let mut replica = Replica::new(None);
        let mut model = Model::default();
        for op in &ops {
            step(&mut replica, &mut model, op);
            assert_same(&replica, &model);
        }
    }
}

/// Anything a server may send, sense or nonsense.
#[derive(Debug, Clone)]
enum Wild {
    Exists(u32),
    Expunge(u32),
    Vanished {
        earlier: bool,
        set: String,
    },
    Fetch {
        seq: u32,
        uid: Option<u32>,
        flags: bool,
        modseq: Option<u64>,
    },
    LearnAll(Vec<u32>),
    LearnAllSet(String),
    Code(u8, u32),
    Tagged,
}

fn wild_set() -> impl Strategy<Value = String> {
    let bound =
        prop_oneof![4 => (1u32..120).prop_map(|n| n.to_string()), 1 => Just("*".to_owned())];
    prop::collection::vec((bound.clone(), prop::option::of(bound)), 1..5).prop_map(|parts| {
        let parts: Vec<String> = parts
            .into_iter()
            .map(|(a, b)| b.map_or(a.clone(), |b| format!("{a}:{b}")))
            .collect();
        parts.join(",")
    })
}

fn wild() -> impl Strategy<Value = Wild> {
    prop_oneof![
        (0u32..80).prop_map(Wild::Exists),
        (0u32..80).prop_map(Wild::Expunge),
        (any::<bool>(), wild_set()).prop_map(|(earlier, set)| Wild::Vanished { earlier, set }),
        (
            0u32..80,
            prop::option::of(0u32..120),
            any::<bool>(),
            prop::option::of(0u64..50)
        )
            .prop_map(|(seq, uid, flags, modseq)| Wild::Fetch {
                seq,
                uid,
                flags,
                modseq
            }),
        prop::collection::vec(0u32..120, 0..60).prop_map(Wild::LearnAll),
        wild_set().prop_map(Wild::LearnAllSet),
        (0u8..5, 0u32..4).prop_map(|(code, n)| Wild::Code(code, n)),
        Just(Wild::Tagged),
    ]
}

fn apply_wild(replica: &mut Replica, wild: &Wild) -> Vec<Change> {
    match wild {
        Wild::Exists(n) => replica.apply_data(&Data::Exists(*n)),
        Wild::Expunge(seq) => replica.apply_data(&Data::Expunge(*seq)),
        Wild::Vanished { earlier, set: s } => replica.apply_data(&Data::Vanished {
            earlier: *earlier,
            uids: set(s),
        }),
        Wild::Fetch {
            seq,
            uid,
            flags,
            modseq,
        } => {
            let mut items = Vec::new();
            items.extend(uid.map(FetchItem::Uid));
            if *flags {
                items.push(FetchItem::Flags(FlagList::from_flags(&[Flag::Deleted])));
            }
            items.extend(modseq.map(FetchItem::ModSeq));
            replica.apply_data(&Data::Fetch { seq: *seq, items })
        }
        Wild::LearnAll(uids) => replica.learn_all(uids),
        Wild::LearnAllSet(s) => replica.learn_all_set(&set(s)),
        Wild::Code(code, n) => {
            let code = match code {
                0 => Code::UidValidity(*n),
                1 => Code::UidNext(*n),
                2 => Code::HighestModSeq(u64::from(*n)),
                3 => Code::NoModSeq,
                _ => Code::Closed,
            };
            replica.apply_code(&code)
        }
        Wild::Tagged => {
            replica.command_completed();
            Vec::new()
        }
    }
}

/// The replica's own invariants: the tree counts the living slots, every sequence number
/// maps to a living slot and back, and the UID index ascends with the slots.
fn assert_sound(replica: &Replica) {
    let slots = &replica.slots;
    let living = slots.slots.iter().filter(|s| **s != Slot::Gone).count();
    assert_eq!(slots.alive as usize, living);
    for seq in 1..=replica.count() {
        let index = slots.index_of_seq(seq).unwrap();
        assert_ne!(slots.slots[index], Slot::Gone);
        assert_eq!(slots.seq_of_index(index), seq);
    }
    assert_eq!(slots.index_of_seq(replica.count() + 1), None);
    let mut last = None;
    for (&uid, &index) in &slots.by_uid {
        assert_eq!(slots.uid_at(index), Some(uid));
        assert!(last < Some(index), "UID {uid} out of order");
        last = Some(index);
    }
    let known = slots
        .slots
        .iter()
        .filter(|s| matches!(s, Slot::Uid(_)))
        .count();
    assert_eq!(slots.by_uid.len(), known);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the server sends, the replica neither panics nor breaks its invariants.
    #[test]
    fn replica_survives_any_server(steps in prop::collection::vec(wild(), 1..60)) {
        let mut replica = Replica::new(Some(1));
        for wild in &steps {
            apply_wild(&mut replica, wild);
            assert_sound(&replica);
        }
    }
}

/// Not a pass/fail test: prints how long 10,000 random expunges take on a 100,000-message
/// mailbox, here and with a plain `Vec::remove`. Run with
/// `cargo test -p petrel-client --lib engine::replica -- --ignored --nocapture`.
#[test]
#[ignore]
fn speed_against_vec() {
    const MESSAGES: u32 = 100_000;
    const EXPUNGES: u32 = 10_000;
    // xorshift: the same sequence numbers for both, and no dependency for it.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |below: u32| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % u64::from(below)) as u32 + 1
    };
    let seqs: Vec<u32> = (0..EXPUNGES).map(|k| next(MESSAGES - k)).collect();

    let start = Instant::now();
    let mut replica = known_mailbox(1, MESSAGES);
    let filled = start.elapsed();
    let start = Instant::now();
    for &seq in &seqs {
        replica.apply_data(&Data::Expunge(seq));
    }
    let replica_time = start.elapsed();

    let mut plain: Vec<Option<u32>> = (1..=MESSAGES).map(Some).collect();
    let start = Instant::now();
    for &seq in &seqs {
        plain.remove(seq as usize - 1);
    }
    let vec_time = start.elapsed();

    assert_eq!(uids(&replica), plain);
    println!(
        "{MESSAGES} messages (filled in {filled:?}), {EXPUNGES} random expunges: \
         replica {replica_time:?}, Vec::remove {vec_time:?}"
    );
}
