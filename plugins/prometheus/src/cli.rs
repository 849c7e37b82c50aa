//! The `vcli prom` command tree, and the dispatch from its matches to the commands.

use std::io::Write;

use clap::{Arg, ArgAction, ArgMatches, Command};
use vcli_plugin_api::{Output, PluginError};

use crate::client::Api;
use crate::config::{DEFAULT_TIMEOUT, URL_ENV, parse_duration};
use crate::error::PromError;
use crate::format::OutputFormat;
use crate::model::ViewState;
use crate::{Runtime, labels, query, rules, status, targets, time};

/// Where the async commands write: `Send`, so the command future is.
pub(crate) type Out = dyn Write + Send;

/// What every subcommand needs: the server, the output settings and one
/// `now` for all relative times and ages of the invocation.
#[derive(Debug)]
pub(crate) struct Invocation<'a> {
    pub(crate) api: Api,
    pub(crate) format: OutputFormat,
    pub(crate) color: bool,
    pub(crate) width: Option<u16>,
    pub(crate) now: f64,
    pub(crate) views: &'a ViewState,
}

// Time flags take relative values like `-1h`; without allow_hyphen_values
// clap would read them as unknown flags.
const TIME_HELP: &str = "RFC 3339, unix seconds, now, or relative like -1h / now-30m";

fn expr() -> Arg {
    Arg::new("expr")
        .value_name("EXPR")
        .required(true)
        .help("PromQL expression")
}

/// The `prom` subcommand tree.
pub(crate) fn command() -> Command {
    Command::new("prom")
        .about("Query Prometheus: PromQL, targets, alerts, rules and server status")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("url")
                .long("url")
                .global(true)
                .value_name("URL")
                .help(format!("Prometheus base URL [default: config url, then ${URL_ENV}, then http://localhost:9090]")),
        )
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .global(true)
                .value_name("DURATION")
                .help("Give up after waiting this long for the server, retries included [default: config timeout, then 30s]"),
        )
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .global(true)
                .value_name("FORMAT")
                .value_parser(clap::value_parser!(OutputFormat))
                .default_value("table")
                .help("Output format"),
        )
        .subcommand(
            Command::new("query")
                .about("Evaluate an instant query")
                .arg(expr())
                .arg(Arg::new("time").long("time").value_name("TIME").allow_hyphen_values(true).help(format!("Evaluation time: {TIME_HELP} [default: now]"))),
        )
        .subcommand(
            Command::new("range")
                .about("Evaluate a range query; --graph draws it")
                .arg(expr())
                .arg(Arg::new("start").long("start").value_name("TIME").allow_hyphen_values(true).help(format!("Start: {TIME_HELP}")))
                .arg(Arg::new("end").long("end").value_name("TIME").allow_hyphen_values(true).help(format!("End: {TIME_HELP} [default: now]")))
                .arg(
                    Arg::new("since")
                        .long("since")
                        .value_name("DURATION")
                        .conflicts_with("start")
                        .help("Start this long before --end, e.g. 1h [default: 1h when --start is absent]"),
                )
                .arg(
                    Arg::new("step")
                        .long("step")
                        .value_name("DURATION")
                        .help("Resolution, e.g. 15s or 60 [default: about 250 points over the range]"),
                )
                .arg(Arg::new("graph").long("graph").action(ArgAction::SetTrue).help("Draw a line chart instead of a table")),
        )
        .subcommand(
            Command::new("targets")
                .about("List scrape targets with their health and last error")
                .arg(
                    Arg::new("state")
                        .long("state")
                        .value_parser(["active", "dropped"])
                        .default_value("active")
                        .help("Which targets"),
                )
                .arg(Arg::new("health").long("health").value_parser(["up", "down", "unknown"]).help("Only targets in this health")),
        )
        .subcommand(
            Command::new("alerts")
                .about("List firing and pending alerts")
                .arg(Arg::new("state").long("state").value_parser(["firing", "pending"]).help("Only alerts in this state")),
        )
        .subcommand(
            Command::new("rules")
                .about("List rule groups and their rules' health")
                .arg(Arg::new("type").long("type").value_parser(["alerting", "recording"]).help("Only rules of this type")),
        )
        .subcommand(Command::new("labels").about("List label names"))
        .subcommand(
            Command::new("label-values")
                .about("List the values of a label")
                .arg(Arg::new("name").value_name("NAME").required(true).help("Label name, e.g. job")),
        )
        .subcommand(
            Command::new("series").about("List the series matching selectors").arg(
                Arg::new("matcher")
                    .value_name("MATCHER")
                    .required(true)
                    .num_args(1..)
                    .help("Series selector, e.g. 'up{job=\"node\"}'; several are OR-ed"),
            ),
        )
        .subcommand(Command::new("status").about("Show build information, runtime and TSDB head statistics"))
}

