//! petrel-proxy: bridges browser WebSockets to a fixed IMAP server over TLS and serves the web app.
