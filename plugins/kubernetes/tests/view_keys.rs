//! The view driven as the host drives it: keys and palette entries switch
//! kinds, Shift and a letter sorts, the filter line filters (a bad selector
//! keeps the rows), pickers choose, selections name pods and deployments,
//! and a reveal finds a pod from any list.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vcli_plugin_api::{Intent, Key, KeyOutcome, KeyPress, ResourceRef, View, ViewEvent};
use vcli_plugin_kubernetes::{
    Cell, Kind, KubeModel, KubeView, Request, Row, SharedModel, Sort, ordered,
};

fn pod(ns: &str, name: &str, status: &str, restarts: i64, age_secs: i64, app: &str) -> Row {
    let now: Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
    Row::new(
        "emulator",
        ns,
        name,
        vec![
            Cell::text(name),
            Cell::text("1/1"),
            Cell::text(status),
            Cell::Restarts(restarts, None),
            Cell::Age(Some(now - SignedDuration::from_secs(age_secs))),
        ],
        BTreeMap::from([("app".to_owned(), app.to_owned())]),
    )
}

fn view() -> (KubeView, SharedModel) {
    let mut m = KubeModel::new("emulator", None);
    m.known_contexts = vec!["emulator".into(), "emulator-2".into()];
    m.now = "2024-05-01T12:00:00Z".parse().unwrap();
    m.replace(
        Kind::Pods,
        "emulator",
        vec![
            pod("default", "api-0", "Running", 10, 600, "api"),
            pod("default", "api-1", "CrashLoopBackOff", 9, 86_400, "api"),
            pod("default", "web-0", "Running", 0, 30, "web"),
            pod("shop", "cart-0", "Pending", 2, 7_200, "cart"),
        ],
    );
    m.replace(
        Kind::Deployments,
        "emulator",
        vec![Row::new(
            "emulator",
            "default",
            "api",
            vec![
                Cell::text("api"),
                Cell::text("1/2"),
                Cell::Count(2),
                Cell::Count(1),
                Cell::Age(None),
            ],
            BTreeMap::new(),
        )],
    );
    let model = SharedModel::new(m);
    (KubeView::new(model.clone()), model)
}

fn press(view: &mut KubeView, key: Key) -> KeyOutcome {
    view.handle_event(&ViewEvent::Key(KeyPress::plain(key)))
}

fn names(view: &KubeView, model: &SharedModel) -> Vec<String> {
    let m = model.lock();
    let s = view.state();
    ordered(&m, s.kind, &s.filter, s.sort())
        .iter()
        .map(|r| r.name.clone())
        .collect()
}

#[test]
fn brackets_and_palette_entries_switch_kinds_and_digits_stay_the_hosts() {
    let (mut view, model) = view();
    let (tx, mut requests) = tokio::sync::mpsc::unbounded_channel();
    model.serve(tx);
    assert_eq!(view.state().kind, Kind::Pods);
    press(&mut view, Key::Char(']'));
    assert_eq!(view.state().kind, Kind::Deployments);
    assert_eq!(
        requests.try_recv(),
        Ok(Request::Watch(Kind::Deployments)),
        "a kind shown is watched"
    );
    press(&mut view, Key::Char('['));
    press(&mut view, Key::Char('['));
    assert_eq!(view.state().kind, Kind::Events, "round from the first");
    assert_eq!(
        press(&mut view, Key::Char('2')),
        KeyOutcome::Ignored,
        "digits switch the host's tabs"
    );
    let entries = view.palette_entries();
    assert_eq!(entries.len(), 10);
    for word in [
        "pods", "po", "deploy", "rs", "sts", "ds", "jobs", "svc", "nodes", "ns", "events",
    ] {
        assert!(entries.iter().any(|e| e.answers_to(word)), "{word}");
    }
    let sts = entries
        .iter()
        .find(|e| e.answers_to("sts"))
        .unwrap()
        .clone();
    assert_eq!(
        view.handle_event(&ViewEvent::Palette(sts)),
        KeyOutcome::Consumed
    );
    assert_eq!(view.state().kind, Kind::StatefulSets);
}

#[test]
fn shift_letters_sort_and_r_reverses_stably() {
    let (mut view, model) = view();
    press(&mut view, Key::Char('R'));
    assert_eq!(
        view.state().sort(),
        Some(Sort {
            column: 1,
            descending: false
        }),
        "READY"
    );
    press(&mut view, Key::Char('R'));
    assert_eq!(view.state().sort().unwrap().column, 3, "then RESTARTS");
    assert_eq!(
        names(&view, &model),
        ["web-0", "cart-0", "api-1", "api-0"],
        "numeric: 9 < 10"
    );
    press(&mut view, Key::Char('r'));
    assert_eq!(names(&view, &model), ["api-0", "api-1", "cart-0", "web-0"]);
    press(&mut view, Key::Char('A'));
    assert_eq!(
        names(&view, &model),
        ["web-0", "api-0", "cart-0", "api-1"],
        "youngest first"
    );
    press(&mut view, Key::Char('A'));
    assert_eq!(names(&view, &model), ["api-1", "cart-0", "api-0", "web-0"]);
    press(&mut view, Key::Char('<'));
    assert_eq!(view.state().sort().unwrap().column, 3);
    // READY ties everywhere: a stable sort keeps namespace/name order.
    press(&mut view, Key::Char('<'));
    press(&mut view, Key::Char('<'));
    assert_eq!(view.state().sort().unwrap().column, 1);
    assert_eq!(names(&view, &model), ["api-0", "api-1", "web-0", "cart-0"]);
    assert_eq!(
        press(&mut view, Key::Char('Z')),
        KeyOutcome::Ignored,
        "no column Z"
    );
}