/// Runs the subcommand in `matches` (the matches of `prom` itself).
pub(crate) async fn run(
    runtime: &Runtime,
    views: &ViewState,
    matches: &ArgMatches,
    out: &mut Output,
) -> Result<(), PluginError> {
    let Some((name, sub)) = matches.subcommand() else {
        return Err(PluginError::Usage(
            "missing subcommand; see `vcli prom --help`".to_owned(),
        ));
    };
    let style = out.style();
    let invocation = Invocation {
        api: api_for(runtime, sub)?,
        format: sub
            .get_one::<OutputFormat>("output")
            .copied()
            .unwrap_or_default(),
        color: style.color,
        width: style.width,
        now: time::now(),
        views,
    };
    let out: &mut Out = out;
    let result = match name {
        "query" => query::run_instant(&invocation, sub, out).await,
        "range" => query::run_range(&invocation, sub, out).await,
        "targets" => targets::run(&invocation, sub, out).await,
        "alerts" => rules::run_alerts(&invocation, sub, out).await,
        "rules" => rules::run_rules(&invocation, sub, out).await,
        "labels" => labels::run_labels(&invocation, sub, out).await,
        "label-values" => labels::run_label_values(&invocation, sub, out).await,
        "series" => labels::run_series(&invocation, sub, out).await,
        "status" => status::run(&invocation, sub, out).await,
        other => Err(PromError::Usage(format!(
            "unknown subcommand {other:?}; see `vcli prom --help`"
        ))),
    };
    result.map_err(PluginError::from)
}

/// The server for this invocation: `--url` and `--timeout` override what
/// `initialize` prepared from the configuration.
fn api_for(runtime: &Runtime, m: &ArgMatches) -> Result<Api, PromError> {
    let timeout = match m.get_one::<String>("timeout") {
        Some(text) => {
            parse_duration(text).map_err(|e| PromError::Usage(format!("invalid --timeout: {e}")))?
        }
        None => runtime.settings.timeout.unwrap_or(DEFAULT_TIMEOUT),
    };
    match m.get_one::<String>("url") {
        // `--url` beats the configuration and the environment, which
        // `initialize` already resolved into `runtime.api`.
        Some(url) => runtime.connector.api(url, timeout),
        None => Ok(runtime.api.clone().with_timeout(timeout)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_is_valid_and_globals_propagate() {
        command().debug_assert();
        let m = command()
            .try_get_matches_from(["prom", "query", "up", "-o", "json", "--url", "http://x:1"])
            .unwrap();
        let (name, sub) = m.subcommand().unwrap();
        assert_eq!(name, "query");
        assert_eq!(
            sub.get_one::<OutputFormat>("output"),
            Some(&OutputFormat::Json)
        );
        assert_eq!(
            sub.get_one::<String>("url").map(String::as_str),
            Some("http://x:1")
        );
        let m = command()
            .try_get_matches_from(["prom", "range", "up", "--start", "-1h", "--end", "-5m"])
            .unwrap();
        assert_eq!(
            m.subcommand()
                .unwrap()
                .1
                .get_one::<String>("start")
                .map(String::as_str),
            Some("-1h")
        );
        let m = command()
            .try_get_matches_from(["prom", "-o", "yaml", "targets"])
            .unwrap();
        assert_eq!(
            m.subcommand().unwrap().1.get_one::<OutputFormat>("output"),
            Some(&OutputFormat::Yaml)
        );
    }

    #[test]
    fn flag_mistakes_are_caught_by_clap() {
        assert!(
            command()
                .try_get_matches_from(["prom", "range", "up", "--since", "1h", "--start", "-2h"])
                .is_err()
        );
        assert!(
            command()
                .try_get_matches_from(["prom", "targets", "--health", "sideways"])
                .is_err()
        );
        assert!(command().try_get_matches_from(["prom", "series"]).is_err());
        assert!(
            command()
                .try_get_matches_from(["prom", "query", "up", "-o", "xml"])
                .is_err()
        );
    }
}
