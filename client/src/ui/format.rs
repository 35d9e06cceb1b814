//! Dates for people, through the browser's own `Intl` (no date crate in the bundle).

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

/// A message date, ready to render.
#[derive(Debug)]
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
        let locale = locale();
        let short_options = if date.to_date_string() == now.to_date_string() {
            options(&[("hour", "numeric"), ("minute", "2-digit")])
        } else if date.get_full_year() == now.get_full_year() {
            options(&[("day", "numeric"), ("month", "short")])
        } else {
            options(&[("day", "numeric"), ("month", "short"), ("year", "numeric")])
        };
        let full_options = options(&[("dateStyle", "full"), ("timeStyle", "short")]);
        Some(MessageDate {
            short: date.to_locale_string(&locale, &short_options).into(),
            full: date.to_locale_string(&locale, &full_options).into(),
            iso: date.to_iso_string().into(),
        })
    }
}

fn locale() -> String {
    web_sys::window()
        .and_then(|window| window.navigator().language())
        .unwrap_or_else(|| "en".to_owned())
}

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object.into()
}
