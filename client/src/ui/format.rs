//! Dates for people, through the browser's own `Intl` (no date crate in the bundle).
//!
//! Making an `Intl.DateTimeFormat` is the costly part of formatting a date, and
//! `Date.toLocaleString(locale, options)` makes a new one on every call: in headless Chromium
//! 200 such calls took 33 to 48 ms, the same 200 dates through kept formatters under 1 ms.
//! The list formatted every row twice on every render. Here each style has one formatter,
//! made once for the browser's language (in an idle moment, see [`prepare_when_idle`]) and
//! kept until that language changes.

use std::cell::RefCell;

use js_sys::{Array, Date, Function, Intl, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// A message date, ready to render.
#[derive(Debug, PartialEq)]
pub struct MessageDate {
    /// Today: the time; this year: day and month; else day, month and year.
    pub short: String,
    /// The full date and time, for the tooltip.
    pub full: String,
    /// ISO 8601, for `<time datetime>`.
    pub iso: String,
}

impl MessageDate {
    /// `None` for a timestamp the browser cannot represent.
    pub fn new(unix_seconds: i64) -> Option<MessageDate> {
        // f64 holds every millisecond count a Date can take (±8.64e15) exactly.
        let date = Date::new(&JsValue::from_f64(unix_seconds as f64 * 1000.0));
        if date.get_time().is_nan() {
            return None;
        }
        let now = Date::new_0();
        let style = if date.get_full_year() != now.get_full_year() {
            Style::DayMonthYear
        } else if date.get_month() == now.get_month() && date.get_date() == now.get_date() {
            Style::Time
        } else {
            Style::DayMonth
        };
        Some(MessageDate {
            short: format(style, &date)?,
            full: format(Style::Full, &date)?,
            iso: date.to_iso_string().into(),
        })
    }
}

/// Makes the formatters in the next idle moment (while a person types their password),
/// rather than on the task that renders the first rows: a page's first
/// `Intl.DateTimeFormat` loads the locale's data, which took 70 to 150 ms in headless
/// Chromium on a busy machine.
pub fn prepare_when_idle() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let prepare: Function = Closure::once_into_js(|| {
        let _ = format(Style::Full, &Date::new_0());
    })
    .unchecked_into();
    // Safari has no requestIdleCallback: the next task is the next best moment.
    if window.request_idle_callback(&prepare).is_err() {
        let _ = window.set_timeout_with_callback(&prepare);
    }
}

/// The ways a date is shown; each has one formatter.
#[derive(Debug, Clone, Copy)]
enum Style {
    /// Today's messages: "14:05".
    Time,
    /// This year's: "3 Mar".
    DayMonth,
    /// Older: "3 Mar 2023".
    DayMonthYear,
    /// The tooltip: "Friday, 3 March 2023 at 14:05".
    Full,
}

impl Style {
    const ALL: [Style; 4] = [
        Style::Time,
        Style::DayMonth,
        Style::DayMonthYear,
        Style::Full,
    ];

    fn options(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Style::Time => &[("hour", "numeric"), ("minute", "2-digit")],
            Style::DayMonth => &[("day", "numeric"), ("month", "short")],
            Style::DayMonthYear => &[("day", "numeric"), ("month", "short"), ("year", "numeric")],
            Style::Full => &[("dateStyle", "full"), ("timeStyle", "short")],
        }
    }
}

/// One formatter per [`Style`], for one language.
struct Formatters {
    locale: String,
    /// The formatters' `format` functions (bound to their formatter), in [`Style::ALL`]
    /// order.
    format: [Function; 4],
}

thread_local! {
    static FORMATTERS: RefCell<Option<Formatters>> = const { RefCell::new(None) };
}

/// `date` in `style`, for the browser's language; `None` if the browser refuses it.
fn format(style: Style, date: &Date) -> Option<String> {
    let locale = locale();
    FORMATTERS.with_borrow_mut(|cached| {
        let formatters = match cached {
            Some(formatters) if formatters.locale == locale => formatters,
            _ => cached.insert(Formatters {
                format: Style::ALL.map(|style| formatter(&locale, style).format()),
                locale,
            }),
        };
        formatters.format[style as usize]
            .call1(&JsValue::UNDEFINED, date)
            .ok()?
            .as_string()
    })
}

fn formatter(locale: &str, style: Style) -> Intl::DateTimeFormat {
    let options = Object::new();
    for (key, value) in style.options() {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    Intl::DateTimeFormat::new(&Array::of1(&JsValue::from_str(locale)), &options)
}

fn locale() -> String {
    web_sys::window()
        .and_then(|window| window.navigator().language())
        .unwrap_or_else(|| "en".to_owned())
}
