//! `leadscore leads watch`: follows WatchStageChanges and prints one line
//! per change as it happens. The stream is resumed from the last cursor
//! seen after anything that may pass (a disconnect, a server restart, an
//! ABORTED "fell behind", a stream the server ended), so no change is
//! printed twice or missed; it waits [`FIRST_RETRY`] before the first
//! reconnect, doubling up to [`MAX_RETRY`], and starts again from
//! [`FIRST_RETRY`] once a change arrives. A refusal that a retry cannot
//! change (a bad token, a missing scope) ends it with the server's message.

use std::io::Write as _;
use std::time::Duration;

use super::ClientError;
use super::connect::ClientArgs;
use crate::pb::v1 as pb;
use crate::pb::v1::lead_service_client::LeadServiceClient;

/// The wait before the first reconnect.
pub const FIRST_RETRY: Duration = Duration::from_millis(250);
/// The longest wait between two reconnects.
pub const MAX_RETRY: Duration = Duration::from_secs(10);

/// The next wait between reconnects: doubling from [`FIRST_RETRY`] up to
/// [`MAX_RETRY`].
#[derive(Debug)]
struct Backoff(Duration);

impl Backoff {
    fn next(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(MAX_RETRY);
        wait
    }

    fn reset(&mut self) {
        self.0 = FIRST_RETRY;
    }
}

/// Whether reconnecting may get past `e`.
fn passes(e: &ClientError) -> bool {
    use tonic::Code;
    match e {
        ClientError::Connect { .. } => true,
        ClientError::Settings(_) | ClientError::Input(_) => false,
        ClientError::Call { code, .. } => match code {
            Code::Ok
            | Code::Cancelled
            | Code::Unknown
            | Code::DeadlineExceeded
            | Code::ResourceExhausted
            | Code::Aborted
            | Code::Internal
            | Code::Unavailable => true,
            Code::InvalidArgument
            | Code::NotFound
            | Code::AlreadyExists
            | Code::PermissionDenied
            | Code::FailedPrecondition
            | Code::OutOfRange
            | Code::Unimplemented
            | Code::DataLoss
            | Code::Unauthenticated => false,
        },
    }
}

/// Where a watch stands: the last cursor seen and what to print.
struct Follower<'a> {
    args: &'a ClientArgs,
    kinds: Vec<i32>,
    cursor: u64,
    backoff: Backoff,
}

/// How one stream ended.
enum Ended {
    /// The reader stopped reading our output (`| head`): stop quietly.
    OutputClosed,
    /// The server ended it or it broke: reconnect.
    Stream(Result<(), ClientError>),
}

impl Follower<'_> {
    /// One stream from the last cursor, printing until it ends.
    async fn stream(&mut self) -> Ended {
        let mut stream = match self.open().await {
            Ok(stream) => stream,
            Err(e) => return Ended::Stream(Err(e)),
        };
        loop {
            let change = match stream.message().await {
                Ok(Some(change)) => change,
                Ok(None) => return Ended::Stream(Ok(())),
                Err(status) => return Ended::Stream(Err(status.into())),
            };
            self.cursor = self.cursor.max(change.cursor);
            self.backoff.reset();
            if !(self.kinds.is_empty() || self.kinds.contains(&change.kind)) {
                continue;
            }
            let line = if self.args.json {
                super::json::line("leadscore.v1.StageChange", &change)
            } else {
                super::render::leads::change(&change, self.args.zone())
            };
            if std::io::stdout().lock().write_all(line.as_bytes()).is_err() {
                return Ended::OutputClosed;
            }
        }
    }

    async fn open(&self) -> Result<tonic::Streaming<pb::StageChange>, ClientError> {
        let mut client = LeadServiceClient::new(self.args.connect().await?);
        let request = pb::WatchStageChangesRequest {
            after_cursor: self.cursor,
            // Resuming: from the cursor, never skipping to the newest.
            from_newest: false,
        };
        Ok(client.watch_stage_changes(request).await?.into_inner())
    }
}

/// Follows the changes after `after` (only `kinds`, when any are named)
/// until the output is closed or the server refuses for good.
pub async fn follow(
    args: &ClientArgs,
    after: u64,
    kinds: &[pb::StageChangeKind],
) -> Result<(), ClientError> {
    let mut follower = Follower {
        args,
        kinds: kinds.iter().map(|k| *k as i32).collect(),
        cursor: after,
        backoff: Backoff(FIRST_RETRY),
    };
    loop {
        let why = match follower.stream().await {
            Ended::OutputClosed => return Ok(()),
            Ended::Stream(Ok(())) => "the server ended the stream".to_owned(),
            Ended::Stream(Err(e)) if passes(&e) => e.to_string(),
            Ended::Stream(Err(e)) => return Err(e),
        };
        let wait = follower.backoff.next();
        eprintln!(
            "leadscore: {why}; reconnecting in {:.2} s, resuming after #{}",
            wait.as_secs_f64(),
            follower.cursor
        );
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_bound_and_resets() {
        let mut b = Backoff(FIRST_RETRY);
        let waits: Vec<u128> = (0..8).map(|_| b.next().as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        b.reset();
        assert_eq!(b.next(), FIRST_RETRY);
    }

    #[test]
    fn fell_behind_and_unavailable_pass_a_bad_token_does_not() {
        let call = |code| ClientError::Call {
            code,
            message: String::new(),
        };
        assert!(passes(&call(tonic::Code::Aborted)));
        assert!(passes(&call(tonic::Code::Unavailable)));
        assert!(!passes(&call(tonic::Code::Unauthenticated)));
        assert!(!passes(&call(tonic::Code::PermissionDenied)));
    }
}