#[test]
fn the_filter_line_filters_and_a_bad_selector_keeps_the_rows() {
    let (mut view, model) = view();
    view.handle_event(&ViewEvent::Filter("crash".into()));
    assert_eq!(names(&view, &model), ["api-1"]);
    view.handle_event(&ViewEvent::Filter("-l app in (api,cart),app!=cart".into()));
    assert_eq!(names(&view, &model), ["api-0", "api-1"]);
    view.handle_event(&ViewEvent::Filter("-l app in (api".into()));
    assert_eq!(
        names(&view, &model),
        ["api-0", "api-1"],
        "the last good filter stays"
    );
    assert!(view.status().unwrap().contains("bad label selector"));
    view.handle_event(&ViewEvent::Filter(String::new()));
    assert_eq!(names(&view, &model).len(), 4);
    assert_eq!(view.status(), None);
    assert!(view.filterable());
    // Another kind starts whole, and coming back does not bring the filter.
    view.handle_event(&ViewEvent::Filter("crash".into()));
    press(&mut view, Key::Char(']'));
    assert_eq!(view.state().filter_text_shown(), "(none)");
    press(&mut view, Key::Char('['));
    assert_eq!(names(&view, &model).len(), 4);
}

#[test]
fn pickers_choose_the_namespace_and_the_contexts() {
    let (mut view, model) = view();
    let (tx, mut requests) = tokio::sync::mpsc::unbounded_channel();
    model.serve(tx);
    press(&mut view, Key::Char('n'));
    assert_eq!(
        requests.try_recv(),
        Ok(Request::Watch(Kind::Namespaces)),
        "the picker lists namespaces from their watch"
    );
    assert!(view.state().picker.is_some());
    assert!(view.key_hints().iter().any(|h| h.action == "check"));
    // (all namespaces), default, shop.
    press(&mut view, Key::Down);
    press(&mut view, Key::Down);
    press(&mut view, Key::Enter);
    assert!(view.state().picker.is_none());
    assert_eq!(
        requests.try_recv(),
        Ok(Request::Namespace(Some("shop".into())))
    );
    press(&mut view, Key::Char('c'));
    press(&mut view, Key::Down);
    press(&mut view, Key::Char(' '));
    press(&mut view, Key::Enter);
    assert_eq!(
        requests.try_recv(),
        Ok(Request::Contexts(vec![
            "emulator".into(),
            "emulator-2".into()
        ]))
    );
    // Checking a context listed before the shown one keeps the shown one first.
    model.lock().contexts = vec!["emulator-2".into()];
    press(&mut view, Key::Char('c'));
    press(&mut view, Key::Char(' '));
    press(&mut view, Key::Enter);
    assert_eq!(
        requests.try_recv(),
        Ok(Request::Contexts(vec![
            "emulator-2".into(),
            "emulator".into()
        ]))
    );
    press(&mut view, Key::Char('c'));
    press(&mut view, Key::Esc);
    assert!(view.state().picker.is_none());
    assert!(requests.try_recv().is_err(), "Esc changes nothing");
    // The pickers draw on screens too small for them without panicking.
    press(&mut view, Key::Char('n'));
    for (w, h) in [(3, 2), (10, 5), (80, 24)] {
        let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
        view.render(buf.area, &mut buf);
    }
}

#[test]
fn selections_name_pods_and_deployments_and_reveal_finds_a_pod() {
    let (mut view, _) = view();
    press(&mut view, Key::Down);
    let intents = view.take_intents();
    let expected = ResourceRef::new("Pod", "api-1")
        .in_namespace("default")
        .label("app", "api");
    assert_eq!(intents, [Intent::Selected(expected)]);
    press(&mut view, Key::Char(']'));
    assert_eq!(
        view.take_intents(),
        [Intent::Selected(
            ResourceRef::new("Deployment", "api").in_namespace("default")
        )]
    );
    press(&mut view, Key::Char(']'));
    assert_eq!(
        view.take_intents(),
        [Intent::Cleared],
        "replicasets name nothing"
    );
    let cart = ResourceRef::new("Pod", "cart-0").in_namespace("shop");
    assert_eq!(
        view.handle_event(&ViewEvent::Reveal(cart.clone())),
        KeyOutcome::Consumed
    );
    assert_eq!(view.state().kind, Kind::Pods);
    assert_eq!(view.state().selected, 3);
    assert_eq!(
        view.take_intents(),
        [Intent::Selected(cart.label("app", "cart"))]
    );
    let missing = ResourceRef::new("Pod", "gone").in_namespace("shop");
    assert_eq!(
        view.handle_event(&ViewEvent::Reveal(missing)),
        KeyOutcome::Ignored
    );
    let alert = ResourceRef::new("Alert", "HighLatency");
    assert_eq!(
        view.handle_event(&ViewEvent::Reveal(alert)),
        KeyOutcome::Ignored
    );
}
