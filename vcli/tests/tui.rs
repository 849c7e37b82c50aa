//! The TUI as a user meets it: whole screens snapshotted from a model built
//! here, `update` driven with keys, mouse and resizes, and random sizes and
//! message sequences that must never panic.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use vcli::manager::{Event, EventKind, PluginInfo, ResourceUsage};
use vcli::tui::hosted::HostedView;
use vcli::tui::model::{CommandState, Model, Overlay, PluginAction, PluginRow, Tab};
use vcli::tui::msg::{Effect, Msg};
use vcli::tui::update::{lens_missing, update};
use vcli::tui::{initial_model, view};
use vcli::{Catalog, Config};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::ratatui_core::style::Style;
use vcli_plugin_api::{
    Capability, HealthStatus, Intent, Key, KeyHint, KeyOutcome, KeyPress, LifecycleState,
    Modifiers, MouseKind, PaletteEntry, ResourceCommand, ResourceRef, View, ViewEvent,
};
// Links the test plugins, whose commands the palette completes.
use vcli_test_plugins as _;

/// 2026-12-04 12:00:00 UTC: every age on screen is measured from here.
fn noon() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_385_600)
}

/// A view over a few pods that names the selected one for lenses.
struct PodsView {
    pods: Vec<&'static str>,
    selected: usize,
    filter: String,
    intents: Vec<Intent>,
    /// The palette entry chosen last, shown under the pods.
    chosen: Option<String>,
}

impl View for PodsView {
    fn title(&self) -> String {
        "Pods".into()
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let rows = self
            .pods
            .iter()
            .filter(|p| p.contains(self.filter.as_str()));
        for (i, pod) in rows.enumerate().take(usize::from(area.height)) {
            let marker = if i == self.selected { "> " } else { "  " };
            let y = area.y + u16::try_from(i).unwrap();
            buf.set_stringn(
                area.x,
                y,
                format!("{marker}{pod}"),
                usize::from(area.width),
                Style::default(),
            );
        }
        if let Some(chosen) = &self.chosen {
            let y = area.y + area.height.saturating_sub(1);
            let text = format!("palette chose {chosen}");
            buf.set_stringn(area.x, y, text, usize::from(area.width), Style::default());
        }
    }

    fn palette_entries(&self) -> Vec<PaletteEntry> {
        vec![
            PaletteEntry::new("pods", "list pods").aliases(["pod", "po"]),
            PaletteEntry::new("nodes", "list nodes"),
        ]
    }

    fn handle_event(&mut self, event: &ViewEvent) -> KeyOutcome {
        match event {
            ViewEvent::Palette(entry) => {
                self.chosen = Some(entry.name.clone());
                KeyOutcome::Consumed
            }
            ViewEvent::Key(KeyPress { key: Key::Down, .. }) => {
                self.selected = (self.selected + 1).min(self.pods.len() - 1);
                let pod = ResourceRef::new("Pod", self.pods[self.selected]).in_namespace("shop");
                self.intents.push(Intent::Selected(pod));
                KeyOutcome::Consumed
            }
            ViewEvent::Filter(text) => {
                self.filter.clone_from(text);
                KeyOutcome::Consumed
            }
            ViewEvent::Reveal(r) if r.kind == "Pod" => {
                match self.pods.iter().position(|p| *p == r.name) {
                    Some(i) => {
                        self.selected = i;
                        KeyOutcome::Consumed
                    }
                    None => KeyOutcome::Ignored,
                }
            }
            _ => KeyOutcome::Ignored,
        }
    }

    fn filterable(&self) -> bool {
        true
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        vec![KeyHint::new("↓", "next pod")]
    }

    fn summary(&self) -> Option<String> {
        Some("demo: 3 pods (connected)".into())
    }

    fn take_intents(&mut self) -> Vec<Intent> {
        std::mem::take(&mut self.intents)
    }
}

/// A view that panics when drawn.
struct Panicking;

