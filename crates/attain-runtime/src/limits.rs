//! Oversized messages: tonic refuses them with OUT_OF_RANGE, but gRPC's own guidance and our
//! API conventions say RESOURCE_EXHAUSTED (a limit was hit, not a value out of its range).
//! A request that is not a valid protobuf message of its method (random bytes, a wrong wire
//! type) tonic refuses with INTERNAL, though the fault is the caller's: INVALID_ARGUMENT.
//! This layer rewrites exactly those refusals on their way out.

use std::task::{Context, Poll};

use futures::future::BoxFuture;
use http::HeaderValue;
use tonic::body::Body;
use tower::{Layer, Service};

/// tonic's wording for a message over the size limit.
const TOO_LARGE: &str = "message length too large";

/// tonic's wording for a request that does not decode.
const UNDECODABLE: &str = "failed to decode Protobuf message";

/// What a caller is told instead of the decoder's own words.
pub const NOT_A_MESSAGE: &str = "the request is not a valid protobuf message of this method's request type";

/// Whether a status is tonic's refusal of an oversized message.
pub fn is_too_large(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::OutOfRange && status.message().contains(TOO_LARGE)
}

/// Whether a status is tonic's refusal of a message that does not decode.
pub fn is_undecodable(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::Internal && status.message().starts_with(UNDECODABLE)
}

#[derive(Clone, Default)]
pub struct MessageLimitLayer;

impl<S> Layer<S> for MessageLimitLayer {
    type Service = MessageLimit<S>;
    fn layer(&self, inner: S) -> Self::Service {
        MessageLimit { inner }
    }
}

#[derive(Clone)]
pub struct MessageLimit<S> {
    inner: S,
}

impl<S, B> Service<http::Request<B>> for MessageLimit<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let call = self.inner.call(req);
        Box::pin(async move {
            let mut response = call.await?;
            // A refused request has no body: its status travels in the headers.
            let headers = response.headers_mut();
            let too_large = headers.get("grpc-status").is_some_and(|s| s == "11")
                && headers
                    .get("grpc-message")
                    .and_then(|m| m.to_str().ok())
                    .is_some_and(|m| m.contains("message%20length%20too%20large") || m.contains(TOO_LARGE));
            if too_large {
                headers.insert("grpc-status", HeaderValue::from_static("8"));
            }
            let undecodable = headers.get("grpc-status").is_some_and(|s| s == "13")
                && headers
                    .get("grpc-message")
                    .and_then(|m| m.to_str().ok())
                    .is_some_and(|m| {
                        m.starts_with("failed%20to%20decode%20Protobuf%20message") || m.starts_with(UNDECODABLE)
                    });
            if undecodable {
                headers.insert("grpc-status", HeaderValue::from_static("3"));
                let message = NOT_A_MESSAGE.replace(' ', "%20");
                if let Ok(value) = HeaderValue::from_str(&message) {
                    headers.insert("grpc-message", value);
                }
            }
            Ok(response)
        })
    }
}
