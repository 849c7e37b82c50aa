//! The `vcli k8s` command tree, with kubectl's flag names.

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};

use crate::settings::{ConnectOptions, parse_timeout};
use vcli_plugin_api::PluginError;

/// `vcli k8s ...`: global connection flags and the subcommands.
pub(crate) fn command() -> Command {
    Command::new("k8s")
        .about("Kubernetes: get, describe and logs as kubectl prints them")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("kubeconfig")
                .long("kubeconfig")
                .global(true)
                .value_name("PATH")
                .help("Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)"),
        )
        .arg(
            Arg::new("context")
                .long("context")
                .global(true)
                .value_name("NAME")
                .help("The kubeconfig context to use"),
        )
        .arg(
            Arg::new("namespace")
                .short('n')
                .long("namespace")
                .global(true)
                .value_name("NAMESPACE")
                .help("The namespace (default: the context's)"),
        )
        .arg(
            Arg::new("request-timeout")
                .long("request-timeout")
                .global(true)
                .value_name("DURATION")
                .help("How long to wait for one answer (e.g. 1s, 2m; 0 waits forever)"),
        )
        .subcommand(Command::new("contexts").about("List the kubeconfig's contexts; * marks the current one"))
        .subcommand(get_command())
        .subcommand(
            Command::new("describe")
                .about("Show details of a pod, deployment, service or node, with its events")
                .arg(Arg::new("resource").required(true).value_name("TYPE").help("pod, deployment, service or node"))
                .arg(Arg::new("name").value_name("NAME").help("The object's name (or TYPE/NAME)")),
        )
        .subcommand(logs_command())
        .subcommand(Command::new("health").about("Check the API server: reachability, latency and version"))
}

fn get_command() -> Command {
    Command::new("get")
        .about("List any resource the server serves, as kubectl prints it")
        .arg(
            Arg::new("resource")
                .required(true)
                .value_name("TYPE")
                .help("A resource type the server serves: plural, singular, short name or kind, optionally with its group (pods, po, deploy, Deployment.apps, cm, crd, widgets.example.com); or TYPE/NAME"),
        )
        .arg(Arg::new("names").value_name("NAME").num_args(0..).help("Only these objects"))
        .arg(
            Arg::new("all-namespaces")
                .short('A')
                .long("all-namespaces")
                .action(ArgAction::SetTrue)
                .help("List across all namespaces"),
        )
        .arg(Arg::new("selector").short('l').long("selector").value_name("SELECTOR").help("Label selector, e.g. app=web,tier!=db"))
        .arg(Arg::new("field-selector").long("field-selector").value_name("SELECTOR").help("Field selector, e.g. status.phase=Running"))
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FORMAT")
                .help("wide, json, yaml, name, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE or custom-columns=HEADER:PATH,..."),
        )
        .arg(Arg::new("no-headers").long("no-headers").action(ArgAction::SetTrue).help("Print tables (and custom columns) without the header row"))
        .arg(Arg::new("show-labels").long("show-labels").action(ArgAction::SetTrue).help("Add a LABELS column with every label (tables only)"))
        .arg(
            Arg::new("label-columns")
                .short('L')
                .long("label-columns")
                .value_name("KEY,...")
                .action(ArgAction::Append)
                .help("Add a column per label key (repeatable, or comma-separated)"),
        )
        .arg(Arg::new("sort-by").long("sort-by").value_name("JSONPATH").help("Sort by a field, e.g. .metadata.name or {.status.startTime}"))
        .arg(
            Arg::new("watch")
                .short('w')
                .long("watch")
                .action(ArgAction::SetTrue)
                .help("After listing, keep printing changes until interrupted"),
        )
        .arg(
            Arg::new("chunk-size")
                .long("chunk-size")
                .value_name("N")
                .value_parser(value_parser!(u32).range(1..))
                .help("Objects per list request (default 500, or page_size from the config)"),
        )
}

