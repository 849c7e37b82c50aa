//! The TUI view: a header with context, namespace, server version and
//! connection, counts by state, and a scrollable, filterable pod table.
//!
//! [`render`] is a pure function of the model and the view state, and lays
//! out only the rows that fit on screen, so a 10,000-pod model draws in
//! well under the frame budget (see `benches/view.rs`).

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Color, Modifier, Style};
use vcli_plugin_api::{Intent, Key, KeyHint, KeyOutcome, ResourceRef, View, ViewEvent};

use crate::detail::{Detail, DetailOpener, DetailTarget};
use crate::model::{ConnectionStatus, DeploymentState, KubeModel, PodRow, SharedModel};
use crate::printers::{restarts_cell, since_ts};

/// Rows above the table: title, pod counts, deployment/service counts, filter line, header.
const TABLE_TOP: u16 = 5;

/// What the user did to the view: selection, scroll and filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewState {
    /// Index of the selected row among the rows that match the filter.
    pub selected: usize,
    /// Index of the first row shown.
    pub offset: usize,
    /// The filter text (case-insensitive substring of namespace/name, status, node).
    pub filter: String,
    /// Whether keys are being typed into the filter.
    pub editing: bool,
    /// Table rows that fit, from the last frame (PageUp/PageDown step).
    pub page: usize,
}

impl ViewState {
    /// The first row to show so that the selection is visible in `height` rows.
    pub fn effective_offset(&self, height: usize) -> usize {
        let height = height.max(1);
        if self.selected < self.offset {
            self.selected
        } else if self.selected >= self.offset + height {
            self.selected + 1 - height
        } else {
            self.offset
        }
    }
}

