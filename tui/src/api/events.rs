//! The live order events of `GET /orders/events` (server-sent events): a small parser and a
//! task that keeps the stream open, reconnecting with `Last-Event-ID`.

use std::time::Duration;

use comanda_common::Order;
use comanda_common::orders::{EVENT_ORDER, EVENT_RESET};
use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use super::{ApiClient, ApiError};

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

/// Incremental parser: feed bytes, get complete events. Comments (heartbeats) are skipped.
#[derive(Default)]
pub struct SseParser {
    buf: Vec<u8>,
    current: SseEvent,
    has_data: bool,
}

impl SseParser {
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line).into_owned();
            if line.is_empty() {
                if self.has_data || !self.current.event.is_empty() {
                    let mut ev = std::mem::take(&mut self.current);
                    if ev.event.is_empty() {
                        ev.event = "message".into();
                    }
                    out.push(ev);
                }
                self.current = SseEvent::default();
                self.has_data = false;
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f.to_owned(), v.strip_prefix(' ').unwrap_or(v).to_owned()),
                None => (line.clone(), String::new()),
            };
            match field.as_str() {
                "event" => self.current.event = value,
                "id" => self.current.id = Some(value),
                "data" => {
                    if self.has_data {
                        self.current.data.push('\n');
                    }
                    self.current.data.push_str(&value);
                    self.has_data = true;
                }
                _ => {}
            }
        }
        out
    }
}

/// What the live stream tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// The stream is open.
    Connected,
    /// The stream dropped; retrying after a pause. The text says why.
    Reconnecting(String),
    /// An order changed.
    Order(Box<Order>),
    /// Events were lost: reload the lists.
    Reset,
    /// The session ended (refresh rejected): the stream stops.
    SessionEnded,
}

/// One event of the stream with its id, as `comanda watch` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// The SSE `id` (the `Last-Event-ID` to resume from), when the server sent one.
    pub id: Option<u64>,
    pub event: LiveEvent,
}

/// Keeps the event stream open until the receiver is gone or the session ends.
pub async fn run_live(api: ApiClient, tx: UnboundedSender<LiveEvent>) {
    let (etx, mut erx) = tokio::sync::mpsc::unbounded_channel::<StreamEvent>();
    let forward = async move {
        while let Some(ev) = erx.recv().await {
            if tx.send(ev.event).is_err() {
                return;
            }
        }
    };
    tokio::join!(run_events(api, etx), forward);
}

/// Keeps the event stream open until the receiver is gone or the session ends, reconnecting
/// with `Last-Event-ID` after a pause; each event carries its id.
pub async fn run_events(api: ApiClient, tx: UnboundedSender<StreamEvent>) {
    let send = |id: Option<u64>, event: LiveEvent| tx.send(StreamEvent { id, event }).is_ok();
    let mut last_id: Option<u64> = None;
    let mut backoff = Duration::from_millis(500);
    loop {
        let resp = match api.open_events(last_id).await {
            Ok(resp) => resp,
            Err(ApiError::SessionEnded) | Err(ApiError::NotSignedIn) => {
                send(None, LiveEvent::SessionEnded);
                return;
            }
            Err(e) => {
                if !send(None, LiveEvent::Reconnecting(e.to_string())) {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        if !send(None, LiveEvent::Connected) {
            return;
        }
        backoff = Duration::from_millis(500);
        let mut parser = SseParser::default();
        let mut stream = resp.bytes_stream();
        let why = loop {
            match stream.next().await {
                Some(Ok(chunk)) => {
                    for ev in parser.feed(&chunk) {
                        let id = ev.id.as_deref().and_then(|i| i.trim().parse().ok());
                        if id.is_some() {
                            last_id = id;
                        }
                        let msg = match ev.event.as_str() {
                            EVENT_ORDER => match serde_json::from_str::<Order>(&ev.data) {
                                Ok(o) => LiveEvent::Order(Box::new(o)),
                                Err(e) => {
                                    tracing::warn!(error = %e, "undecodable order event");
                                    continue;
                                }
                            },
                            EVENT_RESET => LiveEvent::Reset,
                            _ => continue,
                        };
                        if !send(id, msg) {
                            return;
                        }
                    }
                }
                Some(Err(e)) => break ApiError::from_transport(&e, api.base_url()).to_string(),
                None => break "the server closed the stream".to_owned(),
            }
        };
        tracing::info!(%why, "live updates interrupted");
        if !send(None, LiveEvent::Reconnecting(why)) {
            return;
        }
        tokio::time::sleep(backoff).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_across_chunks_and_skips_heartbeats() {
        let mut p = SseParser::default();
        assert!(p.feed(b": heartbeat\n\nevent: ord").is_empty());
        let evs = p.feed(b"er\r\nid: 7\r\ndata: {\"a\":1}\r\n\r\nevent: reset\ndata:\n\n");
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].event, "order");
        assert_eq!(evs[0].id.as_deref(), Some("7"));
        assert_eq!(evs[0].data, "{\"a\":1}");
        assert_eq!(evs[1].event, "reset");
    }
}