fn logs_command() -> Command {
    Command::new("logs")
        .about("Print (or follow) the logs of a pod's containers")
        .arg(
            Arg::new("pod")
                .value_name("POD")
                .help("The pod (or pod/NAME); omit with -l"),
        )
        .arg(
            Arg::new("container")
                .short('c')
                .long("container")
                .value_name("NAME")
                .help("The container"),
        )
        .arg(
            Arg::new("all-containers")
                .long("all-containers")
                .action(ArgAction::SetTrue)
                .conflicts_with("container")
                .help("All containers of the pod(s), init containers first"),
        )
        .arg(
            Arg::new("follow")
                .short('f')
                .long("follow")
                .action(ArgAction::SetTrue)
                .help("Keep streaming new lines"),
        )
        .arg(
            Arg::new("tail")
                .long("tail")
                .value_name("N")
                .allow_negative_numbers(true)
                .value_parser(value_parser!(i64))
                .help("Lines from the end to show (-1: all; 10 with -l)"),
        )
        .arg(
            Arg::new("since")
                .long("since")
                .value_name("DURATION")
                // `-5s` is a value, which kubectl refuses once it has read it.
                .allow_hyphen_values(true)
                .help("Only lines newer than this, e.g. 5s, 2m, 1h30m (ns, us, ms, s, m, h)"),
        )
        .arg(
            Arg::new("timestamps")
                .long("timestamps")
                .action(ArgAction::SetTrue)
                .help("Prefix each line with its RFC 3339 timestamp"),
        )
        .arg(
            Arg::new("previous")
                .short('p')
                .long("previous")
                .action(ArgAction::SetTrue)
                .help("The previous, terminated instance of the container"),
        )
        .arg(
            Arg::new("selector")
                .short('l')
                .long("selector")
                .value_name("SELECTOR")
                .help("All pods matching this label selector"),
        )
        .arg(
            Arg::new("prefix")
                .long("prefix")
                .action(ArgAction::SetTrue)
                .help("Prefix lines with [pod/NAME/CONTAINER] (always on with -l)"),
        )
        .arg(
            Arg::new("max-log-requests")
                .long("max-log-requests")
                .value_name("N")
                .value_parser(value_parser!(usize))
                .default_value("5")
                .help("Most concurrent streams -f opens with -l"),
        )
        .arg(
            Arg::new("buffer-lines")
                .long("buffer-lines")
                .value_name("N")
                .value_parser(value_parser!(u64).range(1..))
                .hide(true)
                .help(
                    "Lines held between the readers and the writer before the oldest are dropped",
                ),
        )
        .group(
            clap::ArgGroup::new("target")
                .args(["pod", "selector"])
                .required(true),
        )
}

/// Applies the global flags in `matches` over the configured `base` options.
///
/// # Errors
///
/// A usage error for an unparsable `--request-timeout`.
pub(crate) fn connect_options(
    matches: &ArgMatches,
    base: &ConnectOptions,
) -> Result<ConnectOptions, PluginError> {
    let mut options = base.clone();
    if let Some(path) = matches.get_one::<String>("kubeconfig") {
        options.kubeconfig = Some(path.into());
    }
    if let Some(ctx) = matches.get_one::<String>("context") {
        options.context = Some(ctx.clone());
    }
    if let Some(ns) = matches.get_one::<String>("namespace") {
        options.namespace = Some(ns.clone());
    }
    if let Some(t) = matches.get_one::<String>("request-timeout") {
        options.request_timeout =
            parse_timeout(t).map_err(|e| PluginError::Usage(format!("--request-timeout: {e}")))?;
    }
    Ok(options)
}

/// Splits `TYPE/NAME` (as kubectl accepts it) into its parts.
pub(crate) fn split_type_name(text: &str) -> (&str, Option<&str>) {
    match text.split_once('/') {
        Some((kind, name)) => (kind, Some(name)),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn output_values_keep_their_equals_signs() {
        for flag in [
            &["-o", "jsonpath={.a}"][..],
            &["-o=jsonpath={.a}"],
            &["-ojsonpath={.a}"],
            &["--output=jsonpath={.a}"],
        ] {
            let argv: Vec<&str> = ["k8s", "get", "pods"].iter().chain(flag).copied().collect();
            let m = command().try_get_matches_from(argv).unwrap();
            let (_, sub) = m.subcommand().unwrap();
            assert_eq!(
                sub.get_one::<String>("output").map(String::as_str),
                Some("jsonpath={.a}"),
                "{flag:?}"
            );
        }
        let m = command()
            .try_get_matches_from(["k8s", "get", "po", "-L", "a,b", "-L", "c"])
            .unwrap();
        let (_, sub) = m.subcommand().unwrap();
        let labels: Vec<&String> = sub.get_many::<String>("label-columns").unwrap().collect();
        assert_eq!(labels, ["a,b", "c"]);
    }

    #[test]
    fn global_flags_after_the_subcommand() {
        let m = command()
            .try_get_matches_from(["k8s", "get", "po", "-n", "kube-system"])
            .unwrap();
        let (_, sub) = m.subcommand().unwrap();
        let options =
            connect_options(sub, &ConnectOptions::from_settings(&Default::default())).unwrap();
        assert_eq!(options.namespace.as_deref(), Some("kube-system"));
    }
}