/// Draws the view into `area` of `buf`.
pub fn render(model: &KubeModel, view_state: &ViewState, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.width == 0 || area.height == 0 {
        return;
    }
    let line = |buf: &mut Buffer, row: u16, text: &str, style: Style| {
        if row < area.height {
            buf.set_stringn(area.x, area.y + row, text, usize::from(area.width), style);
        }
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let title = format!(
        " Kubernetes │ context: {} │ namespace: {} │ server: {} │ ",
        model.context,
        model.namespace.as_deref().unwrap_or("(all)"),
        model.server_version.as_deref().unwrap_or("?")
    );
    line(buf, 0, &title, bold);
    let (conn_text, conn_style) = match &model.connection {
        ConnectionStatus::Connected => {
            ("● connected".to_owned(), Style::default().fg(Color::Green))
        }
        ConnectionStatus::Connecting => (
            "○ connecting".to_owned(),
            Style::default().fg(Color::Yellow),
        ),
        ConnectionStatus::Error(_) => {
            ("✗ disconnected".to_owned(), Style::default().fg(Color::Red))
        }
    };
    let used = u16::try_from(title.chars().count()).unwrap_or(u16::MAX);
    if used < area.width {
        buf.set_stringn(
            area.x + used,
            area.y,
            &conn_text,
            usize::from(area.width - used),
            conn_style,
        );
    }

    let statuses: Vec<String> = model
        .pod_status_counts()
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    line(
        buf,
        1,
        &format!(" Pods: {}  {}", model.pod_count(), statuses.join(" · ")),
        Style::default(),
    );
    let deployments: Vec<String> = model
        .deployment_counts()
        .iter()
        .map(|(s, n)| {
            let name = match s {
                DeploymentState::Available => "available",
                DeploymentState::Progressing => "progressing",
                DeploymentState::Unavailable => "unavailable",
            };
            format!("{name} {n}")
        })
        .collect();
    let services: Vec<String> = model
        .service_counts()
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    line(
        buf,
        2,
        &format!(
            " Deployments: {}  {}   Services: {}  {}",
            model.deployment_count(),
            deployments.join(" · "),
            model.service_count(),
            services.join(" · ")
        ),
        Style::default(),
    );

    let height = usize::from(area.height.saturating_sub(TABLE_TOP));
    let filter = view_state.filter.to_lowercase();
    let offset = view_state.effective_offset(height);
    let (rows, total) = visible_rows(model, &filter, offset, height);

    let first = if total == 0 { 0 } else { offset + 1 };
    let last = (offset + rows.len()).min(total);
    let position = format!("{first}-{last} of {total}");
    let help = if view_state.editing {
        format!(" /{}█   Enter keeps, Esc clears", view_state.filter)
    } else if !view_state.filter.is_empty() {
        format!(" filter: {}   Esc clears   {position}", view_state.filter)
    } else {
        format!(" j/k ↑↓ PgUp/PgDn Home/End scroll · / filter   {position}")
    };
    match &model.connection {
        // The whole error, where it has the width to be read; the watchers
        // keep retrying and the line goes back to help once they succeed.
        ConnectionStatus::Error(e) if !view_state.editing => {
            line(buf, 3, &format!(" {e}"), Style::default().fg(Color::Red))
        }
        _ => line(buf, 3, &help, Style::default().fg(Color::DarkGray)),
    }

    let columns = Columns::fit(area.width, model.namespace.is_none());
    let header = [
        "NAMESPACE",
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "NODE",
    ]
    .map(str::to_owned);
    draw_row(
        buf,
        area,
        4,
        &columns,
        &header,
        bold.add_modifier(Modifier::REVERSED),
        None,
    );
    for (i, pod) in rows.iter().enumerate() {
        let y = TABLE_TOP + u16::try_from(i).unwrap_or(u16::MAX);
        let cells = [
            pod.namespace.clone(),
            pod.name.clone(),
            pod.ready.clone(),
            pod.status.clone(),
            restarts_cell(pod.restarts, pod.last_restart, model.now),
            pod.created
                .map_or_else(|| "<unknown>".to_owned(), |t| since_ts(t, model.now)),
            pod.node.clone(),
        ];
        let selected = offset + i == view_state.selected;
        let style = if selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        draw_row(
            buf,
            area,
            y,
            &columns,
            &cells,
            style,
            Some(status_color(&pod.status)),
        );
    }
    if total == 0 && area.height > TABLE_TOP {
        let text = if model.pod_count() == 0 {
            " no pods"
        } else {
            " no pods match the filter"
        };
        line(buf, TABLE_TOP, text, Style::default().fg(Color::DarkGray));
    }
}

/// The rows at `offset..offset + height` among those matching `filter`,
/// and how many match in all. Only the visible rows are collected; without
/// a filter the total is the pod count, no scan needed.
pub(crate) fn visible_rows<'m>(
    model: &'m KubeModel,
    filter: &str,
    offset: usize,
    height: usize,
) -> (Vec<&'m PodRow>, usize) {
    if filter.is_empty() {
        let rows = model.pods().skip(offset).take(height).collect();
        return (rows, model.pod_count());
    }
    let mut rows = Vec::with_capacity(height);
    let mut total = 0;
    for pod in model.pods() {
        if pod.matches(filter) {
            if total >= offset && rows.len() < height {
                rows.push(pod);
            }
            total += 1;
        }
    }
    (rows, total)
}

/// How many rows match `filter` (what the keys scroll over).
pub(crate) fn match_count(model: &KubeModel, filter: &str) -> usize {
    let filter = filter.to_lowercase();
    if filter.is_empty() {
        model.pod_count()
    } else {
        model.pods().filter(|p| p.matches(&filter)).count()
    }
}

fn status_color(status: &str) -> Color {
    match status {
        "Running" => Color::Green,
        "Completed" | "Succeeded" => Color::DarkGray,
        "Pending" | "ContainerCreating" | "PodInitializing" => Color::Yellow,
        "Terminating" => Color::Magenta,
        s if s.starts_with("Init:") && !s.contains("Err") && !s.contains("CrashLoop") => {
            Color::Yellow
        }
        _ => Color::Red,
    }
}

/// Column widths for a given screen width: fixed narrow columns, NAME takes
/// the rest, NODE only when there is room, NAMESPACE only for all namespaces.
#[derive(Debug, Clone, Copy)]
struct Columns {
    widths: [u16; 7],
}