impl View for Panicking {
    fn title(&self) -> String {
        "Broken".into()
    }

    fn render(&mut self, _area: Rect, _buf: &mut Buffer) {
        panic!("index out of bounds: the len is 0 but the index is 3");
    }
}

fn pods_view() -> HostedView {
    HostedView::new(
        "demo",
        Box::new(PodsView {
            pods: vec!["web-0", "web-1", "db-0"],
            selected: 0,
            filter: String::new(),
            intents: Vec::new(),
            chosen: None,
        }),
    )
}

fn info(name: &'static str, state: LifecycleState, health: HealthStatus) -> PluginInfo {
    let mut resources = ResourceUsage::default();
    resources.cpu_share = 0.012;
    resources.live_tasks = 2;
    resources.bytes_received = 48_000;
    resources.bytes_sent = 3_100;
    resources.memory_bytes = Some(3_500_000);
    PluginInfo {
        name,
        version: "1.2.0",
        description: "A plugin the TUI tests show",
        command: Some("demo"),
        capabilities: &[Capability::Network, Capability::TuiRendering],
        dependencies: &[],
        enabled: true,
        state,
        failure: None,
        health: Arc::new(health),
        resources,
        restarts: 0,
        quarantined: false,
        uptime: Some(Duration::from_secs(3_725)),
    }
}

fn row(info: PluginInfo) -> PluginRow {
    PluginRow {
        info,
        granted: vec![Capability::Network, Capability::TuiRendering],
        net_rate: 1_536.0,
        health_history: Default::default(),
        violations: Vec::new(),
        limits: vec!["memory 64 MiB".into(), "tasks 16".into()],
    }
}

fn event(secs_before: u64, plugin: &str, kind: EventKind) -> Event {
    Event {
        at: noon() - Duration::from_secs(secs_before),
        plugin: plugin.into(),
        kind,
    }
}

/// The model every screen test starts from: the test plugins' palette, a
/// running `demo` plugin with a view, a failed and quarantined one, events.
fn model(w: u16, h: u16) -> Model {
    let registrations = vcli_plugin_api::registrations()
        .into_iter()
        .filter(|r| r.metadata().name == "steady");
    let catalog = Catalog::new(registrations).unwrap();
    let config = Config::default();
    let mut model = initial_model(
        &catalog,
        &config,
        (w, h),
        true,
        vec!["steady echo hello".into()],
    );
    model.now = noon();
    model.add_plugin_tab("demo", "Demo".into(), "starting demo…".into());
    let mut m = model;
    update(
        &mut m,
        Msg::View {
            plugin: "demo",
            view: Some(pods_view()),
            waiting: String::new(),
        },
    );
    let mut broken = info(
        "flaky",
        LifecycleState::Failed,
        HealthStatus::unhealthy("connection refused"),
    );
    broken.failure = Some("panicked in start: no route to host".into());
    broken.quarantined = true;
    broken.restarts = 3;
    broken.uptime = None;
    update(
        &mut m,
        Msg::Plugins(vec![
            row(info(
                "demo",
                LifecycleState::Running,
                HealthStatus::healthy("3 pods watched"),
            )),
            row(broken),
        ]),
    );
    for (secs, plugin, kind) in [
        (300, "demo", EventKind::Loaded),
        (299, "demo", EventKind::Started),
        (
            120,
            "flaky",
            EventKind::Failed {
                reason: "panicked in start: no route to host".into(),
            },
        ),
        (60, "flaky", EventKind::Quarantined { crashes: 3 }),
    ] {
        update(&mut m, Msg::Manager(event(secs, plugin, kind)));
    }
    m
}

fn key(c: char) -> Msg {
    Msg::Key(KeyPress::plain(Key::Char(c)))
}

fn special(k: Key) -> Msg {
    Msg::Key(KeyPress::plain(k))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyPress {
        key: Key::Char(c),
        modifiers: Modifiers {
            ctrl: true,
            ..Modifiers::NONE
        },
    })
}

