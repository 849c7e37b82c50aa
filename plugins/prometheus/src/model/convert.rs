//! From the server's answers to the model's rows, sorted the way an
//! operator reads them: what is broken first.

use std::collections::BTreeMap;

use prometheus_http_query::response::{ActiveTarget, Alert};

use super::{AlertInfo, AlertState, Health, JobTargets, RuleGroupInfo, RuleInfo, TargetInfo};
use crate::format::{label_list, sorted};
use crate::rules::{GroupRow, unix};
use crate::targets::job_of;

/// Active targets grouped by job: jobs with a down target first, then by
/// name; within a job, down targets first, then by instance.
pub(crate) fn jobs(active: &[ActiveTarget]) -> Vec<JobTargets> {
    let mut by_job: BTreeMap<String, Vec<TargetInfo>> = BTreeMap::new();
    for target in active {
        // Prometheus reports a target it has not scraped yet with the zero
        // time (year 1), which is before the epoch.
        let last = Some(unix(target.last_scrape())).filter(|&s| s > 0.0);
        by_job.entry(job_of(target)).or_default().push(TargetInfo {
            instance: target
                .labels()
                .get("instance")
                .cloned()
                .unwrap_or_else(|| target.scrape_url().to_string()),
            health: Health::from_text(&target.health().to_string()),
            last_scrape: last,
            duration: target.last_scrape_duration(),
            error: target.last_error().to_owned(),
        });
    }
    let mut jobs: Vec<JobTargets> = by_job
        .into_iter()
        .map(|(job, mut targets)| {
            targets.sort_by(|a, b| {
                a.health
                    .cmp(&b.health)
                    .then_with(|| a.instance.cmp(&b.instance))
            });
            JobTargets { job, targets }
        })
        .collect();
    // A stable sort keeps the names in order within each half.
    jobs.sort_by_key(|j| j.down() == 0);
    jobs
}

/// Firing and pending alerts: firing first, each oldest first.
pub(crate) fn alerts(active: &[Alert]) -> Vec<AlertInfo> {
    let mut alerts: Vec<AlertInfo> = active
        .iter()
        .filter_map(|a| {
            let state = if a.state().is_firing() {
                AlertState::Firing
            } else if a.state().is_pending() {
                AlertState::Pending
            } else {
                return None;
            };
            let labels = sorted(a.labels());
            Some(AlertInfo {
                name: labels.get("alertname").cloned().unwrap_or_default(),
                state,
                severity: labels.get("severity").cloned(),
                labels: label_list(&labels, &["alertname", "severity"]),
                active_at: unix(a.active_at()),
                value: a.value(),
                pod: labels
                    .get("namespace")
                    .zip(labels.get("pod"))
                    .map(|(ns, pod)| (ns.clone(), pod.clone())),
            })
        })
        .collect();
    alerts.sort_by(|a, b| {
        a.state
            .cmp(&b.state)
            .then_with(|| a.active_at.total_cmp(&b.active_at))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.labels.cmp(&b.labels))
    });
    alerts
}

/// Rule groups in the server's order, each rule with its health and error.
pub(crate) fn groups(rows: &[GroupRow]) -> Vec<RuleGroupInfo> {
    rows.iter()
        .map(|g| RuleGroupInfo {
            name: g.name.clone(),
            file: g.file.clone(),
            evaluation_time: g.evaluation_time,
            rules: g
                .rules
                .iter()
                .map(|r| RuleInfo {
                    name: r.name.clone(),
                    state: r.state.clone(),
                    health: Health::from_text(&r.health),
                    last_error: r.last_error.clone(),
                    evaluation_time: r.evaluation_time,
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_words_of_targets_and_rules() {
        assert_eq!(Health::from_text("up"), Health::Up);
        assert_eq!(Health::from_text("ok"), Health::Up);
        assert_eq!(Health::from_text("down"), Health::Down);
        assert_eq!(Health::from_text("err"), Health::Down);
        assert_eq!(Health::from_text("unknown"), Health::Unknown);
        assert!(Health::Down < Health::Unknown && Health::Unknown < Health::Up);
    }
}
