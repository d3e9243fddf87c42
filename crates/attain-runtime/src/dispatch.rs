//! The gRPC layer of a service as a table: each RPC names the function holding its rule, and
//! [`rpcs!`](crate::rpcs) writes the tonic trait around it. Every method does the same three
//! things, so they are written once: build the request context ([`crate::Ctx::of`]), call
//! `rule(api, &ctx, request)`, and turn its `ApiResult` into a response or a status.

/// Implements a tonic service trait from a table of `method(Request) -> Response => rule;` rows,
/// where `rule` is an `async fn(&Api, &Ctx, Request) -> ApiResult<Response>`:
///
/// ```ignore
/// attain_runtime::rpcs! {
///     CoachingService for CoachingApi {
///         create_session(CreateSessionRequest) -> CreateSessionResponse => sessions::create;
///     }
/// }
/// ```
#[macro_export]
macro_rules! rpcs {
    ($service:ident for $api:ident { $($method:ident($request:ty) -> $response:ty => $rule:path;)+ }) => {
        #[tonic::async_trait]
        impl $service for $api {
            $(
                async fn $method(
                    &self,
                    request: tonic::Request<$request>,
                ) -> Result<tonic::Response<$response>, tonic::Status> {
                    let ctx = $crate::Ctx::of(&request)?;
                    $rule(self, &ctx, request.into_inner())
                        .await
                        .map(tonic::Response::new)
                        .map_err(tonic::Status::from)
                }
            )+
        }
    };
}

/// A request decoded on the wire side for a use case that checks its caller first. The
/// decoder's refusal (INVALID_ARGUMENT naming the fields) is raised by the use case only after
/// its access check, so a caller who may not make the call at all hears PERMISSION_DENIED
/// whatever their fields say (docs/decisions.md, "typed use cases keep the order of refusals").
/// A use case whose decoding comes first takes its input plainly instead.
pub struct Decoded<T>(crate::ApiResult<T>);

impl<T> Decoded<T> {
    /// The typed input, or the decoder's refusal; call after the access check.
    pub fn get(self) -> crate::ApiResult<T> {
        self.0
    }

    /// The input if it decoded, for what the access check itself needs to know (say, the people
    /// a request names) before the refusal is raised.
    pub fn peek(&self) -> Option<&T> {
        self.0.as_ref().ok()
    }
}

impl<T, E: Into<crate::ApiError>> From<Result<T, E>> for Decoded<T> {
    fn from(decoded: Result<T, E>) -> Self {
        Decoded(decoded.map_err(Into::into))
    }
}
