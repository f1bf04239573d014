//! The JSON error body for the answers hyper writes by itself, below every
//! handler and middleware: 400 for a request line or header it cannot
//! parse, 414 for a URI too long and 431 for headers too large. hyper
//! sends them with an empty body and closes the connection; the contract
//! says every non-2xx carries `{"error","message"}`.
//!
//! hyper has no hook for these, so the connection's byte stream is
//! watched instead: a response head of status 4xx or 5xx with
//! `content-length: 0` and nothing after it is one of them (every answer
//! of ours with such a status has a JSON body, so a length of zero can
//! only be hyper's), and it is written with the body added.
//!
//! When the header-read timeout strikes, hyper closes the connection
//! without a word. A client that had sent part of a request is then told
//! 408 with the JSON body, written as the connection is let go (see
//! [`ConnectionWatch`]); an idle keep-alive connection is closed silently,
//! as every server does, since a client may be sending its next request
//! on it at that moment and would read the 408 as that request's answer.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What the serve loop and a connection's stream tell each other.
#[derive(Debug, Clone, Default)]
pub struct ConnectionWatch(Arc<WatchState>);

#[derive(Debug, Default)]
struct WatchState {
    /// Bytes of a request arrived since the last response began.
    request_begun: AtomicBool,
    /// hyper gave up waiting for a request's headers.
    timed_out: AtomicBool,
}

impl ConnectionWatch {
    pub fn request_begun(&self) -> bool {
        self.0.request_begun.load(Ordering::Relaxed)
    }

    fn set_request_begun(&self, begun: bool) {
        self.0.request_begun.store(begun, Ordering::Relaxed);
    }

    /// Called by the serve loop when hyper's header-read timeout ended the
    /// connection, before its stream is dropped.
    pub fn set_timed_out(&self) {
        self.0.timed_out.store(true, Ordering::Relaxed);
    }
}

/// A write that does not wait: what is let go with a connection is written
/// only if the socket takes it at once.
pub trait WriteNow {
    fn write_now(&self, bytes: &[u8]) -> io::Result<usize>;
}

impl WriteNow for tokio::net::TcpStream {
    fn write_now(&self, bytes: &[u8]) -> io::Result<usize> {
        self.try_write(bytes)
    }
}

/// Over TLS nothing can be written without waiting (it must be encrypted
/// and flushed): a timed-out client of an HTTPS listener is closed
/// without the 408.
impl WriteNow for tokio_rustls::server::TlsStream<tokio::net::TcpStream> {
    fn write_now(&self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// A connection's stream, whose body-less error answers get the JSON body.
pub struct JsonErrorAnswers<S: WriteNow> {
    inner: S,
    /// A rewritten answer still being written, and the length of the
    /// original hyper is told was written once it is.
    pending: Option<(Vec<u8>, usize)>,
    watch: ConnectionWatch,
}

impl<S: WriteNow> JsonErrorAnswers<S> {
    pub fn new(inner: S) -> (Self, ConnectionWatch) {
        let watch = ConnectionWatch::default();
        let stream = Self {
            inner,
            pending: None,
            watch: watch.clone(),
        };
        (stream, watch)
    }
}

impl<S: WriteNow> Drop for JsonErrorAnswers<S> {
    fn drop(&mut self) {
        let state = &self.watch.0;
        if state.timed_out.load(Ordering::Relaxed) && state.request_begun.load(Ordering::Relaxed) {
            // Best effort: a socket that cannot take it at once is closed.
            let _ = self.inner.write_now(&answer_with_body(408, "Request Timeout", ""));
        }
    }
}

/// The error body for a status hyper answers by itself.
fn body_for(status: u16) -> &'static str {
    match status {
        408 => {
            r#"{"error":"request_timeout","message":"The request's headers did not arrive in time; send the request again."}"#
        }
        414 => r#"{"error":"uri_too_long","message":"The request's URI is too long."}"#,
        431 => {
            r#"{"error":"headers_too_large","message":"The request's headers are too large; send fewer or smaller headers."}"#
        }
        _ => r#"{"error":"malformed_request","message":"The request could not be read as HTTP/1.1."}"#,
    }
}

/// A whole response, head and JSON body, for `status`.
pub fn answer_with_body(status: u16, reason: &str, extra_headers: &str) -> Vec<u8> {
    let body = body_for(status);
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncache-control: no-store\r\n\
         x-content-type-options: nosniff\r\nconnection: close\r\n{extra_headers}content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// `bytes` with the JSON body, if they are one whole body-less error head.
fn with_json_body(bytes: &[u8]) -> Option<Vec<u8>> {
    let rest = bytes.strip_prefix(b"HTTP/1.1 ")?;
    if !matches!(rest.first(), Some(b'4' | b'5')) || !bytes.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = std::str::from_utf8(&bytes[..bytes.len() - 2]).ok()?;
    if head.matches("\r\n\r\n").count() > 0 {
        return None;
    }
    let mut lines = head.split("\r\n").filter(|line| !line.is_empty());
    let status_line = lines.next()?;
    let status: u16 = status_line.get(9..12)?.parse().ok()?;
    let reason = status_line.get(13..).unwrap_or_default();
    let mut extra = String::new();
    let mut length_zero = false;
    for line in lines {
        let lower = line.to_ascii_lowercase();
        if lower == "content-length: 0" {
            length_zero = true;
        } else if !lower.starts_with("connection:") && !lower.starts_with("content-type:") {
            extra.push_str(line);
            extra.push_str("\r\n");
        }
    }
    length_zero.then(|| answer_with_body(status, reason, &extra))
}

impl<S: AsyncRead + WriteNow + Unpin> AsyncRead for JsonErrorAnswers<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.set_request_begun(true);
        }
        polled
    }
}