fn typed(model: &mut Model, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(model, key(c))).collect()
}

/// The screen as text, one line per row.
fn screen(model: &mut Model) -> String {
    let (w, h) = model.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| view::draw(frame, model)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn snapshot(name: &str, build: impl Fn(&mut Model)) {
    for (w, h) in [(80, 24), (200, 50)] {
        let mut m = model(w, h);
        build(&mut m);
        let text = screen(&mut m);
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("tui__{name}_{w}x{h}"), text);
        });
    }
}

#[test]
fn screens() {
    snapshot("plugin_view", |_| {});
    snapshot("plugins_tab", |m| {
        update(m, key('2'));
    });
    snapshot("plugin_detail_failed_quarantined", |m| {
        update(m, key('2'));
        update(m, special(Key::Down));
        update(m, special(Key::Enter));
    });
    snapshot("events_tab", |m| {
        update(m, key('3'));
        update(m, Msg::Lagged(17));
    });
    snapshot("palette_completion", |m| {
        update(m, key(':'));
        typed(m, "st");
        update(m, special(Key::Tab));
        update(m, special(Key::Tab));
    });
    snapshot("palette_completion_view_words", |m| {
        update(m, key(':'));
        typed(m, "po");
        update(m, special(Key::Tab));
    });
    snapshot("help", |m| {
        update(m, key('?'));
    });
    snapshot("confirm_stop", |m| {
        update(m, key('2'));
        update(m, key('x'));
    });
    snapshot("command_output", |m| {
        update(m, key(':'));
        typed(m, "steady echo hi");
        update(m, special(Key::Enter));
        update(
            m,
            Msg::Output {
                id: 1,
                text: "hi\nsecond line\npartial".into(),
            },
        );
        update(
            m,
            Msg::Ended {
                id: 1,
                state: CommandState::Done,
            },
        );
    });
    snapshot("palette_offers_commands_for_the_selection", |m| {
        update(
            m,
            Msg::Lenses {
                resource: ResourceRef::new("Pod", "web-1").in_namespace("shop"),
                lenses: Vec::new(),
                note: None,
                commands: vec![
                    ResourceCommand::new("logs", "steady echo logs web-1"),
                    ResourceCommand::new("describe", "steady echo describe web-1"),
                ],
            },
        );
        update(m, key(':'));
        update(m, special(Key::Tab));
        update(m, special(Key::Tab));
    });
    snapshot("lens_and_filter", |m| {
        m.lens_owner = Some("demo");
        update(
            m,
            Msg::Lenses {
                resource: ResourceRef::new("Pod", "web-1").in_namespace("shop"),
                lenses: vec![HostedView::new(
                    "metrics",
                    Box::new(PodsView {
                        pods: vec!["cpu 0.25 cores", "memory 120 MiB"],
                        selected: 9,
                        filter: String::new(),
                        intents: Vec::new(),
                        chosen: None,
                    }),
                )],
                commands: Vec::new(),
                note: None,
            },
        );
        update(m, key('/'));
        typed(m, "web");
    });
    snapshot("lens_without_the_other_plugin", |m| {
        m.lens_owner = Some("demo");
        let resource = ResourceRef::new("Pod", "web-1").in_namespace("shop");
        let mut prometheus = info(
            "prometheus",
            LifecycleState::Registered,
            HealthStatus::unknown(),
        );
        prometheus.enabled = false;
        let plugins = [
            info("demo", LifecycleState::Running, HealthStatus::healthy("ok")),
            prometheus,
        ];
        let note = lens_missing(&plugins, "demo", &resource);
        update(
            m,
            Msg::Lenses {
                resource,
                lenses: Vec::new(),
                commands: Vec::new(),
                note,
            },
        );
    });
}

