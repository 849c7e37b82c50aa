//! Building and sending a request: the endpoint's URL under the base URL,
//! the operator's headers, bounded retry of what is safe to repeat, and the
//! overall timeout.

use std::time::{Duration, Instant};

use http::header::{CONTENT_TYPE, HeaderMap};
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Empty};
use url::Url;
use vcli_plugin_api::print::{Backoff, Retry};

use super::{Answered, Api, Params};
use crate::answer::{Reply, is_query_timeout};
use crate::error::PromError;

/// A request whose failure is safe to retry is tried 3 times in all, 100 ms
/// before the second try, doubling before each further one.
const RETRY: Retry = Retry::new(3, Backoff::doubling(Duration::from_millis(100)));

impl Api {
    /// One attempt, no retry, within the timeout; for the health check,
    /// which must report what the server does now.
    pub(crate) async fn probe(&self, path: &str) -> Result<(Reply, Duration), PromError> {
        let started = Instant::now();
        let answered = tokio::time::timeout(self.timeout, self.send_once(path, &Vec::new(), false))
            .await
            .map_err(|_| self.timed_out())??;
        let left = self.timeout.saturating_sub(started.elapsed());
        let reply = self.whole(answered, left).await?;
        Ok((reply, started.elapsed()))
    }

    /// Sends with bounded retry (only when nothing reached the server or it
    /// answered 503 for a reason other than a query timeout), all within the
    /// overall timeout, which returns with what is left of it. With `split`,
    /// the body of a 2xx JSON answer is left to read as it arrives.
    pub(super) async fn send(
        &self,
        path: &str,
        params: &Params,
        split: bool,
    ) -> Result<(Answered, Duration), PromError> {
        let started = Instant::now();
        let attempts = RETRY.run(
            || self.send_once(path, params, split),
            |outcome| match outcome {
                Ok(Answered::Whole(reply)) => {
                    reply.status == StatusCode::SERVICE_UNAVAILABLE && !is_query_timeout(reply)
                }
                Ok(Answered::Split { .. }) => false,
                Err(e) => e.is_retryable(),
            },
        );
        let answered = tokio::time::timeout(self.timeout, attempts)
            .await
            .map_err(|_| self.timed_out())??;
        Ok((answered, self.timeout.saturating_sub(started.elapsed())))
    }

    async fn send_once(
        &self,
        path: &str,
        params: &Params,
        split: bool,
    ) -> Result<Answered, PromError> {
        let url = endpoint(&self.base, path, params);
        let uri = Uri::try_from(url.as_str())
            .map_err(|e| PromError::Usage(format!("cannot build the request for {url}: {e}")))?;
        let mut request = Request::new(Empty::new());
        *request.uri_mut() = uri;
        *request.headers_mut() = HeaderMap::clone(&self.headers);
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| self.send_error(e))?;
        let status = response.status();
        let json = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if split && json && status.is_success() {
            return Ok(Answered::Split {
                status,
                body: response.into_body(),
            });
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.broken(e))?
            .to_bytes();
        Ok(Answered::Whole(Reply {
            status,
            json,
            body: body.into(),
        }))
    }
}

/// `base` + `path` + `params`, keeping a base path such as `/prometheus`
/// (as `prometheus_http_query` does for its own requests). Parameters are
/// form-encoded, as Prometheus expects; no parameters, no `?`.
fn endpoint(base: &Url, path: &str, params: &Params) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    if !params.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_base_path_and_encode_parameters() {
        let base = Url::parse("http://h:9090/prom/").unwrap();
        assert_eq!(
            endpoint(&base, "api/v1/query", &Vec::new()).as_str(),
            "http://h:9090/prom/api/v1/query"
        );
        let base = Url::parse("http://h:9090").unwrap();
        assert_eq!(
            endpoint(&base, "-/ready", &Vec::new()).as_str(),
            "http://h:9090/-/ready"
        );
        let params = vec![
            ("query", "sum by (job) (rate(x{a=\"b&c\"}[5m]))".to_owned()),
            ("match[]", "up".to_owned()),
            ("match[]", "go_info".to_owned()),
        ];
        assert_eq!(
            endpoint(&base, "api/v1/query", &params).as_str(),
            "http://h:9090/api/v1/query?query=sum+by+%28job%29+%28rate%28x%7Ba%3D%22b%26c%22%7D%5B5m%5D%29%29\
             &match%5B%5D=up&match%5B%5D=go_info"
        );
    }
}
