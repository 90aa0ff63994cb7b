//! Server-streaming RPCs as Server-Sent Events: one event per message,
//! `data:` its proto3 JSON on one line.
//!
//! A stream listed in [`RESUMABLE`] is resumable: each event's `id:` is the
//! message's cursor field, and a reconnecting client's `Last-Event-ID`
//! header sets the request's resume field (it wins over the query, since
//! browsers resend the URL they first opened), so the stream goes on right
//! after the last event the client saw, without a gap.
//!
//! A call that fails after the stream started (a watcher that fell behind:
//! ABORTED) ends with one `event: error` whose data is the error JSON of
//! [`super::errors`]. At shutdown the stream ends cleanly (the chunked body
//! is closed, not cut), so the client reconnects with its last id. The open
//! streams count against the same `--max-watchers` slots as gRPC watchers:
//! the call is the same one, in process.

use bytes::Bytes;
use http_body::Frame;
use prost_reflect::{DynamicMessage, Kind, MessageDescriptor, Value};
use tokio::sync::{mpsc, watch};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::grpc_call::Reply;

/// A resumable stream: which request field `Last-Event-ID` sets and which
/// answer field is each event's id.
#[derive(Debug, Clone, Copy)]
pub struct Resume {
    /// Full method name.
    pub method: &'static str,
    /// Request field (proto name) the last seen id goes into.
    pub after_field: &'static str,
    /// Answer field (proto name) sent as `id:`.
    pub id_field: &'static str,
}

/// The resumable server streams of `leadscore.v1`.
pub const RESUMABLE: &[Resume] = &[Resume {
    method: "leadscore.v1.LeadService.WatchStageChanges",
    after_field: "after_cursor",
    id_field: "cursor",
}];

/// The resume rule of `method`, if its stream is resumable.
pub fn resume_of(method: &str) -> Option<&'static Resume> {
    RESUMABLE.iter().find(|r| r.method == method)
}

/// Events buffered between the call and the connection; a slow reader
/// holds the call back instead of growing memory.
const BUFFERED_EVENTS: usize = 16;

/// The SSE answer of a started call: events as messages arrive, until the
/// call ends, the client goes away, or `stop` turns true.
pub fn response(
    reply: Reply,
    output: MessageDescriptor,
    id_field: Option<&'static str>,
    stop: watch::Receiver<bool>,
) -> http::Response<tonic::body::Body> {
    let (tx, rx) = mpsc::channel(BUFFERED_EVENTS);
    tokio::spawn(pump(reply, output, id_field, tx, stop));
    let frames = ReceiverStream::new(rx).map(|event: Bytes| Ok::<_, Status>(Frame::data(event)));
    http::Response::builder()
        .header(http::header::CONTENT_TYPE, "text/event-stream")
        .header(http::header::CACHE_CONTROL, "no-cache")
        .body(tonic::body::Body::new(http_body_util::StreamBody::new(
            frames,
        )))
        .unwrap_or_else(|_| http::Response::new(tonic::body::Body::empty()))
}

/// Moves messages from the call to the connection as events.
async fn pump(
    mut reply: Reply,
    output: MessageDescriptor,
    id_field: Option<&'static str>,
    tx: mpsc::Sender<Bytes>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let next = tokio::select! {
            next = reply.message() => next,
            () = tx.closed() => return,
            () = super::stopped(&mut stop) => return,
        };
        let event = match next {
            Ok(Some(bytes)) => match DynamicMessage::decode(output.clone(), bytes) {
                Ok(message) => event(&message, id_field),
                Err(e) => error_event(&Status::internal(format!("undecodable answer: {e}"))),
            },
            Ok(None) => return,
            Err(status) => error_event(&status),
        };
        let last = event.starts_with(b"event: error");
        if tx.send(event).await.is_err() || last {
            return;
        }
    }
}

/// One event: `id:` when the stream is resumable, then the JSON.
fn event(message: &DynamicMessage, id_field: Option<&str>) -> Bytes {
    let mut out = String::new();
    if let Some(id) = id_field.and_then(|f| message.get_field_by_name(f)) {
        match id.as_ref() {
            Value::U64(n) => out.push_str(&format!("id: {n}\n")),
            Value::U32(n) => out.push_str(&format!("id: {n}\n")),
            Value::I64(n) => out.push_str(&format!("id: {n}\n")),
            Value::I32(n) => out.push_str(&format!("id: {n}\n")),
            other => tracing::warn!(
                ?other,
                "an event id field that is no integer; sent without id"
            ),
        }
    }
    match super::gateway::json(message) {
        Ok(json) => out.push_str(&format!("data: {json}\n\n")),
        Err(status) => return error_event(&status),
    }
    Bytes::from(out)
}

/// The last event of a failed stream.
fn error_event(status: &Status) -> Bytes {
    let body = String::from_utf8_lossy(&super::errors::body(status)).into_owned();
    Bytes::from(format!("event: error\ndata: {body}\n\n"))
}

/// Checks that every [`RESUMABLE`] entry names a real server stream and
/// fields a cursor can be (one integer type on both sides).
pub fn check(pool: &prost_reflect::DescriptorPool) -> Result<(), String> {
    for r in RESUMABLE {
        let method = pool
            .services()
            .flat_map(|s| s.methods().collect::<Vec<_>>())
            .find(|m| m.full_name() == r.method && m.is_server_streaming())
            .ok_or_else(|| format!("{} is not a server-streaming method", r.method))?;
        let after = method.input().get_field_by_name(r.after_field);
        let id = method.output().get_field_by_name(r.id_field);
        match (after, id) {
            (Some(a), Some(i))
                if a.kind() == i.kind()
                    && !a.is_list()
                    && !i.is_list()
                    && matches!(
                        a.kind(),
                        Kind::Uint64 | Kind::Uint32 | Kind::Int64 | Kind::Int32
                    ) => {}
            _ => {
                return Err(format!(
                    "{}: {} and {} must be singular integer fields of one type",
                    r.method, r.after_field, r.id_field
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resumable_stream_exists_with_matching_fields() {
        check(crate::pb::descriptor_pool()).unwrap();
    }

    #[test]
    fn an_event_carries_the_cursor_as_id_and_the_json_on_one_line() {
        let change = crate::pb::v1::StageChange {
            cursor: 42,
            lead_id: "a\nb".into(),
            ..Default::default()
        };
        let desc = crate::pb::descriptor_pool()
            .get_message_by_name("leadscore.v1.StageChange")
            .unwrap();
        let message =
            DynamicMessage::decode(desc, prost::Message::encode_to_vec(&change).as_slice())
                .unwrap();
        let text = event(&message, Some("cursor"));
        assert_eq!(
            std::str::from_utf8(&text).unwrap(),
            "id: 42\ndata: {\"cursor\":\"42\",\"leadId\":\"a\\nb\"}\n\n"
        );
    }
}
