//! Label selectors in kubectl's syntax: what parses, what matches, and the
//! message a bad one gives.

use std::collections::BTreeMap;

use vcli_plugin_kubernetes::Selector;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn equality_inequality_and_sets() {
    let web = labels(&[("app", "web"), ("tier", "front"), ("env", "prod")]);
    let db = labels(&[("app", "db"), ("tier", "db")]);
    let s = Selector::parse("app=web,tier!=db").unwrap();
    assert!(s.matches(&web));
    assert!(!s.matches(&db));
    let s = Selector::parse("app==db").unwrap();
    assert!(s.matches(&db) && !s.matches(&web));
    let s = Selector::parse("env in (prod, staging)").unwrap();
    assert!(s.matches(&web));
    assert!(!s.matches(&db), "a missing label is not in the set");
    let s = Selector::parse("env notin (prod)").unwrap();
    assert!(!s.matches(&web));
    assert!(s.matches(&db), "a missing label is not in the set either");
    let s = Selector::parse("env in (a,b),app").unwrap();
    assert!(!s.matches(&web));
}

#[test]
fn existence_and_absence() {
    let web = labels(&[("app", "web"), ("example.com/team", "ops")]);
    assert!(Selector::parse("app").unwrap().matches(&web));
    assert!(Selector::parse("example.com/team").unwrap().matches(&web));
    assert!(!Selector::parse("!app").unwrap().matches(&web));
    assert!(Selector::parse("!tier").unwrap().matches(&web));
    assert!(
        Selector::parse(" app = web , !tier ")
            .unwrap()
            .matches(&web)
    );
}

#[test]
fn bad_selectors_say_what_is_wrong() {
    let cases = [
        ("", "at least one requirement"),
        ("app=web,", "empty requirement"),
        ("env in (a,b", "unclosed \"(\""),
        ("env in a,b)", "unmatched \")\""),
        ("env within (a)", "expected \"in\" or \"notin\""),
        ("env in ()", "needs at least one value"),
        ("app=we b", "invalid label value \"we b\""),
        ("a pp=web", "invalid label key \"a pp\""),
        ("=web", "invalid label key \"\""),
        ("env in ((a))", "nested parentheses"),
    ];
    for (text, message) in cases {
        let error = Selector::parse(text).unwrap_err();
        assert!(error.contains(message), "{text:?}: {error}");
    }
}
