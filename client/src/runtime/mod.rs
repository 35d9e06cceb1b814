//! What only a browser has: sockets, timers, the clock, downloads, charsets. The one home
//! for web APIs outside the UI components; everything it drives is sans-IO.

mod local;
pub mod net;