#[test]
fn the_lens_note_says_what_is_missing() {
    let pod = ResourceRef::new("Pod", "web-1").in_namespace("shop");
    let running = |name| info(name, LifecycleState::Running, HealthStatus::healthy("ok"));
    assert_eq!(
        lens_missing(&[running("kubernetes")], "kubernetes", &pod),
        Some(
            "Nothing else shows Pod shop/web-1: this build has no other plugin \
             (`cargo xtask bundle` builds one with more)."
                .to_owned()
        )
    );
    let mut disabled = info(
        "prometheus",
        LifecycleState::Registered,
        HealthStatus::unknown(),
    );
    disabled.enabled = false;
    let failed = info(
        "prometheus",
        LifecycleState::Failed,
        HealthStatus::unhealthy("down"),
    );
    let stopped = info(
        "prometheus",
        LifecycleState::Stopped,
        HealthStatus::unknown(),
    );
    for (other, says) in [
        (disabled, "prometheus is disabled in the config"),
        (failed, "prometheus failed (the Plugins tab says why)"),
        (stopped, "prometheus is stopped"),
    ] {
        assert_eq!(
            lens_missing(&[running("kubernetes"), other], "kubernetes", &pod),
            Some(format!("Nothing else shows Pod shop/web-1: {says}."))
        );
    }
    assert_eq!(
        lens_missing(
            &[running("kubernetes"), running("prometheus")],
            "kubernetes",
            &pod
        ),
        None,
        "every plugin runs: nothing is missing, so no box"
    );
}

#[test]
fn tabs_cycle_jump_and_follow_clicks() {
    let mut m = model(80, 24);
    let titles: Vec<String> = m.tabs.iter().map(Tab::title).collect();
    assert_eq!(titles, ["Pods", "Plugins", "Events"]);
    update(&mut m, special(Key::Tab));
    assert_eq!(m.active, 1);
    update(&mut m, special(Key::BackTab));
    update(&mut m, special(Key::BackTab));
    assert_eq!(m.active, 2, "Shift-Tab wraps to the last tab");
    update(&mut m, key('1'));
    assert_eq!(m.active, 0);
    update(&mut m, key('9'));
    assert_eq!(m.active, 0, "a digit past the last tab does nothing");
    // " 1 Pods │ 2 Plugins │ 3 Events": column 12 is in "2 Plugins".
    update(
        &mut m,
        Msg::Mouse {
            kind: MouseKind::Click,
            column: 12,
            row: 1,
        },
    );
    assert_eq!(m.active, 1);
}

#[test]
fn esc_closes_overlays_and_q_quits() {
    let mut m = model(80, 24);
    update(&mut m, key('?'));
    assert!(matches!(m.overlay, Some(Overlay::Help)));
    update(&mut m, special(Key::Esc));
    assert!(m.overlay.is_none());
    update(&mut m, key(':'));
    typed(&mut m, "q");
    assert!(!m.quit, "q typed in the palette is text");
    update(&mut m, special(Key::Esc));
    update(&mut m, key('q'));
    assert!(m.quit);
}

#[test]
fn stop_and_reload_ask_first_start_does_not() {
    let mut m = model(80, 24);
    update(&mut m, key('2'));
    assert!(update(&mut m, key('x')).is_empty());
    assert!(matches!(
        m.overlay,
        Some(Overlay::Confirm {
            action: PluginAction::Stop,
            plugin: "demo"
        })
    ));
    assert!(update(&mut m, key('n')).is_empty());
    assert!(m.overlay.is_none());
    update(&mut m, key('r'));
    let effects = update(&mut m, key('y'));
    assert!(matches!(
        effects[..],
        [Effect::Plugin {
            plugin: "demo",
            action: PluginAction::Reload
        }]
    ));
    let effects = update(&mut m, key('s'));
    assert!(matches!(
        effects[..],
        [Effect::Plugin {
            plugin: "demo",
            action: PluginAction::Start
        }]
    ));
}