impl<S: AsyncWrite + WriteNow + Unpin> JsonErrorAnswers<S> {
    /// Writes what is pending; ready with the length to report once done.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, reported)) = &mut self.pending {
            if bytes.is_empty() {
                let reported = *reported;
                self.pending = None;
                return Poll::Ready(Ok(reported));
            }
            let written = std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, bytes))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            bytes.drain(..written);
        }
        Poll::Ready(Ok(0))
    }

    /// Notes a response starting in `first` (the request was read whole);
    /// true if `whole` was taken over as a rewritten error answer.
    fn take_over(&mut self, first: &[u8], whole: Option<&[u8]>) -> bool {
        if first.starts_with(b"HTTP/1.") {
            self.watch.set_request_begun(false);
        }
        match whole.and_then(with_json_body) {
            Some(rewritten) => {
                let reported = whole.map_or(0, <[u8]>::len);
                self.pending = Some((rewritten, reported));
                true
            }
            None => false,
        }
    }
}

impl<S: AsyncWrite + WriteNow + Unpin> AsyncWrite for JsonErrorAnswers<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.pending.is_some() || self.take_over(buf, Some(buf)) {
            return self.poll_pending(cx);
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.pending.is_some() {
            return self.poll_pending(cx);
        }
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        let first = filled.next().map(|b| &**b).unwrap_or_default();
        // A body-less answer is its head alone.
        let whole = filled.next().is_none().then_some(first);
        if self.take_over(first, whole) {
            return self.poll_pending(cx);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_some() {
            std::task::ready!(self.poll_pending(cx))?;
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_some() {
            std::task::ready!(self.poll_pending(cx))?;
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_less_error_head_gets_the_json_body_and_keeps_its_other_headers() {
        let hyper = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 06:00:00 GMT\r\n\r\n";
        let text = String::from_utf8(with_json_body(hyper).unwrap()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{head}"
        );
        assert!(head.contains("content-type: application/json"));
        assert!(head.contains("date: Mon, 07 Dec 2026"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"], "headers_too_large");
    }

    #[test]
    fn answers_with_a_body_or_a_good_status_are_left_alone() {
        for bytes in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 304 Not Modified\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 40\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            b"{\"error\":\"x\"}",
        ] {
            assert!(with_json_body(bytes).is_none(), "{}", String::from_utf8_lossy(bytes));
        }
    }

    impl WriteNow for tokio::io::DuplexStream {
        fn write_now(&self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }

    #[tokio::test]
    async fn the_rewritten_answer_is_written_whole_and_reported_as_the_original() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (ours, mut theirs) = tokio::io::duplex(64);
        let (mut stream, watch) = JsonErrorAnswers::new(ours);
        theirs.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let mut chunk = [0u8; 16];
        let _ = stream.read(&mut chunk).await.unwrap();
        assert!(watch.request_begun(), "a request has begun");
        let hyper = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            theirs.read_to_end(&mut all).await.unwrap();
            all
        });
        // The duplex holds 64 bytes at a time: the answer goes out in parts.
        assert_eq!(stream.write(hyper).await.unwrap(), hyper.len());
        assert!(!watch.request_begun(), "a response began");
        stream.shutdown().await.unwrap();
        drop(stream);
        let all = String::from_utf8(reader.await.unwrap()).unwrap();
        assert!(all.ends_with(body_for(400)), "{all}");
    }
}
