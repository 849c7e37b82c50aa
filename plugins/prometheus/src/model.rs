//! The TUI view's model: plain data, kept current by a background refresh
//! (`model/refresh.rs`), that `view::render` draws. Nothing here touches
//! the terminal or the clock, so a hand-built model always draws the same.

pub(crate) mod convert;
pub(crate) mod refresh;

pub(crate) use refresh::{DEFAULT_EXPR, ViewState, refresh_loop};

/// Everything the Prometheus view shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromModel {
    /// The server's base URL.
    pub url: String,
    /// When the model was last refreshed successfully (unix seconds); ages
    /// are computed against it, so rendering never reads the clock.
    pub updated_at: Option<f64>,
    /// Why the last refresh failed, if it did; older data stays visible.
    pub error: Option<String>,
    /// Active targets grouped by job, jobs with a down target first.
    pub jobs: Vec<JobTargets>,
    /// Firing and pending alerts, firing first, each oldest first.
    pub alerts: Vec<AlertInfo>,
    /// Rule groups as the server evaluates them.
    pub groups: Vec<RuleGroupInfo>,
    /// The query editor's last run and its chart.
    pub query: Option<QueryPanel>,
}

/// One scrape job and its targets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobTargets {
    /// The `job` label (else the scrape pool).
    pub job: String,
    /// The job's targets, down first, then by instance.
    pub targets: Vec<TargetInfo>,
}

impl JobTargets {
    /// How many targets are up.
    pub fn up(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| t.health == Health::Up)
            .count()
    }

    /// How many targets are down.
    pub fn down(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| t.health == Health::Down)
            .count()
    }
}

/// A target's health, as Prometheus reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    /// The last scrape (or evaluation) failed. Sorted first: it needs eyes.
    Down,
    /// Not scraped (or evaluated) yet.
    #[default]
    Unknown,
    /// The last scrape (or evaluation) worked.
    Up,
}

impl Health {
    /// Reads the `Display` form of the library's health types (`up`, `ok`,
    /// `down`, `err`, `unknown`), which are not nameable outside it.
    pub(crate) fn from_text(text: &str) -> Health {
        match text {
            "up" | "ok" => Health::Up,
            "down" | "err" => Health::Down,
            _ => Health::Unknown,
        }
    }

    /// The word shown on screen.
    pub fn word(self) -> &'static str {
        match self {
            Health::Up => "up",
            Health::Down => "down",
            Health::Unknown => "unknown",
        }
    }
}

/// One scrape target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetInfo {
    /// The `instance` label.
    pub instance: String,
    /// Whether the last scrape worked.
    pub health: Health,
    /// When it was last scraped (unix seconds), `None` before the first scrape.
    pub last_scrape: Option<f64>,
    /// How long the last scrape took, in seconds.
    pub duration: f64,
    /// The last scrape's error, empty when it worked.
    pub error: String,
}

/// Whether an alert fires or waits out its `for`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertState {
    /// Firing: sorted first.
    #[default]
    Firing,
    /// Active but not yet for its `for` duration.
    Pending,
}

/// One active alert.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertInfo {
    /// The `alertname` label.
    pub name: String,
    /// Firing or pending.
    pub state: AlertState,
    /// The `severity` label, when there is one.
    pub severity: Option<String>,
    /// The other labels, `k=v,k=v`.
    pub labels: String,
    /// When the alert became active (unix seconds).
    pub active_at: f64,
    /// The value of the alert expression.
    pub value: f64,
    /// The pod the alert names (its `namespace` and `pod` labels), if any:
    /// Enter on the alert shows that pod in the view that has it.
    pub pod: Option<(String, String)>,
}

/// One rule group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleGroupInfo {
    /// The group's name.
    pub name: String,
    /// The file it was loaded from.
    pub file: String,
    /// How long its last evaluation took, in seconds.
    pub evaluation_time: f64,
    /// Its rules, in file order.
    pub rules: Vec<RuleInfo>,
}

/// One recording or alerting rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleInfo {
    /// The recorded series' or the alert's name.
    pub name: String,
    /// Alerting rules: `firing`, `pending` or `inactive`; `None` for recording rules.
    pub state: Option<String>,
    /// Whether the last evaluation worked.
    pub health: Health,
    /// The last evaluation's error, empty when it worked.
    pub last_error: String,
    /// How long the last evaluation took, in seconds.
    pub evaluation_time: f64,
}

/// The query editor's chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPanel {
    /// The PromQL expression the chart shows.
    pub expr: String,
    /// Start of the charted window (unix seconds).
    pub start: f64,
    /// End of the window.
    pub end: f64,
    /// The step between points, in seconds.
    pub step: f64,
    /// The series, at most eight: more would not fit a legend.
    pub series: Vec<ChartSeries>,
    /// How many series the query returned in all.
    pub total_series: usize,
    /// Why the last run failed (bad PromQL, say); the chart above is then
    /// the previous successful one.
    pub error: Option<String>,
}

impl QueryPanel {
    /// The current value: the last sample of the first series.
    pub fn current(&self) -> Option<f64> {
        self.series.first()?.current()
    }
}

/// One line of a chart: a name and `(unix seconds, value)` points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartSeries {
    /// The series' PromQL name, `up{job="x"}`.
    pub name: String,
    /// Finite points only: NaN and infinities cannot be drawn.
    pub points: Vec<(f64, f64)>,
}

impl ChartSeries {
    /// The series' last value.
    pub fn current(&self) -> Option<f64> {
        self.points.last().map(|&(_, v)| v)
    }
}

/// Series kept for the chart; more would not fit a legend or a terminal.
pub(crate) const MAX_CHART_SERIES: usize = 8;