impl Columns {
    fn fit(width: u16, namespaces: bool) -> Self {
        let mut widths = [if namespaces { 16 } else { 0 }, 0, 7, 18, 13, 8, 0];
        let fixed: u16 = widths.iter().sum();
        let rest = width.saturating_sub(fixed + 1);
        if rest >= 60 {
            widths[6] = 16;
        }
        widths[1] = rest.saturating_sub(widths[6]).max(10);
        Columns { widths }
    }
}

fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    columns: &Columns,
    cells: &[String; 7],
    style: Style,
    status: Option<Color>,
) {
    if y >= area.height {
        return;
    }
    let row = Rect::new(area.x, area.y + y, area.width, 1);
    buf.set_style(row, style);
    let mut x = area.x + 1;
    for (i, (cell, width)) in cells.iter().zip(columns.widths).enumerate() {
        if width == 0 {
            continue;
        }
        let room = (area.x + area.width).saturating_sub(x);
        if room == 0 {
            break;
        }
        let w = width.min(room);
        let mut cell_style = style;
        if i == 3
            && let Some(color) = status
        {
            cell_style = cell_style.fg(color);
        }
        // One column of gap: truncate to width - 1.
        buf.set_stringn(
            x,
            area.y + y,
            cell,
            usize::from(w.saturating_sub(1)),
            cell_style,
        );
        x = x.saturating_add(w);
    }
}

/// The [`View`] the host's TUI drives: the shared model plus this tab's state.
#[derive(Debug)]
pub struct KubeView {
    model: SharedModel,
    state: ViewState,
    /// The pod last named to the host, so a move is announced once.
    announced: Option<(String, String)>,
    intents: Vec<Intent>,
    /// Opens an object's detail (Enter); none in views built without a plugin.
    opener: Option<DetailOpener>,
    /// The open detail, drawn instead of the table until Esc closes it.
    detail: Option<Detail>,
}

impl KubeView {
    /// A view of `model`.
    pub fn new(model: SharedModel) -> Self {
        KubeView {
            model,
            state: ViewState::default(),
            announced: None,
            intents: Vec::new(),
            opener: None,
            detail: None,
        }
    }

    /// The same view, opening details with `opener`.
    pub fn with_details(mut self, opener: DetailOpener) -> Self {
        self.opener = Some(opener);
        self
    }

    /// The open detail, if any.
    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }

    /// Opens the selected pod's detail.
    fn open_detail(&mut self) -> KeyOutcome {
        let Some(opener) = &self.opener else {
            return KeyOutcome::Ignored;
        };
        let model = self.model.lock();
        let filter = self.state.filter.to_lowercase();
        let (rows, _) = visible_rows(&model, &filter, self.state.selected, 1);
        let target = rows
            .first()
            .map(|p| DetailTarget::pod(&model.context, &p.namespace, &p.name));
        drop(model);
        match target {
            Some(target) => {
                self.detail = Some(opener.open(target));
                KeyOutcome::Consumed
            }
            None => KeyOutcome::Ignored,
        }
    }

    /// Names the selected pod to the host (for other plugins' lenses and
    /// commands) when the selection moved to another pod.
    fn announce_selection(&mut self) {
        let model = self.model.lock();
        let filter = self.state.filter.to_lowercase();
        let (rows, _) = visible_rows(&model, &filter, self.state.selected, 1);
        let now = rows.first().map(|p| (p.namespace.clone(), p.name.clone()));
        drop(model);
        if now == self.announced {
            return;
        }
        self.intents.push(match &now {
            Some((namespace, name)) => Intent::Selected(
                ResourceRef::new("Pod", name.clone()).in_namespace(namespace.clone()),
            ),
            None => Intent::Cleared,
        });
        self.announced = now;
    }

    /// Selects `pod` if the list has it (clearing a filter that hides it).
    fn reveal(&mut self, resource: &ResourceRef) -> KeyOutcome {
        if resource.kind != "Pod" {
            return KeyOutcome::Ignored;
        }
        let model = self.model.lock();
        let at = model.pods().position(|p| {
            p.name == resource.name
                && resource
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| ns == p.namespace)
        });
        drop(model);
        match at {
            Some(i) => {
                self.state.filter.clear();
                self.state.editing = false;
                self.state.selected = i;
                self.announce_selection();
                KeyOutcome::Consumed
            }
            None => KeyOutcome::Ignored,
        }
    }

    /// The view's state (for tests).
    pub fn state(&self) -> &ViewState {
        &self.state
    }
}

