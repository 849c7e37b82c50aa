//! The fields each resource type can be selected on (`fieldSelector`), as the API server
//! registers them, and their values for a stored object.

use crate::resources::{Object, ResourceKind};

/// The fields each resource type can be selected on, as the API server registers them.
pub(crate) fn supported_fields(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Pods => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ResourceKind::Events => &[
            "metadata.name",
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ResourceKind::Services => &[
            "metadata.name",
            "metadata.namespace",
            "spec.clusterIP",
            "spec.type",
        ],
        ResourceKind::Namespaces => &["metadata.name", "status.phase"],
        ResourceKind::Nodes => &["metadata.name", "spec.unschedulable"],
        ResourceKind::ReplicaSets => &["metadata.name", "metadata.namespace", "status.replicas"],
        ResourceKind::Secrets => &["metadata.name", "metadata.namespace", "type"],
        ResourceKind::Jobs => &["metadata.name", "metadata.namespace", "status.successful"],
        ResourceKind::CustomResourceDefinitions => &["metadata.name"],
        ResourceKind::Deployments
        | ResourceKind::Leases
        | ResourceKind::ConfigMaps
        | ResourceKind::PersistentVolumeClaims
        | ResourceKind::StatefulSets
        | ResourceKind::DaemonSets
        | ResourceKind::CronJobs
        | ResourceKind::Ingresses
        | ResourceKind::Widgets => &["metadata.name", "metadata.namespace"],
    }
}

/// The selectable field values of an object (missing values are empty strings).
pub(crate) fn fields_of(object: &Object) -> Vec<(&'static str, String)> {
    let meta = object.metadata();
    let s = |v: Option<&String>| v.cloned().unwrap_or_default();
    let mut fields = vec![("metadata.name", s(meta.name.as_ref()))];
    if object.kind().namespaced() {
        fields.push(("metadata.namespace", s(meta.namespace.as_ref())));
    }
    match object {
        Object::Pod(pod) => {
            let spec = pod.spec.as_ref();
            let status = pod.status.as_ref();
            fields.extend([
                ("spec.nodeName", s(spec.and_then(|x| x.node_name.as_ref()))),
                (
                    "spec.restartPolicy",
                    s(spec.and_then(|x| x.restart_policy.as_ref())),
                ),
                (
                    "spec.schedulerName",
                    s(spec.and_then(|x| x.scheduler_name.as_ref())),
                ),
                (
                    "spec.serviceAccountName",
                    s(spec.and_then(|x| x.service_account_name.as_ref())),
                ),
                (
                    "spec.hostNetwork",
                    spec.and_then(|x| x.host_network)
                        .unwrap_or(false)
                        .to_string(),
                ),
                ("status.phase", s(status.and_then(|x| x.phase.as_ref()))),
                ("status.podIP", s(status.and_then(|x| x.pod_ip.as_ref()))),
                (
                    "status.nominatedNodeName",
                    s(status.and_then(|x| x.nominated_node_name.as_ref())),
                ),
            ]);
        }
        Object::Event(event) => {
            let io = &event.involved_object;
            fields.extend([
                ("involvedObject.kind", s(io.kind.as_ref())),
                ("involvedObject.namespace", s(io.namespace.as_ref())),
                ("involvedObject.name", s(io.name.as_ref())),
                ("involvedObject.uid", s(io.uid.as_ref())),
                ("involvedObject.apiVersion", s(io.api_version.as_ref())),
                (
                    "involvedObject.resourceVersion",
                    s(io.resource_version.as_ref()),
                ),
                ("involvedObject.fieldPath", s(io.field_path.as_ref())),
                ("reason", s(event.reason.as_ref())),
                ("reportingComponent", s(event.reporting_component.as_ref())),
                (
                    "source",
                    s(event.source.as_ref().and_then(|x| x.component.as_ref())),
                ),
                ("type", s(event.type_.as_ref())),
            ]);
        }
        Object::Service(svc) => {
            let spec = svc.spec.as_ref();
            fields.extend([
                (
                    "spec.clusterIP",
                    s(spec.and_then(|x| x.cluster_ip.as_ref())),
                ),
                ("spec.type", s(spec.and_then(|x| x.type_.as_ref()))),
            ]);
        }
        Object::Namespace(ns) => {
            fields.push((
                "status.phase",
                s(ns.status.as_ref().and_then(|x| x.phase.as_ref())),
            ));
        }
        Object::Node(node) => {
            let unschedulable = node
                .spec
                .as_ref()
                .and_then(|x| x.unschedulable)
                .unwrap_or(false);
            fields.push(("spec.unschedulable", unschedulable.to_string()));
        }
        Object::ReplicaSet(rs) => {
            let replicas = rs.status.as_ref().map_or(0, |x| x.replicas);
            fields.push(("status.replicas", replicas.to_string()));
        }
        Object::Secret(secret) => {
            fields.push(("type", s(secret.type_.as_ref())));
        }
        Object::Job(job) => {
            let succeeded = job.status.as_ref().and_then(|x| x.succeeded).unwrap_or(0);
            fields.push(("status.successful", succeeded.to_string()));
        }
        Object::Deployment(_)
        | Object::Lease(_)
        | Object::ConfigMap(_)
        | Object::PersistentVolumeClaim(_)
        | Object::StatefulSet(_)
        | Object::DaemonSet(_)
        | Object::CronJob(_)
        | Object::Ingress(_)
        | Object::CustomResourceDefinition(_)
        | Object::Widget(_) => {}
    }
    fields
}
