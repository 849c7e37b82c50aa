//! Column definitions of the types beyond the first few (`columns.rs`): configuration and
//! storage, the other workload controllers, ingresses, CustomResourceDefinitions (the
//! apiextensions server's default table) and the custom resource (its CRD's
//! `additionalPrinterColumns`).

use serde_json::{Value, json};

use crate::columns::{AGE, Column, NAME, render};
use crate::resources::ResourceKind;

const CONTAINERS: Column = (
    "Containers",
    "string",
    1,
    "Names of each container in the template.",
);
const IMAGES: Column = (
    "Images",
    "string",
    1,
    "Images referenced by each container in the template.",
);

/// The column definitions of `kind`, as JSON.
pub(crate) fn columns(kind: ResourceKind) -> Value {
    let columns: &[Column] = match kind {
        ResourceKind::ConfigMaps => &[
            NAME,
            (
                "Data",
                "string",
                0,
                "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
            ),
            AGE,
        ],
        ResourceKind::Secrets => &[
            NAME,
            (
                "Type",
                "string",
                0,
                "Used to facilitate programmatic handling of secret data.",
            ),
            (
                "Data",
                "string",
                0,
                "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
            ),
            AGE,
        ],
        ResourceKind::PersistentVolumeClaims => &[
            NAME,
            (
                "Status",
                "string",
                0,
                "phase represents the current phase of PersistentVolumeClaim.",
            ),
            (
                "Volume",
                "string",
                0,
                "volumeName is the binding reference to the PersistentVolume backing this claim.",
            ),
            (
                "Capacity",
                "string",
                0,
                "capacity represents the actual resources of the underlying volume.",
            ),
            (
                "Access Modes",
                "string",
                0,
                "accessModes contains the actual access modes the volume backing the PVC has.",
            ),
            ("StorageClass", "string", 0, "StorageClass of the pvc"),
            (
                "VolumeAttributesClass",
                "string",
                0,
                "VolumeAttributesClass of the pvc",
            ),
            AGE,
            (
                "VolumeMode",
                "string",
                1,
                "volumeMode defines what type of volume is required by the claim.",
            ),
        ],
        ResourceKind::StatefulSets => &[
            NAME,
            ("Ready", "string", 0, "Number of the pod with ready state"),
            AGE,
            CONTAINERS,
            IMAGES,
        ],
        ResourceKind::DaemonSets => &[
            NAME,
            (
                "Desired",
                "integer",
                0,
                "The total number of nodes that should be running the daemon pod.",
            ),
            (
                "Current",
                "integer",
                0,
                "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
            ),
            (
                "Ready",
                "integer",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
            ),
            (
                "Up-to-date",
                "integer",
                0,
                "The total number of nodes that are running updated daemon pod",
            ),
            (
                "Available",
                "integer",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
            ),
            (
                "Node Selector",
                "string",
                0,
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            AGE,
            CONTAINERS,
            IMAGES,
            (
                "Selector",
                "string",
                1,
                "A label query over pods that are managed by the daemon set.",
            ),
        ],
        ResourceKind::Jobs => &[
            NAME,
            ("Status", "string", 0, "Status of the job."),
            (
                "Completions",
                "string",
                0,
                "The number of pods which reached phase Succeeded.",
            ),
            (
                "Duration",
                "string",
                0,
                "Time required to complete the job.",
            ),
            AGE,
            CONTAINERS,
            IMAGES,
            (
                "Selector",
                "string",
                1,
                "A label query over pods that should match the pod count.",
            ),
        ],
        ResourceKind::CronJobs => &[
            NAME,
            (
                "Schedule",
                "string",
                0,
                "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
            ),
            (
                "Timezone",
                "string",
                0,
                "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.",
            ),
            (
                "Suspend",
                "boolean",
                0,
                "This flag tells the controller to suspend subsequent executions.",
            ),
            (
                "Active",
                "integer",
                0,
                "A list of pointers to currently running jobs.",
            ),
            (
                "Last Schedule",
                "string",
                0,
                "Information when was the last time the job was successfully scheduled.",
            ),
            AGE,
            CONTAINERS,
            IMAGES,
            (
                "Selector",
                "string",
                1,
                "A label query over pods that should match the pod count.",
            ),
        ],
        ResourceKind::Ingresses => &[
            NAME,
            (
                "Class",
                "string",
                0,
                "The name of the IngressClass resource that should be used for additional configuration",
            ),
            (
                "Hosts",
                "string",
                0,
                "Hosts that incoming requests are matched against before the ingress rule",
            ),
            (
                "Address",
                "string",
                0,
                "Address is a list containing ingress points for the load-balancer",
            ),
            (
                "Ports",
                "string",
                0,
                "Ports of TLS configurations that open",
            ),
            AGE,
        ],
        // The apiextensions server has no printer of its own for CRDs: its default table.
        ResourceKind::CustomResourceDefinitions => &[
            NAME,
            (
                "Created At",
                "date",
                0,
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
        ],
        ResourceKind::Widgets => return widget_columns(),
        _ => &[],
    };
    render(columns)
}

/// Name, then the CRD's `additionalPrinterColumns` as the apiextensions server turns them
/// into column definitions.
fn widget_columns() -> Value {
    let mut columns = vec![json!({
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": NAME.3,
        "priority": 0,
    })];
    for c in crate::widget::printer_columns() {
        let description = c.description.clone().unwrap_or_else(|| {
            format!(
                "Custom resource definition column (in JSONPath format): {}",
                c.json_path
            )
        });
        columns.push(json!({
            "name": c.name,
            "type": c.type_,
            "format": c.format.clone().unwrap_or_default(),
            "description": description,
            "priority": c.priority.unwrap_or(0),
        }));
    }
    Value::Array(columns)
}
