//! Capabilities (RFC 9051 §7.2.2), including the extensions this crate knows by name.

use alloc::borrow::Cow;

use super::core::Atom;

/// Capabilities with a variant, by wire name.
const KNOWN: &[(&str, Capability<'static>)] = &[
    ("IMAP4REV1", Capability::Imap4Rev1),
    ("IMAP4REV2", Capability::Imap4Rev2),
    ("LOGINDISABLED", Capability::LoginDisabled),
    ("STARTTLS", Capability::StartTls),
    ("IDLE", Capability::Idle),
    ("LITERAL+", Capability::LiteralPlus),
    ("LITERAL-", Capability::LiteralMinus),
    ("SASL-IR", Capability::SaslIr),
    ("ENABLE", Capability::Enable),
    ("MOVE", Capability::Move),
    ("UIDPLUS", Capability::UidPlus),
    ("CONDSTORE", Capability::CondStore),
    ("QRESYNC", Capability::QResync),
    ("SPECIAL-USE", Capability::SpecialUse),
    ("LIST-EXTENDED", Capability::ListExtended),
    ("LIST-STATUS", Capability::ListStatus),
    ("NAMESPACE", Capability::Namespace),
    ("UNSELECT", Capability::Unselect),
    ("ID", Capability::Id),
    ("UTF8=ACCEPT", Capability::Utf8Accept),
    ("COMPRESS=DEFLATE", Capability::CompressDeflate),
    ("QUOTA", Capability::Quota),
    ("BINARY", Capability::Binary),
    ("ESEARCH", Capability::ESearch),
    ("SORT", Capability::Sort),
    ("OBJECTID", Capability::ObjectId),
    ("STATUS=SIZE", Capability::StatusSize),
    ("NOTIFY", Capability::Notify),
    ("SAVEDATE", Capability::SaveDate),
    ("PREVIEW", Capability::Preview),
    ("X-GM-EXT-1", Capability::GmailExt1),
    ("CREATE-SPECIAL-USE", Capability::CreateSpecialUse),
    ("CHILDREN", Capability::Children),
    ("QUOTASET", Capability::QuotaSet),
    ("SORT=DISPLAY", Capability::SortDisplay),
    ("ESORT", Capability::ESort),
    ("SEARCHRES", Capability::SearchRes),
    ("UTF8=ONLY", Capability::Utf8Only),
];

/// Capabilities that carry a name after a prefix: `AUTH=PLAIN`, `THREAD=REFERENCES`,
/// `QUOTA=RES-STORAGE`.
#[derive(Clone, Copy)]
enum Prefixed {
    Auth,
    Thread,
    QuotaResource,
}

const PREFIXED: &[(&str, Prefixed)] = &[
    ("AUTH=", Prefixed::Auth),
    ("THREAD=", Prefixed::Thread),
    ("QUOTA=RES-", Prefixed::QuotaResource),
];

/// `capability = ("AUTH=" auth-type) / atom`. Names are case-insensitive on the wire; known
/// ones get a variant, the rest are kept as [`Capability::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Capability<'a> {
    Imap4Rev1,
    Imap4Rev2,
    /// `AUTH=<mechanism>`; the mechanism is kept as sent.
    Auth(Atom<'a>),
    LoginDisabled,
    StartTls,
    /// RFC 2177.
    Idle,
    /// RFC 7888.
    LiteralPlus,
    /// RFC 7888.
    LiteralMinus,
    /// RFC 4959.
    SaslIr,
    /// RFC 5161.
    Enable,
    /// RFC 6851.
    Move,
    /// RFC 4315.
    UidPlus,
    /// RFC 7162.
    CondStore,
    /// RFC 7162.
    QResync,
    /// RFC 6154.
    SpecialUse,
    /// RFC 5258.
    ListExtended,
    /// RFC 5819.
    ListStatus,
    /// RFC 2342.
    Namespace,
    /// RFC 3691.
    Unselect,
    /// RFC 2971.
    Id,
    /// RFC 6855.
    Utf8Accept,
    /// RFC 4978.
    CompressDeflate,
    /// RFC 9208.
    Quota,
    /// RFC 3516.
    Binary,
    /// RFC 4731.
    ESearch,
    /// RFC 5256.
    Sort,
    /// RFC 8474.
    ObjectId,
    /// RFC 8438.
    StatusSize,
    /// RFC 5465.
    Notify,
    /// RFC 8514.
    SaveDate,
    /// RFC 8970.
    Preview,
    /// Gmail's extensions.
    GmailExt1,
    /// RFC 6154.
    CreateSpecialUse,
    /// RFC 3348.
    Children,
    /// `THREAD=<algorithm>` (RFC 5256), such as `REFERENCES` or `ORDEREDSUBJECT`.
    Thread(Atom<'a>),
    /// `QUOTA=RES-<resource>` (RFC 9208 §7.1), such as `STORAGE` or `MESSAGE`.
    QuotaResource(Atom<'a>),
    /// RFC 9208 §7.1.
    QuotaSet,
    /// RFC 5957.
    SortDisplay,
    /// RFC 5267.
    ESort,
    /// RFC 5182.
    SearchRes,
    /// RFC 6855.
    Utf8Only,
    /// `APPENDLIMIT[=n]` (RFC 7889): the server-wide limit, if announced.
    AppendLimit(Option<u32>),
    Other(Atom<'a>),
}

impl<'a> Capability<'a> {
    pub(crate) fn from_atom(atom: Atom<'a>) -> Self {
        let s = atom.as_str();
        for (prefix, make) in PREFIXED {
            let n = prefix.len();
            if s.len() > n && s.as_bytes()[..n].eq_ignore_ascii_case(prefix.as_bytes()) {
                let name = atom.split_off_prefix(n);
                return match make {
                    Prefixed::Auth => Capability::Auth(name),
                    Prefixed::Thread => Capability::Thread(name),
                    Prefixed::QuotaResource => Capability::QuotaResource(name),
                };
            }
        }
        for (name, cap) in KNOWN {
            if s.len() == name.len() && s.eq_ignore_ascii_case(name) {
                return cap.clone();
            }
        }
        if s.eq_ignore_ascii_case("APPENDLIMIT") {
            return Capability::AppendLimit(None);
        }
        if let Some(n) = s
            .get(..12)
            .filter(|p| p.eq_ignore_ascii_case("APPENDLIMIT="))
            .and_then(|_| s.get(12..))
            .and_then(|n| n.parse().ok())
        {
            return Capability::AppendLimit(Some(n));
        }
        Capability::Other(atom)
    }

    /// The capability's name as a server announces it.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Capability::Auth(m) => Cow::Owned(alloc::format!("AUTH={}", m.as_str())),
            Capability::Thread(a) => Cow::Owned(alloc::format!("THREAD={}", a.as_str())),
            Capability::QuotaResource(r) => Cow::Owned(alloc::format!("QUOTA=RES-{}", r.as_str())),
            Capability::Other(a) => Cow::Borrowed(a.as_str()),
            Capability::AppendLimit(None) => Cow::Borrowed("APPENDLIMIT"),
            Capability::AppendLimit(Some(n)) => Cow::Owned(alloc::format!("APPENDLIMIT={n}")),
            known => Cow::Borrowed(
                KNOWN
                    .iter()
                    .find(|(_, c)| c == known)
                    .map_or("", |(n, _)| *n),
            ),
        }
    }

    /// Whether this is `AUTH=<mechanism>` for the given mechanism.
    pub fn is_auth(&self, mechanism: &str) -> bool {
        matches!(self, Capability::Auth(m) if m.eq_ignore_case(mechanism))
    }

    pub fn into_static(self) -> Capability<'static> {
        use Capability::*;
        match self {
            Imap4Rev1 => Imap4Rev1,
            Imap4Rev2 => Imap4Rev2,
            Auth(a) => Auth(a.into_static()),
            LoginDisabled => LoginDisabled,
            StartTls => StartTls,
            Idle => Idle,
            LiteralPlus => LiteralPlus,
            LiteralMinus => LiteralMinus,
            SaslIr => SaslIr,
            Enable => Enable,
            Move => Move,
            UidPlus => UidPlus,
            CondStore => CondStore,
            QResync => QResync,
            SpecialUse => SpecialUse,
            ListExtended => ListExtended,
            ListStatus => ListStatus,
            Namespace => Namespace,
            Unselect => Unselect,
            Id => Id,
            Utf8Accept => Utf8Accept,
            CompressDeflate => CompressDeflate,
            Quota => Quota,
            Binary => Binary,
            ESearch => ESearch,
            Sort => Sort,
            ObjectId => ObjectId,
            StatusSize => StatusSize,
            Notify => Notify,
            SaveDate => SaveDate,
            Preview => Preview,
            GmailExt1 => GmailExt1,
            CreateSpecialUse => CreateSpecialUse,
            Children => Children,
            Thread(a) => Thread(a.into_static()),
            QuotaResource(r) => QuotaResource(r.into_static()),
            QuotaSet => QuotaSet,
            SortDisplay => SortDisplay,
            ESort => ESort,
            SearchRes => SearchRes,
            Utf8Only => Utf8Only,
            AppendLimit(n) => AppendLimit(n),
            Other(a) => Other(a.into_static()),
        }
    }
}
