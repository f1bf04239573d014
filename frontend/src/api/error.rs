//! What can go wrong with a call, in terms a panel can show a person.

use std::fmt;

use crate::service::Service;

/// A failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No replica of the service answered within the request budget.
    Unavailable(Service),
    /// The service answered with an error body.
    Rejected { status: u16, code: String, message: String },
    /// The service answered 2xx with a body this app cannot read.
    BadAnswer(Service),
    /// The service was answering, and the answer stopped arriving: the
    /// connection, not the service, is the likely cause.
    Stalled { service: Service, received: u64 },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Unavailable(service) => write!(f, "The {} is unavailable.", service.label()),
            CallError::Rejected { message, .. } => f.write_str(message),
            CallError::BadAnswer(service) => write!(f, "The {} sent an answer this page cannot read.", service.label()),
            CallError::Stalled { service, received } => write!(
                f,
                "The connection stopped delivering the {}'s answer ({} received); trying again.",
                service.label(),
                kilobytes(*received)
            ),
        }
    }
}

/// A byte count as a person reads it: "240 KB".
pub fn kilobytes(bytes: u64) -> String {
    if bytes < 1_000 {
        format!("{bytes} bytes")
    } else {
        format!("{} KB", bytes / 1_000)
    }
}