#[test]
fn palette_runs_commands_with_the_cli_grammar_and_ctrl_c_cancels_them() {
    let mut m = model(80, 24);
    update(&mut m, key(':'));
    typed(&mut m, "steady echo --no-such-flag");
    assert!(update(&mut m, special(Key::Enter)).is_empty());
    let error = m.palette.error.clone().unwrap();
    assert!(
        error.contains("unexpected argument '--no-such-flag'"),
        "{error}"
    );
    update(&mut m, ctrl('u'));
    typed(&mut m, "steady echo hi");
    let effects = update(&mut m, special(Key::Enter));
    assert!(
        matches!(&effects[..], [Effect::Run { id: 1, line, .. }, Effect::SaveHistory] if line == "steady echo hi")
    );
    assert_eq!(m.active, m.tabs.len() - 1, "the command's tab has focus");
    let effects = update(&mut m, ctrl('c'));
    assert!(matches!(effects[..], [Effect::Cancel(1)]));
    assert!(!m.quit, "Ctrl-C cancels the running command first");
    update(
        &mut m,
        Msg::Ended {
            id: 1,
            state: CommandState::Cancelled,
        },
    );
    update(&mut m, ctrl('c'));
    assert!(m.quit);
}

#[test]
fn a_focused_views_palette_words_complete_and_reach_the_view() {
    let mut m = model(80, 24);
    update(&mut m, key(':'));
    typed(&mut m, "pod");
    update(&mut m, special(Key::Tab));
    assert_eq!(m.palette.candidates, ["pod", "pods"]);
    typed(&mut m, "s");
    update(&mut m, special(Key::Tab));
    assert_eq!(m.palette.input, "pods ", "one candidate is filled in");
    update(&mut m, ctrl('u'));
    typed(&mut m, "steady ");
    update(&mut m, special(Key::Tab));
    assert!(
        !m.palette.candidates.iter().any(|c| c == "pods"),
        "a view's words are only the first word: {:?}",
        m.palette.candidates
    );
    update(&mut m, ctrl('u'));
    // An alias, typed as k9s users type it, goes to the view: no command runs.
    typed(&mut m, ":po");
    let effects = update(&mut m, special(Key::Enter));
    assert!(matches!(effects[..], [Effect::SaveHistory]), "{effects:?}");
    assert!(m.overlay.is_none());
    assert!(screen(&mut m).contains("palette chose pods"));
    assert_eq!(m.palette.history.last().map(String::as_str), Some(":po"));
    // A command still runs as a command.
    update(&mut m, key(':'));
    typed(&mut m, "steady echo hi");
    let effects = update(&mut m, special(Key::Enter));
    assert!(matches!(
        &effects[..],
        [Effect::Run { .. }, Effect::SaveHistory]
    ));
    // On a host tab the view's words mean nothing.
    update(&mut m, key('2'));
    assert!(matches!(m.tabs[m.active], Tab::Plugins));
    update(&mut m, key(':'));
    typed(&mut m, "nodes");
    update(&mut m, special(Key::Tab));
    assert!(
        m.palette.candidates.is_empty(),
        "{:?}",
        m.palette.candidates
    );
    assert!(update(&mut m, special(Key::Enter)).is_empty());
    assert!(
        m.palette
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("unknown command \"nodes\"")),
        "{:?}",
        m.palette.error
    );
}

#[test]
fn pasted_text_lands_on_one_line_in_the_palette() {
    let mut m = model(80, 24);
    update(&mut m, key(':'));
    let effects = update(&mut m, Msg::Paste("steady echo a\nb".into()));
    assert!(effects.is_empty(), "a pasted newline runs nothing");
    assert_eq!(m.palette.input, "steady echo a b");
    update(&mut m, special(Key::Esc));
    update(&mut m, Msg::Paste("ignored".into()));
    assert!(m.overlay.is_none());
}