impl View for KubeView {
    fn title(&self) -> String {
        "Kubernetes".to_owned()
    }

    fn summary(&self) -> Option<String> {
        let model = self.model.lock();
        let connection = match &model.connection {
            ConnectionStatus::Connected => "connected",
            ConnectionStatus::Connecting => "connecting",
            ConnectionStatus::Error(_) => "disconnected",
        };
        Some(format!("k8s {} ({connection})", model.context))
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        if let Some(detail) = &self.detail {
            return detail.key_hints();
        }
        vec![
            KeyHint::new("j/k ↑↓", "select"),
            KeyHint::new("PgUp/PgDn", "page"),
            KeyHint::new("/", "filter"),
            KeyHint::new("Enter", "details"),
        ]
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        if let Some(detail) = &mut self.detail {
            return detail.render(area, buf);
        }
        let mut model = self.model.lock();
        model.now = jiff::Timestamp::now();
        let height = usize::from(area.height.saturating_sub(TABLE_TOP));
        self.state.page = height.max(1);
        self.state.offset = self.state.effective_offset(height);
        render(&model, &self.state, area, buf);
    }

    fn handle_event(&mut self, event: &ViewEvent) -> KeyOutcome {
        if let Some(detail) = &mut self.detail {
            let outcome = detail.handle_event(event);
            if outcome == KeyOutcome::Ignored
                && matches!(event, ViewEvent::Key(press) if press.key == Key::Esc)
            {
                // Back to the list, whose selection was left as it was.
                self.detail = None;
                return KeyOutcome::Consumed;
            }
            return outcome;
        }
        let outcome = match event {
            ViewEvent::Key(press) if !press.modifiers.alt => self.handle_key(press.key),
            ViewEvent::Reveal(resource) => return self.reveal(resource),
            ViewEvent::Focus(true) => KeyOutcome::Consumed,
            _ => KeyOutcome::Ignored,
        };
        if outcome == KeyOutcome::Consumed {
            self.announce_selection();
        }
        outcome
    }

    fn take_intents(&mut self) -> Vec<Intent> {
        std::mem::take(&mut self.intents)
    }

    fn handle_key(&mut self, key: Key) -> KeyOutcome {
        let s = &mut self.state;
        if s.editing {
            match key {
                Key::Char(c) => s.filter.push(c),
                Key::Backspace => {
                    s.filter.pop();
                }
                Key::Enter => s.editing = false,
                Key::Esc => {
                    s.filter.clear();
                    s.editing = false;
                }
                _ => return KeyOutcome::Ignored,
            }
            s.selected = 0;
            s.offset = 0;
            return KeyOutcome::Consumed;
        }
        let count = match_count(&self.model.lock(), &s.filter);
        let last = count.saturating_sub(1);
        let page = s.page.max(1);
        match key {
            Key::Char('j') | Key::Down => s.selected = (s.selected + 1).min(last),
            Key::Char('k') | Key::Up => s.selected = s.selected.saturating_sub(1),
            Key::PageDown => s.selected = (s.selected + page).min(last),
            Key::PageUp => s.selected = s.selected.saturating_sub(page),
            Key::Home => s.selected = 0,
            Key::End => s.selected = last,
            Key::Char('/') => s.editing = true,
            Key::Enter => return self.open_detail(),
            Key::Esc if !s.filter.is_empty() => {
                s.filter.clear();
                s.selected = 0;
                s.offset = 0;
            }
            _ => return KeyOutcome::Ignored,
        }
        KeyOutcome::Consumed
    }
}
