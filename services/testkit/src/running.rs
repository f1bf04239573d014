use std::net::SocketAddr;

use service_common::server::Server;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A service serving in the background of a test.
pub struct RunningService {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningService {
    pub fn spawn(server: Server) -> Self {
        let addr = server.local_addr();
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async move {
            let _ = signal.await;
        }));
        Self {
            addr,
            url: format!("http://{addr}"),
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// `url` joined with `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Stops the service as a crash would: its listener closes at once and
    /// in-flight requests are dropped.
    pub async fn kill(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        self.shutdown.take();
    }

    /// Stops the service gracefully and waits until it has drained.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A local address where nothing listens, as a stopped service leaves
/// behind: a connection is refused at once. The port stays bound (without
/// listening) while this lives, so no other test can start serving on it.
pub struct ClosedPort {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    _socket: tokio::net::TcpSocket,
}

impl ClosedPort {
    /// Binds a free port of 127.0.0.1 and never listens on it.
    pub fn reserve() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("binding a free port");
        let addr = socket.local_addr().expect("the bound address");
        Self {
            url: format!("http://{addr}"),
            _socket: socket,
        }
    }
}
