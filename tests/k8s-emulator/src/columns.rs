//! The column definitions of server-side Tables, per resource type, with the names,
//! priorities and descriptions the API server's printers declare. Priority 1 columns are the
//! ones kubectl shows only with `-o wide`.

use serde_json::{Value, json};

use crate::resources::ResourceKind;

/// One column definition: (name, type, priority, description).
pub(crate) type Column = (&'static str, &'static str, i32, &'static str);

pub(crate) const NAME: Column = (
    "Name",
    "string",
    0,
    "Name must be unique within a namespace.",
);
pub(crate) const AGE: Column = (
    "Age",
    "string",
    0,
    "CreationTimestamp is a timestamp representing the server time when this object was created.",
);

/// The column definitions of a resource type, as JSON.
pub(crate) fn columns(kind: ResourceKind) -> Value {
    let columns: &[Column] = match kind {
        ResourceKind::Pods => &[
            NAME,
            (
                "Ready",
                "string",
                0,
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            (
                "Status",
                "string",
                0,
                "The aggregate status of the containers in this pod.",
            ),
            (
                "Restarts",
                "string",
                0,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            AGE,
            ("IP", "string", 1, "podIP address allocated to the pod."),
            (
                "Node",
                "string",
                1,
                "NodeName indicates in which node this pod is scheduled.",
            ),
            (
                "Nominated Node",
                "string",
                1,
                "nominatedNodeName is set only when this pod preempts other pods on the node.",
            ),
            (
                "Readiness Gates",
                "string",
                1,
                "If specified, all readiness gates will be evaluated for pod readiness.",
            ),
        ],
        ResourceKind::Services => &[
            NAME,
            (
                "Type",
                "string",
                0,
                "type determines how the Service is exposed.",
            ),
            (
                "Cluster-IP",
                "string",
                0,
                "clusterIP is the IP address of the service.",
            ),
            (
                "External-IP",
                "string",
                0,
                "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
            ),
            (
                "Port(s)",
                "string",
                0,
                "The list of ports that are exposed by this service.",
            ),
            AGE,
            (
                "Selector",
                "string",
                1,
                "Route service traffic to pods with label keys and values matching this selector.",
            ),
        ],
        ResourceKind::Namespaces => &[
            NAME,
            ("Status", "string", 0, "The status of the namespace"),
            AGE,
        ],
        ResourceKind::Nodes => &[
            NAME,
            ("Status", "string", 0, "The status of the node"),
            ("Roles", "string", 0, "The roles of the node"),
            AGE,
            (
                "Version",
                "string",
                0,
                "Kubelet Version reported by the node.",
            ),
            (
                "Internal-IP",
                "string",
                1,
                "List of internal IPs of the node.",
            ),
            (
                "External-IP",
                "string",
                1,
                "List of external IPs of the node.",
            ),
            (
                "OS-Image",
                "string",
                1,
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
            ),
            (
                "Kernel-Version",
                "string",
                1,
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            ),
            (
                "Container-Runtime",
                "string",
                1,
                "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            ),
        ],
        ResourceKind::Events => &[
            (
                "Last Seen",
                "string",
                0,
                "The time at which the most recent occurrence of this event was recorded.",
            ),
            (
                "Type",
                "string",
                0,
                "Type of this event (Normal, Warning), new types could be added in the future.",
            ),
            (
                "Reason",
                "string",
                0,
                "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
            ),
            (
                "Object",
                "string",
                0,
                "The object that this event is about.",
            ),
            (
                "Subobject",
                "string",
                1,
                "The field of the object that this event is about.",
            ),
            (
                "Source",
                "string",
                1,
                "The component reporting this event. Should be a short machine understandable string.",
            ),
            (
                "Message",
                "string",
                0,
                "A human-readable description of the status of this operation.",
            ),
            (
                "First Seen",
                "string",
                1,
                "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
            ),
            (
                "Count",
                "string",
                1,
                "The number of times this event has occurred.",
            ),
            (
                "Name",
                "string",
                1,
                "Name must be unique within a namespace.",
            ),
        ],
        ResourceKind::Leases => &[
            NAME,
            (
                "Holder",
                "string",
                0,
                "holderIdentity contains the identity of the holder of a current lease.",
            ),
            AGE,
        ],
        ResourceKind::Deployments => &[
            NAME,
            ("Ready", "string", 0, "Number of the pod with ready state"),
            (
                "Up-to-date",
                "integer",
                0,
                "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
            ),
            (
                "Available",
                "integer",
                0,
                "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
            ),
            AGE,
            (
                "Containers",
                "string",
                1,
                "Names of each container in the template.",
            ),
            (
                "Images",
                "string",
                1,
                "Images referenced by each container in the template.",
            ),
            (
                "Selector",
                "string",
                1,
                "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
            ),
        ],
        ResourceKind::ConfigMaps
        | ResourceKind::Secrets
        | ResourceKind::PersistentVolumeClaims
        | ResourceKind::StatefulSets
        | ResourceKind::DaemonSets
        | ResourceKind::Jobs
        | ResourceKind::CronJobs
        | ResourceKind::Ingresses
        | ResourceKind::CustomResourceDefinitions
        | ResourceKind::Widgets => return crate::columns_more::columns(kind),
        ResourceKind::ReplicaSets => &[
            NAME,
            (
                "Desired",
                "integer",
                0,
                "Replicas is the number of desired replicas.",
            ),
            (
                "Current",
                "integer",
                0,
                "Replicas is the most recently observed number of replicas.",
            ),
            (
                "Ready",
                "integer",
                0,
                "The number of ready replicas for this replica set.",
            ),
            AGE,
            (
                "Containers",
                "string",
                1,
                "Names of each container in the template.",
            ),
            (
                "Images",
                "string",
                1,
                "Images referenced by each container in the template.",
            ),
            (
                "Selector",
                "string",
                1,
                "Selector is a label query over pods that should match the replica count.",
            ),
        ],
    };
    render(columns)
}

/// Column definitions as the Table's `columnDefinitions`.
pub(crate) fn render(columns: &[Column]) -> Value {
    columns
        .iter()
        .map(|&(name, type_, priority, description)| {
            let mut column = json!({"name": name, "type": type_, "format": "", "description": description, "priority": priority});
            if name == "Name" {
                column["format"] = json!("name");
            }
            column
        })
        .collect()
}