#[test]
fn filter_line_reaches_the_view_and_esc_clears_it() {
    let mut m = model(80, 24);
    update(&mut m, key('/'));
    typed(&mut m, "db");
    assert!(screen(&mut m).contains("db-0"));
    assert!(!screen(&mut m).contains("web-0"));
    update(&mut m, special(Key::Esc));
    assert!(screen(&mut m).contains("web-0"));
    update(&mut m, key('2'));
    update(&mut m, key('/'));
    typed(&mut m, "fla");
    assert_eq!(m.plugins.visible().len(), 1);
}

#[test]
fn selection_asks_for_lenses_and_reveal_focuses_the_view_that_shows_it() {
    let mut m = model(80, 24);
    let effects = update(&mut m, special(Key::Down));
    let [
        Effect::Lens {
            from: "demo",
            resource,
        },
    ] = &effects[..]
    else {
        panic!("expected a lens request, got {effects:?}");
    };
    assert_eq!(
        resource,
        &ResourceRef::new("Pod", "web-1").in_namespace("shop")
    );
    update(&mut m, key('3'));
    let mut other = pods_view();
    other.plugin = "alerts";
    m.add_plugin_tab("alerts", "Alerts".into(), String::new());
    update(
        &mut m,
        Msg::View {
            plugin: "alerts",
            view: Some(other),
            waiting: String::new(),
        },
    );
    assert_eq!(m.tabs.len(), 4);
}

#[test]
fn a_view_that_panics_is_replaced_and_its_plugin_reported_once() {
    let mut m = model(80, 24);
    update(
        &mut m,
        Msg::View {
            plugin: "demo",
            view: Some(HostedView::new("demo", Box::new(Panicking))),
            waiting: String::new(),
        },
    );
    let text = screen(&mut m);
    assert!(
        text.contains("view panicked in render: index out of bounds"),
        "{text}"
    );
    let effects = vcli::tui::update::collect_panics(&mut m);
    assert!(matches!(
        &effects[..],
        [Effect::ViewPanicked { plugin: "demo", .. }]
    ));
    screen(&mut m);
    assert!(vcli::tui::update::collect_panics(&mut m).is_empty());
}

#[test]
fn command_output_keeps_the_last_lines_and_counts_the_rest() {
    let mut m = model(80, 24);
    update(&mut m, key(':'));
    typed(&mut m, "steady echo hi");
    update(&mut m, special(Key::Enter));
    let chunk: String = (0..10_050).map(|i| format!("line {i}\n")).collect();
    update(&mut m, Msg::Output { id: 1, text: chunk });
    let Tab::Command(pane) = &m.tabs[m.active] else {
        panic!("command tab")
    };
    assert_eq!(pane.lines.len(), 10_000);
    assert_eq!(pane.dropped, 50);
    assert!(screen(&mut m).contains("(50 lines dropped)"));
}

/// What the property test sends: plain data, turned into messages.
#[derive(Debug, Clone)]
enum Input {
    Char(char),
    Special(Key),
    Ctrl(char),
    Click(u16, u16),
    Scroll(u16, u16),
    Resize(u16, u16),
    Output(String),
    Lagged,
    Failed,
}

impl Input {
    fn msg(self) -> Msg {
        match self {
            Input::Char(c) => key(c),
            Input::Special(k) => special(k),
            Input::Ctrl(c) => ctrl(c),
            Input::Click(column, row) => Msg::Mouse {
                kind: MouseKind::Click,
                column,
                row,
            },
            Input::Scroll(column, row) => Msg::Mouse {
                kind: MouseKind::ScrollDown,
                column,
                row,
            },
            Input::Resize(w, h) => Msg::Resize(w, h),
            Input::Output(text) => Msg::Output { id: 1, text },
            Input::Lagged => Msg::Lagged(3),
            Input::Failed => Msg::Ended {
                id: 1,
                state: CommandState::Failed("error: boom".into()),
            },
        }
    }
}

