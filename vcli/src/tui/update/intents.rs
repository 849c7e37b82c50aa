//! What views ask for: lenses on a selection, revealing a resource in
//! another view, running a command line, a status message.

use vcli_plugin_api::{Intent, KeyOutcome, LifecycleState, ViewEvent};

use crate::manager::PluginInfo;

use super::super::model::{Model, Tab};
use super::super::msg::Effect;
use super::typing::run;

/// Routes what a view asked for.
pub(super) fn intents_to_effects(
    model: &mut Model,
    from: &'static str,
    intents: Vec<Intent>,
    effects: &mut Vec<Effect>,
) {
    for intent in intents {
        match intent {
            Intent::Selected(resource) => {
                model.lens_owner = Some(from);
                effects.push(Effect::Lens { from, resource });
            }
            Intent::Cleared => {
                model.lenses.clear();
                model.lens_note = None;
                model.selection = None;
            }
            Intent::Reveal(resource) => reveal(model, from, &resource),
            Intent::Run(line) => match model.palette.parse(&line) {
                Ok(parsed) => run(model, line, parsed, effects),
                Err(e) => model.status = Some(format!("{line}: {e}")),
            },
            Intent::Status(text) => model.status = Some(text),
            _ => {}
        }
    }
}

/// Offers `resource` to the other plugins' views; the first that takes it gets focus.
pub(super) fn reveal(
    model: &mut Model,
    from: &'static str,
    resource: &vcli_plugin_api::ResourceRef,
) {
    let event = ViewEvent::Reveal(resource.clone());
    let taker = model.tabs.iter_mut().position(|t| match t {
        Tab::Plugin {
            plugin,
            view: Some(view),
            ..
        } if *plugin != from => view.handle(&event) == KeyOutcome::Consumed,
        _ => false,
    });
    match taker {
        Some(i) => {
            model.active = i;
            model.filter.editing = None;
        }
        None => {
            let rows = model.plugins.rows.iter().map(|row| &row.info);
            model.status = Some(match what_is_missing(rows, from) {
                Some(why) => format!("no view here shows {resource}: {why}"),
                None => format!("no view here shows {resource}"),
            });
        }
    }
}

/// Why nothing else shows `resource`, selected in `from`'s view: which
/// other plugins are not running, or that this build has none. `None` when
/// every other plugin runs and simply has nothing to say about it: then
/// nothing is missing, and no box takes the view's room.
pub fn lens_missing(
    plugins: &[PluginInfo],
    from: &str,
    resource: &vcli_plugin_api::ResourceRef,
) -> Option<String> {
    what_is_missing(plugins, from).map(|why| format!("Nothing else shows {resource}: {why}."))
}

/// What keeps the plugins other than `from` from answering: those not
/// running, or that there are none; `None` when all of them run.
fn what_is_missing<'a>(
    plugins: impl IntoIterator<Item = &'a PluginInfo>,
    from: &str,
) -> Option<String> {
    let others: Vec<_> = plugins.into_iter().filter(|p| p.name != from).collect();
    if others.is_empty() {
        return Some(
            "this build has no other plugin (`cargo xtask bundle` builds one with more)".to_owned(),
        );
    }
    let idle: Vec<String> = others
        .iter()
        .filter(|p| p.state != LifecycleState::Running)
        .map(|p| match p.state {
            _ if !p.enabled => format!("{} is disabled in the config", p.name),
            LifecycleState::Failed => format!("{} failed (the Plugins tab says why)", p.name),
            state => format!("{} is {state}", p.name),
        })
        .collect();
    (!idle.is_empty()).then(|| idle.join(", "))
}
