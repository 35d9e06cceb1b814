//! What only a browser has: sockets, timers, the clock, downloads, charsets, the store
//! worker (`store.rs`, its handle). The one home
//! for web APIs outside the UI components; everything it drives is sans-IO.

mod local;
pub mod net;
pub mod store;
