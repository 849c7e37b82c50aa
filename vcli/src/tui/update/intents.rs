//! What views ask for: lenses on a selection, revealing a resource in
//! another view, running a command line, a status message.

use vcli_plugin_api::{Intent, KeyOutcome, ViewEvent};

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
        None => model.status = Some(format!("no view here shows {resource}")),
    }
}
