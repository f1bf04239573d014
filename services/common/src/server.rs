//! The listener and the serve loop: connection limits, and graceful
//! shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use tokio_rustls::TlsAcceptor;

use crate::wire_errors::{JsonErrorAnswers, WriteNow};

/// Binds with a deep accept backlog: tokio's default of 128 overflows when a
/// registration-day burst connects at once, and the overflow costs each
/// dropped SYN a one-second retransmit.
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// How long a client of these services keeps an idle connection for
/// reuse: under the idle time after which a service closes one (the
/// header-read timeout, 10 s by default). A client that reused a
/// connection at the moment the server closed it would see its request
/// fail unanswered, and a POST cannot be retried blindly: so the client
/// lets go first.
pub const CLIENT_POOL_IDLE: Duration = Duration::from_secs(5);

/// What a service holds open for its clients, so that slow or idle
/// clients cannot starve it.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request's headers, counted
    /// from when its connection is idle: it is also the keep-alive timeout.
    pub header_read_timeout: Duration,
    /// Connections served at once; the next is refused with a 503.
    pub max_connections: usize,
}

/// Open files kept for the database, logs and key files, beside the
/// connections.
const FILES_KEPT_FREE: u64 = 256;

/// How long shutdown waits for in-flight requests.
const DRAIN_LIMIT: Duration = Duration::from_secs(15);

/// A service ready to serve: bound, migrated, seeded.
pub struct Server {
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    /// HTTPS when set.
    tls: Option<TlsAcceptor>,
}

impl Server {
    pub fn new(listener: TcpListener, router: Router, limits: ConnectionLimits) -> Self {
        Self {
            listener,
            router,
            limits,
            tls: None,
        }
    }

    /// Serves HTTPS with these settings.
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(TlsAcceptor::from(config));
        self
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then drains in-flight requests.
    pub async fn run_until<F>(self, shutdown: F) -> std::io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Self {
            listener,
            router,
            limits,
            tls,
        } = self;
        let by_files = usize::try_from(open_files_limit().saturating_sub(FILES_KEPT_FREE)).unwrap_or(usize::MAX);
        let permits = Arc::new(Semaphore::new(limits.max_connections.min(by_files).max(1)));
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout);
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (stream, remote) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors, or a client gone before
                        // the accept: keep serving the others.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                // Over TLS a plain answer would be noise: the client is
                // let go at once instead.
                if tls.is_none() {
                    tokio::spawn(refuse(stream));
                }
                continue;
            };
            let _ = stream.set_nodelay(true);
            let service = router.clone().map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                request.map(Body::new)
            });
            let (http, watcher, tls) = (http.clone(), graceful.watcher(), tls.clone());
            let handshake_limit = limits.header_read_timeout;
            tokio::spawn(async move {
                match tls {
                    None => serve_connection(&http, watcher, stream, service).await,
                    Some(tls) => {
                        // A client that never finishes its handshake is
                        // cut off as one that never finishes its headers.
                        if let Ok(Ok(stream)) = tokio::time::timeout(handshake_limit, tls.accept(stream)).await {
                            serve_connection(&http, watcher, stream, service).await;
                        }
                    }
                }
                drop(permit);
            });
        }
        drop(listener);
        if tokio::time::timeout(DRAIN_LIMIT, graceful.shutdown()).await.is_err() {
            tracing::warn!("requests still running at shutdown were cut off");
        }
        Ok(())
    }

    /// Serves until SIGTERM or SIGINT.
    pub async fn run(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// Serves one connection until it ends.
async fn serve_connection<S, T>(http: &hyper::server::conn::http1::Builder, watcher: Watcher, stream: S, service: T)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + WriteNow + Unpin + Send + 'static,
    T: tower::Service<Request<Incoming>, Response = axum::response::Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    T::Future: Send + 'static,
{
    let (stream, watch) = JsonErrorAnswers::new(stream);
    let connection = watcher.watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
    // Boxed, so that the connection (and its stream) outlives its answer:
    // the stream learns of a timeout before it is let go.
    let mut connection = Box::pin(connection);
    if let Err(error) = connection.as_mut().await {
        if error.is_timeout() {
            watch.set_timed_out();
        }
    }
}

/// A connection past the limit: its request is read (for at most a second
/// and 8 KiB, so a slow client holds little), answered 503 with the JSON
/// error body, and the connection closed: the client is told, not left
/// hanging.
async fn refuse(mut stream: TcpStream) {
    const BODY: &str = r#"{"error":"too_many_connections","message":"The service is serving as many connections as it can; try again in a moment."}"#;
    let limit = Duration::from_secs(1);
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let _ = tokio::time::timeout(limit, async {
        while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         cache-control: no-store\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    if tokio::time::timeout(limit, stream.write_all(response.as_bytes()))
        .await
        .is_ok()
    {
        let _ = stream.shutdown().await;
    }
}

/// Completes at the first SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received; draining in-flight requests");
}

/// Raises the soft limit on open files to the hard limit: the default soft
/// limit (1,024) is below what a registration-day crowd holds open, and
/// running out refuses everyone ("Too many open files"). Returns the limit
/// now in force.
/// The open-files limit in force.
#[cfg(unix)]
fn open_files_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return u64::MAX;
    }
    limit.rlim_cur
}

#[cfg(not(unix))]
fn open_files_limit() -> u64 {
    u64::MAX
}

#[cfg(unix)]
pub fn raise_open_files_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur
}

#[cfg(not(unix))]
pub fn raise_open_files_limit() -> u64 {
    0
}
