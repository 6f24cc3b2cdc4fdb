//! Serving connections with hyper, with the limits of API.md "Slow clients": a connection
//! that has not sent a whole request head within the header-read timeout is answered 408 and
//! closed, an idle keep-alive connection is closed after the idle timeout, and at most
//! `max_connections` are open at once (more wait in the listen backlog). Graceful shutdown
//! stops accepting, lets in-flight requests finish, and waits for every connection.
//!
//! hyper's own header-read timer also runs while a keep-alive connection waits for its next
//! request, so it cannot tell the two deadlines apart; each connection has instead one
//! watchdog that knows both, fed by the connection's reads and its requests. It is also what
//! can still write the 408: it keeps a handle on the socket after hyper has given up on it.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::normalize_path::NormalizePath;

/// The connection limits (from [`crate::Settings`]).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// How long graceful shutdown waits for open connections.
    pub drain: Duration,
}

/// What a connection has been doing, in milliseconds since it was accepted.
struct Activity {
    start: Instant,
    /// Requests whose answer has not been sent completely.
    busy: AtomicUsize,
    /// When the head being waited for started to be due (0: none is due; the connection
    /// is an idle keep-alive one).
    head_due_since: AtomicU64,
    /// The last byte read or written, or request started or finished.
    last: AtomicU64,
}

/// Why the watchdog closes a connection.
#[derive(Debug, PartialEq, Eq)]
enum Expired {
    Head,
    Idle,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            busy: AtomicUsize::new(0),
            // A new connection owes its first request head from the start.
            head_due_since: AtomicU64::new(1),
            last: AtomicU64::new(1),
        }
    }

    /// Milliseconds since the connection was accepted, never 0 (0 means "none").
    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64 + 1
    }

    fn touch(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
    }

    fn on_read(&self) {
        let now = self.now();
        self.last.store(now, Ordering::Relaxed);
        if self.busy.load(Ordering::Acquire) == 0 {
            // Bytes of a next request: its head is due from now (unless already due).
            let _ =
                self.head_due_since
                    .compare_exchange(0, now, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    fn request_started(&self) {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.head_due_since.store(0, Ordering::Release);
        self.touch();
    }

    fn request_finished(&self) {
        self.busy.fetch_sub(1, Ordering::AcqRel);
        self.touch();
    }

    fn expired(&self, limits: &Limits) -> Option<Expired> {
        if self.busy.load(Ordering::Acquire) > 0 {
            return None;
        }
        let now = self.now();
        let head = self.head_due_since.load(Ordering::Acquire);
        if head != 0 && now.saturating_sub(head) >= limits.header_read_timeout.as_millis() as u64 {
            return Some(Expired::Head);
        }
        let last = self.last.load(Ordering::Relaxed);
        (now.saturating_sub(last) >= limits.idle_timeout.as_millis() as u64)
            .then_some(Expired::Idle)
    }
}

/// Marks a request finished when the last of its answer has been sent (or dropped).
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// The socket as hyper reads and writes it, reporting activity; the watchdog holds the
/// same socket to answer 408 after hyper is gone.
struct Watched {
    io: Arc<TcpStream>,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.io.poll_read_ready(cx))?;
            match self.io.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    if n > 0 {
                        self.activity.on_read();
                    }
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.io.poll_write_ready(cx))?;
            match self.io.try_write(buf) {
                Ok(n) => {
                    self.activity.touch();
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        match socket2::SockRef::from(&*self.io).shutdown(std::net::Shutdown::Write) {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(())),
        }
    }
}

/// The answer to a connection that did not send its request head in time.
fn timeout_408() -> String {
    let body = r#"{"detail":"Request Timeout"}"#;
    format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Accepts and serves connections until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    app: NormalizePath<Router>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = connection(stream, peer, app.clone(), &graceful, limits);
        tokio::spawn(async move {
            conn.await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open after the drain time");
    }
}

/// One connection: hyper serving `app`, watched for the header-read and idle deadlines.
fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: NormalizePath<Router>,
    graceful: &GracefulShutdown,
    limits: Limits,
) -> impl Future<Output = ()> + Send + 'static {
    let io = Arc::new(stream);
    let activity = Arc::new(Activity::new());
    let watched = Watched {
        io: io.clone(),
        activity: activity.clone(),
    };
    let on_request = activity.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        let busy = Busy(on_request.clone());
        on_request.request_started();
        req.extensions_mut().insert(ConnectInfo(peer));
        let answer = app.clone().oneshot(req.map(Body::new));
        async move {
            let res = answer.await?;
            Ok::<_, Infallible>(res.map(move |body| {
                Body::new(body.map_frame(move |frame| {
                    busy.0.touch();
                    frame
                }))
            }))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(watched), service);
    let conn = graceful.watch(conn);
    async move {
        // Boxed, so that it can be dropped (closing hyper's side) before the 408 is written.
        let mut conn = Box::pin(conn);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let expired = loop {
            tokio::select! {
                r = &mut conn => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, %peer, "connection ended with an error");
                    }
                    return;
                }
                _ = tick.tick() => {
                    if let Some(why) = activity.expired(&limits) {
                        break why;
                    }
                }
            }
        };
        // Ends hyper's side of the connection; `io` still holds the socket.
        drop(conn);
        if expired == Expired::Head {
            tracing::debug!(%peer, "no request head in time: 408");
            let _ = io.try_write(timeout_408().as_bytes());
        }
        let _ = socket2::SockRef::from(&*io).shutdown(std::net::Shutdown::Both);
    }
}
