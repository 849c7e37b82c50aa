//! The pod lens: beside another plugin's view of a pod (or a Deployment),
//! its CPU, memory and restarts from Prometheus as sparklines with current
//! values, and the alerts whose `namespace` and `pod` labels name it. The
//! queries come from `[plugins.prometheus.config.lens]`. The Kubernetes
//! plugin never calls this plugin: the host routes the selection
//! (`Plugin::lens`).

mod draw;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use draw::{LensAlert, LensMetric, LensModel, MetricData, Unit, render_lens};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::{CancellationToken, Redraw, ResourceRef, View};

use crate::client::Api;
use crate::config::{LensQueries, PodMatch, fill};
use crate::error::PromError;
use crate::model::AlertState;
use crate::time::{Window, now};
use crate::{query, rules};

/// How far back the sparklines reach, and their step.
const SPAN: f64 = 30.0 * 60.0;
const STEP: f64 = 60.0;

/// Whom the lens is about: a namespace and one pod or a workload's pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subject {
    namespace: String,
    pods: PodMatch,
    /// The Deployment's name, when the lens is about its pods.
    deployment: Option<String>,
}

impl Subject {
    /// The subject of a lens on `resource`: a Pod, or a Deployment's pods
    /// (`NAME-REPLICASETHASH-PODHASH`); `None` for other kinds.
    pub(crate) fn of(resource: &ResourceRef) -> Option<Subject> {
        let namespace = resource
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        match resource.kind.as_str() {
            "Pod" => Some(Subject {
                namespace,
                pods: PodMatch::Exact(resource.name.clone()),
                deployment: None,
            }),
            "Deployment" => Some(Subject {
                namespace,
                pods: PodMatch::Regex(format!(
                    "{}-[a-z0-9]+-[a-z0-9]+",
                    resource.name.replace('.', "\\.")
                )),
                deployment: Some(resource.name.clone()),
            }),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match (&self.deployment, &self.pods) {
            (Some(name), _) => format!("pods of deployment {}/{name}", self.namespace),
            (None, PodMatch::Exact(pod) | PodMatch::Regex(pod)) => {
                format!("pod {}/{pod}", self.namespace)
            }
        }
    }

    /// Whether an alert with these `namespace` and `pod` labels names the subject.
    fn names(&self, namespace: Option<&str>, pod: Option<&str>) -> bool {
        let (Some(namespace), Some(pod)) = (namespace, pod) else {
            return false;
        };
        if namespace != self.namespace {
            return false;
        }
        match (&self.deployment, &self.pods) {
            (Some(name), _) => pod.strip_prefix(name.as_str()).is_some_and(|rest| {
                let parts: Vec<&str> = rest.split('-').collect();
                parts.len() == 3
                    && parts[0].is_empty()
                    && parts[1..]
                        .iter()
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
            }),
            (None, PodMatch::Exact(name)) => pod == name,
            (None, PodMatch::Regex(_)) => false,
        }
    }
}

/// The lens on one pod or Deployment.
pub(crate) struct PodLens {
    resource: ResourceRef,
    model: Arc<Mutex<LensModel>>,
    /// Ends the refresh task when the host drops the lens.
    _stop: StopOnDrop,
}

/// Cancels its token when dropped.
struct StopOnDrop(CancellationToken);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// What the lens's refresh task needs.
pub(crate) struct LensTask {
    pub(crate) api: Api,
    pub(crate) queries: LensQueries,
    pub(crate) every: Duration,
    pub(crate) redraw: Redraw,
}

impl PodLens {
    /// A lens on `resource` and the task that keeps it current, or `None`
    /// when the kind has no lens or the task cannot be spawned (the plugin
    /// is stopping).
    pub(crate) fn start(
        resource: &ResourceRef,
        task: LensTask,
        spawn: impl FnOnce(futures::future::BoxFuture<'static, ()>) -> bool,
        cancel: &CancellationToken,
    ) -> Option<PodLens> {
        let subject = Subject::of(resource)?;
        let model = Arc::new(Mutex::new(waiting(&subject)));
        let stop = cancel.child_token();
        let refresh = refresh(subject, task, Arc::clone(&model), stop.clone());
        spawn(Box::pin(refresh)).then(|| PodLens {
            resource: resource.clone(),
            model,
            _stop: StopOnDrop(stop),
        })
    }
}

const METRICS: [(&str, Unit); 3] = [
    ("cpu", Unit::Cores),
    ("memory", Unit::Bytes),
    ("restarts", Unit::Count),
];

fn waiting(subject: &Subject) -> LensModel {
    LensModel {
        subject: subject.describe(),
        metrics: METRICS
            .iter()
            .map(|&(label, unit)| LensMetric {
                label: label.to_owned(),
                unit,
                data: MetricData::Waiting,
            })
            .collect(),
        alerts: Vec::new(),
        alerts_known: false,
        error: None,
    }
}

async fn refresh(
    subject: Subject,
    task: LensTask,
    model: Arc<Mutex<LensModel>>,
    stop: CancellationToken,
) {
    let q = &task.queries;
    let queries = [&q.cpu, &q.memory, &q.restarts]
        .map(|template| fill(template, &subject.namespace, &subject.pods));
    loop {
        let end = now();
        let window = Window {
            start: end - SPAN,
            end,
            step: STEP,
        };
        let fetched = tokio::select! {
            () = stop.cancelled() => return,
            r = futures::future::join(
                futures::future::join_all(queries.iter().map(|q| query::fetch_range(&task.api, q, window))),
                rules::fetch_alerts(&task.api),
            ) => r,
        };
        let next = update(&subject, fetched);
        let changed = {
            let mut m = model.lock().unwrap_or_else(PoisonError::into_inner);
            let changed = *m != next;
            *m = next;
            changed
        };
        if changed {
            task.redraw.request();
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(task.every) => {}
        }
    }
}

type Fetched = (
    Vec<Result<crate::results::QueryData, PromError>>,
    Result<Vec<prometheus_http_query::response::Alert>, PromError>,
);

/// The lens's model from one round of answers.
fn update(subject: &Subject, (series, alerts): Fetched) -> LensModel {
    let mut model = waiting(subject);
    let mut errors: Vec<PromError> = Vec::new();
    for (metric, answer) in model.metrics.iter_mut().zip(series) {
        metric.data = match answer {
            Ok(data) => match crate::results::chart_series(&data).first() {
                Some(line) => MetricData::Points(line.points.iter().map(|&(_, v)| v).collect()),
                None => MetricData::NoSeries,
            },
            Err(e) => {
                errors.push(e);
                MetricData::Failed
            }
        };
    }
    match alerts {
        Ok(alerts) => {
            model.alerts_known = true;
            model.alerts = crate::model::convert::alerts(&alerts)
                .into_iter()
                .filter_map(|a| {
                    let (namespace, pod) = a.pod?;
                    subject
                        .names(Some(&namespace), Some(&pod))
                        .then_some(LensAlert {
                            name: a.name,
                            state: a.state,
                            pod,
                            value: a.value,
                        })
                })
                .collect();
            model.alerts.sort_by_key(|a| a.state != AlertState::Firing);
        }
        Err(e) => errors.push(e),
    }
    model.error = errors.first().map(|e| match e {
        PromError::Unreachable { .. } | PromError::Timeout { .. } => format!(
            "{e}: no CPU, memory, restarts or alerts for this pod until Prometheus answers (set url in [plugins.prometheus.config])"
        ),
        other => other.to_string(),
    });
    model
}

impl View for PodLens {
    fn title(&self) -> String {
        format!("Prometheus · {}", self.resource)
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let model = self.model.lock().unwrap_or_else(PoisonError::into_inner);
        render_lens(&model, area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployments_name_their_pods_only() {
        let deployment = ResourceRef::new("Deployment", "nginx").in_namespace("default");
        let subject = Subject::of(&deployment).expect("a deployment has a lens");
        assert!(subject.names(Some("default"), Some("nginx-7c5ddbdf54-x8f9p")));
        assert!(!subject.names(Some("default"), Some("nginx-canary-7c5ddbdf54-x8f9p")));
        assert!(!subject.names(Some("other"), Some("nginx-7c5ddbdf54-x8f9p")));
        assert!(!subject.names(Some("default"), None));
        let pod = ResourceRef::new("Pod", "web-0").in_namespace("shop");
        let subject = Subject::of(&pod).expect("a pod has a lens");
        assert!(subject.names(Some("shop"), Some("web-0")));
        assert!(!subject.names(Some("shop"), Some("web-1")));
        assert_eq!(Subject::of(&ResourceRef::new("Node", "n1")), None);
    }
}
