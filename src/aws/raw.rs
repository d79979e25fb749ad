//! The response body exactly as AWS sent it. The SDK's typed findings are not serializable and
//! would lose fields; the body is the API's own JSON, which the same mappers as files read, and
//! which the detail view shows as it came.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Keeps the body of the response to the one request it is attached to.
#[derive(Clone, Debug, Default)]
pub struct Capture {
    body: Arc<Mutex<Option<Vec<u8>>>>,
}

impl Capture {
    /// The captured body as text (JSON APIs answer in UTF-8).
    pub fn text(&self) -> Option<String> {
        let body = self.body.lock().ok()?.take()?;
        String::from_utf8(body).ok()
    }
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "picket raw response capture"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let (Some(bytes), Ok(mut slot)) = (context.response().body().bytes(), self.body.lock()) {
            *slot = Some(bytes.to_vec());
        }
        Ok(())
    }
}
