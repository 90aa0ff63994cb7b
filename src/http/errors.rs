//! A gRPC status as an HTTP answer: the HTTP status grpc-gateway gives each
//! code (its `runtime.HTTPStatusFromCode`), in one exhaustive match, and the
//! body grpc-gateway sends, the proto3 JSON of `google.rpc.Status`:
//! `{"code": 5, "message": "…", "details": []}`. leadscore's services put
//! no details on a status, so `details` is always empty.

use http::StatusCode;
use tonic::{Code, Status};

/// The HTTP status grpc-gateway answers for `code`.
pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        // Client Closed Request, nginx's code, as grpc-gateway uses.
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
        // Not 412: grpc-gateway deliberately keeps it a plain client error.
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The JSON body of `status`.
pub fn body(status: &Status) -> Vec<u8> {
    let json = serde_json::json!({
        "code": status.code() as i32,
        "message": status.message(),
        "details": [],
    });
    json.to_string().into_bytes()
}

/// `status` as a whole HTTP answer.
pub fn response(status: &Status) -> http::Response<tonic::body::Body> {
    let mut builder = http::Response::builder()
        .status(http_status(status.code()))
        .header(http::header::CONTENT_TYPE, "application/json");
    if status.code() == Code::Unauthenticated {
        builder = builder.header(http::header::WWW_AUTHENTICATE, "Bearer");
    }
    let body = tonic::body::Body::new(http_body_util::Full::new(bytes::Bytes::from(body(status))));
    builder
        .body(body)
        .unwrap_or_else(|_| http::Response::new(tonic::body::Body::empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_as_grpc_gateway_maps_them() {
        let table = [
            (Code::Ok, 200),
            (Code::Cancelled, 499),
            (Code::Unknown, 500),
            (Code::InvalidArgument, 400),
            (Code::DeadlineExceeded, 504),
            (Code::NotFound, 404),
            (Code::AlreadyExists, 409),
            (Code::PermissionDenied, 403),
            (Code::ResourceExhausted, 429),
            (Code::FailedPrecondition, 400),
            (Code::Aborted, 409),
            (Code::OutOfRange, 400),
            (Code::Unimplemented, 501),
            (Code::Internal, 500),
            (Code::Unavailable, 503),
            (Code::DataLoss, 500),
            (Code::Unauthenticated, 401),
        ];
        for (code, http) in table {
            assert_eq!(http_status(code).as_u16(), http, "{code:?}");
        }
    }

    #[test]
    fn the_body_is_google_rpc_status_json() {
        let json: serde_json::Value =
            serde_json::from_slice(&body(&Status::not_found("no lead \"x\""))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": 5, "message": "no lead \"x\"", "details": []})
        );
    }
}