fn arb_input() -> impl Strategy<Value = Input> {
    prop_oneof![
        any::<char>().prop_map(Input::Char),
        prop::sample::select(vec![
            Key::Tab,
            Key::BackTab,
            Key::Enter,
            Key::Esc,
            Key::Up,
            Key::Down,
            Key::PageUp,
            Key::PageDown,
            Key::Home,
            Key::End,
            Key::Backspace,
        ])
        .prop_map(Input::Special),
        prop::sample::select(vec!['l', 'u', 'd']).prop_map(Input::Ctrl),
        (0u16..320, 0u16..120).prop_map(|(c, r)| Input::Click(c, r)),
        (0u16..320, 0u16..120).prop_map(|(c, r)| Input::Scroll(c, r)),
        (1u16..300, 1u16..100).prop_map(|(w, h)| Input::Resize(w, h)),
        "[a-z \\n]{0,40}".prop_map(Input::Output),
        Just(Input::Lagged),
        Just(Input::Failed),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn no_size_and_no_sequence_of_messages_panics(
        w in 1u16..300,
        h in 1u16..100,
        inputs in prop::collection::vec(arb_input(), 0..40),
    ) {
        let mut m = model(w, h);
        screen(&mut m);
        for msg in inputs.into_iter().map(Input::msg) {
            if let Msg::Resize(w, h) = msg {
                m.size = (w, h);
            }
            update(&mut m, msg);
            m.quit = false;
            screen(&mut m);
        }
    }
}

#[test]
fn without_colour_the_selection_is_reverse_video_and_marked() {
    let mut m = model(80, 24);
    m.theme = vcli::tui::theme::Theme::new(vcli::tui::theme::ThemeName::Dark, false);
    update(&mut m, key('2'));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| view::draw(frame, &mut m)).unwrap();
    let buffer = terminal.backend().buffer();
    // Row 3 is the first plugin, selected: marked and reversed, no colour.
    assert_eq!(buffer[(0, 3)].symbol(), "›");
    for x in 0..20 {
        let cell = &buffer[(x, 3)];
        assert!(
            cell.modifier.contains(ratatui::style::Modifier::REVERSED),
            "column {x}"
        );
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "column {x}");
    }
    assert!(
        !buffer[(0, 4)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

/// A view that paints in colour, as plugin views do: red text, and a word
/// on a yellow background (a search match, a selection).
struct Painter;

impl View for Painter {
    fn title(&self) -> String {
        "Painter".into()
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        use vcli_plugin_api::ratatui_core::style::Color;
        buf.set_string(area.x, area.y, "failing", Style::new().fg(Color::Red));
        let highlight = Style::new().fg(Color::Black).bg(Color::Yellow);
        buf.set_string(area.x, area.y + 1, "match", highlight);
    }
}

#[test]
fn no_color_holds_for_what_plugin_views_paint() {
    use ratatui::style::{Color, Modifier};
    for color in [true, false] {
        let mut m = model(80, 24);
        m.theme = vcli::tui::theme::Theme::new(vcli::tui::theme::ThemeName::Dark, color);
        update(
            &mut m,
            Msg::View {
                plugin: "demo",
                view: Some(HostedView::new("demo", Box::new(Painter))),
                waiting: String::new(),
            },
        );
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|frame| view::draw(frame, &mut m)).unwrap();
        let buffer = terminal.backend().buffer();
        // The body starts on row 2, below the header and the tab bar.
        let (text, highlight) = (&buffer[(0, 2)], &buffer[(0, 3)]);
        assert_eq!((text.symbol(), highlight.symbol()), ("f", "m"));
        if color {
            assert_eq!(text.fg, Color::Red);
            assert_eq!(highlight.bg, Color::Yellow);
        } else {
            let coloured = buffer
                .content
                .iter()
                .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
                .count();
            assert_eq!(coloured, 0, "NO_COLOR: no cell keeps a colour");
            assert!(
                highlight.modifier.contains(Modifier::REVERSED),
                "a coloured background stays visible as reverse video"
            );
            assert!(!text.modifier.contains(Modifier::REVERSED));
        }
    }
}

/// A view that spends a few milliseconds in `render`.
struct Busy;

impl View for Busy {
    fn title(&self) -> String {
        "Busy".into()
    }

    fn render(&mut self, _area: Rect, _buf: &mut Buffer) {
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_millis(3) {
            std::hint::spin_loop();
        }
    }
}

#[test]
fn time_in_a_view_is_charged_to_its_plugin() {
    let registrations = vcli_plugin_api::registrations()
        .into_iter()
        .filter(|r| r.metadata().name == "steady");
    let manager = vcli::Manager::new(Catalog::new(registrations).unwrap(), Config::default());
    let before = manager.update_resources("steady").unwrap().poll_time;
    let mut view = HostedView::new("steady", Box::new(Busy)).charged(manager.view_charge("steady"));
    let mut buf = Buffer::empty(Rect::new(0, 0, 10, 2));
    view.render(buf.area, &mut buf);
    let after = manager.update_resources("steady").unwrap().poll_time;
    assert!(
        after - before >= Duration::from_millis(3),
        "{before:?} → {after:?}"
    );
}

/// A view whose Enter asks to show a resource elsewhere (a pod unless told
/// otherwise), as an alert list does.
#[derive(Default)]
struct Revealer {
    intents: Vec<Intent>,
    kind: Option<&'static str>,
}

impl View for Revealer {
    fn title(&self) -> String {
        "Alerts".into()
    }

    fn render(&mut self, _area: Rect, _buf: &mut Buffer) {}

    fn handle_key(&mut self, key: Key) -> KeyOutcome {
        if key == Key::Enter {
            let kind = self.kind.unwrap_or("Pod");
            let resource = ResourceRef::new(kind, "db-0").in_namespace("shop");
            self.intents.push(Intent::Reveal(resource));
            KeyOutcome::Consumed
        } else {
            KeyOutcome::Ignored
        }
    }

    fn take_intents(&mut self) -> Vec<Intent> {
        std::mem::take(&mut self.intents)
    }
}

#[test]
fn a_reveal_focuses_the_view_that_shows_the_resource() {
    let mut m = model(80, 24);
    m.add_plugin_tab("alerts", "Alerts".into(), String::new());
    update(
        &mut m,
        Msg::View {
            plugin: "alerts",
            view: Some(HostedView::new("alerts", Box::new(Revealer::default()))),
            waiting: String::new(),
        },
    );
    let alerts = m.tabs.iter().position(|t| t.title() == "Alerts").unwrap();
    update(
        &mut m,
        key(char::from(b'1' + u8::try_from(alerts).unwrap())),
    );
    assert_eq!(m.active, alerts);
    update(&mut m, special(Key::Enter));
    assert_eq!(m.active, 0, "the pods view took the pod and has focus");
    assert!(screen(&mut m).contains("> db-0"));
}

#[test]
fn a_reveal_no_view_takes_says_which_plugin_is_missing() {
    let mut m = model(80, 24);
    m.add_plugin_tab("alerts", "Alerts".into(), String::new());
    let revealer = Revealer {
        kind: Some("Volume"),
        ..Revealer::default()
    };
    update(
        &mut m,
        Msg::View {
            plugin: "alerts",
            view: Some(HostedView::new("alerts", Box::new(revealer))),
            waiting: String::new(),
        },
    );
    let alerts = m.tabs.iter().position(|t| t.title() == "Alerts").unwrap();
    update(
        &mut m,
        key(char::from(b'1' + u8::try_from(alerts).unwrap())),
    );
    update(&mut m, special(Key::Enter));
    assert_eq!(m.active, alerts, "no view took it: focus stays");
    assert_eq!(
        m.status.as_deref(),
        Some("no view here shows Volume shop/db-0: flaky failed (the Plugins tab says why)")
    );
}
