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
