//! How the `attain` commands and the dev tools (demo data, benchmarks) call the services this
//! crate runs: channels to them and requests that carry the caller's credential. Kept beside the
//! services rather than in the binary so that the CLI and `attain-devtools` share one copy
//! without either depending on the other.

use anyhow::Context;
use tonic::{Request, transport::Channel};

/// A channel that connects on first use, so a bad address fails with the call that needs it.
pub fn channel(url: &str) -> anyhow::Result<Channel> {
    Ok(Channel::from_shared(url.to_string())
        .with_context(|| format!("\"{url}\" is not a URL"))?
        .connect_lazy())
}

/// `message` with `authorization: Bearer <credential>`.
pub fn authorized<T>(message: T, credential: &str) -> anyhow::Result<Request<T>> {
    let mut request = Request::new(message);
    let value = format!("Bearer {credential}")
        .parse()
        .context("the API key is not valid header text")?;
    request.metadata_mut().insert("authorization", value);
    Ok(request)
}
