//! The alerts screen: firing then pending alerts with their labels, the
//! time since they became active and their value; Enter on a selected
//! alert that names a pod shows that pod (see `keys.rs`).

use ratatui_widgets::paragraph::Paragraph;
use ratatui_widgets::table::{Row, Table};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::{Constraint, Rect};
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style, Stylize};
use vcli_plugin_api::ratatui_core::text::Span;
use vcli_plugin_api::ratatui_core::widgets::Widget;
use vcli_plugin_api::{Intent, Key, KeyOutcome, ResourceRef};

use super::ui::Ui;
use crate::format::{compact, short_duration};
use crate::model::{AlertInfo, AlertState, PromModel, ViewState};

pub(super) fn render(model: &PromModel, selected: Option<usize>, area: Rect, buf: &mut Buffer) {
    if model.alerts.is_empty() {
        Paragraph::new(Span::styled(
            " nothing is firing or pending",
            Style::default().fg(Color::Green),
        ))
        .render(area, buf);
        return;
    }
    let now = model.updated_at.unwrap_or_default();
    // Keep the selection on screen: the header takes one line.
    let visible = usize::from(area.height.saturating_sub(1)).max(1);
    let offset = selected.map_or(0, |i| (i + 1).saturating_sub(visible));
    let rows = model.alerts.iter().enumerate().skip(offset).map(|(i, a)| {
        let (state, tint) = match a.state {
            AlertState::Firing => ("firing", Color::Red),
            AlertState::Pending => ("pending", Color::Yellow),
        };
        let row = Row::new(vec![
            Span::styled(state, Style::default().fg(tint)),
            Span::styled(a.name.clone(), Style::default().fg(tint)),
            Span::raw(a.severity.clone().unwrap_or_else(|| "-".to_owned())),
            Span::raw(short_duration(now - a.active_at)),
            Span::raw(compact(a.value)),
            Span::raw(a.labels.clone()),
        ]);
        if selected == Some(i) {
            row.style(Style::default().add_modifier(Modifier::REVERSED))
        } else {
            row
        }
    });
    let widths = [
        Constraint::Length(7),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Fill(5),
    ];
    Table::new(rows, widths)
        .header(Row::new(["STATE", "NAME", "SEVERITY", "AGE", "VALUE", "LABELS"]).bold())
        .render(area, buf);
}

/// The alerts screen's keys: move the selection, and Enter on an alert
/// that names a pod asks the host to reveal it.
pub(super) fn handle(
    state: &ViewState,
    ui: &mut Ui,
    intents: &mut Vec<Intent>,
    key: Key,
) -> KeyOutcome {
    let count = state.with_model(|model| {
        follow(model, ui);
        model.alerts.len()
    });
    let last = count.saturating_sub(1);
    match key {
        Key::Char('j') | Key::Down if count > 0 => {
            ui.selected_alert = Some(ui.selected_alert.map_or(0, |i| (i + 1).min(last)));
        }
        Key::Char('k') | Key::Up if count > 0 => {
            ui.selected_alert = Some(
                ui.selected_alert
                    .map_or(0, |i| i.saturating_sub(1))
                    .min(last),
            );
        }
        Key::Esc if ui.selected_alert.is_some() => ui.selected_alert = None,
        Key::Enter => {
            let alert = state.with_model(|model| {
                ui.selected_alert
                    .and_then(|i| model.alerts.get(i))
                    .map(|a| (a.name.clone(), a.pod.clone()))
            });
            match alert {
                Some((_, Some((namespace, name)))) => intents.push(Intent::Reveal(
                    ResourceRef::new("Pod", name).in_namespace(namespace),
                )),
                Some((alert, None)) => intents.push(Intent::Status(format!(
                    "alert {alert} names no pod (no namespace and pod labels)"
                ))),
                None => return KeyOutcome::Ignored,
            }
        }
        _ => return KeyOutcome::Ignored,
    }
    ui.selected_alert_key = state.with_model(|model| {
        ui.selected_alert
            .and_then(|i| model.alerts.get(i))
            .map(alert_key)
    });
    KeyOutcome::Consumed
}

/// What tells an alert apart from the others.
fn alert_key(alert: &AlertInfo) -> String {
    format!("{}{{{}}}", alert.name, alert.labels)
}

/// Moves the selection to where the selected alert is now, or clears it
/// when the alert is no longer active.
pub(super) fn follow(model: &PromModel, ui: &mut Ui) {
    if let Some(key) = &ui.selected_alert_key {
        ui.selected_alert = model.alerts.iter().position(|a| alert_key(a) == *key);
        if ui.selected_alert.is_none() {
            ui.selected_alert_key = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::keys;

    fn alert(name: &str, pod: Option<(&str, &str)>) -> AlertInfo {
        AlertInfo {
            name: name.to_owned(),
            pod: pod.map(|(ns, p)| (ns.to_owned(), p.to_owned())),
            ..AlertInfo::default()
        }
    }

    #[test]
    fn enter_on_an_alert_asks_to_show_its_pod() {
        let state = ViewState::default();
        state.replace(PromModel {
            alerts: vec![
                alert("NodeDown", None),
                alert("PodCrashLooping", Some(("shop", "web-0"))),
            ],
            ..PromModel::default()
        });
        let mut ui = Ui::default();
        let mut intents = Vec::new();
        let mut press = |ui: &mut Ui, key| keys::handle(&state, ui, &mut intents, key);
        assert_eq!(press(&mut ui, Key::Enter), KeyOutcome::Ignored, "targets");
        press(&mut ui, Key::Char('a'));
        assert_eq!(
            press(&mut ui, Key::Enter),
            KeyOutcome::Ignored,
            "none selected"
        );
        press(&mut ui, Key::Down);
        press(&mut ui, Key::Enter);
        press(&mut ui, Key::Down);
        press(&mut ui, Key::Down);
        press(&mut ui, Key::Enter);
        assert_eq!(
            intents,
            [
                Intent::Status("alert NodeDown names no pod (no namespace and pod labels)".into()),
                Intent::Reveal(ResourceRef::new("Pod", "web-0").in_namespace("shop")),
            ]
        );
    }

    #[test]
    fn the_selection_follows_its_alert_when_the_list_changes() {
        let state = ViewState::default();
        let web = alert("PodCrashLooping", Some(("shop", "web-0")));
        state.replace(PromModel {
            alerts: vec![alert("NodeDown", None), web.clone()],
            ..PromModel::default()
        });
        let mut ui = Ui::default();
        let mut intents = Vec::new();
        for key in [Key::Char('a'), Key::Down, Key::Down] {
            keys::handle(&state, &mut ui, &mut intents, key);
        }
        assert_eq!(ui.selected_alert, Some(1));
        // A refresh puts a new alert first: Enter still means the pod's.
        state.replace(PromModel {
            alerts: vec![alert("NewOne", None), alert("NodeDown", None), web],
            ..PromModel::default()
        });
        keys::handle(&state, &mut ui, &mut intents, Key::Enter);
        assert_eq!(ui.selected_alert, Some(2));
        assert_eq!(
            intents,
            [Intent::Reveal(
                ResourceRef::new("Pod", "web-0").in_namespace("shop")
            )]
        );
        // Resolved: the selection goes with it.
        state.replace(PromModel::default());
        keys::handle(&state, &mut ui, &mut intents, Key::Enter);
        assert_eq!((ui.selected_alert, intents.len()), (None, 1));
    }
}
