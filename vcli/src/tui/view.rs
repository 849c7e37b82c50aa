//! `view`: draws the whole screen from the model. Nothing here changes
//! state the user sees, so a screen is a snapshot of a model.

pub mod chrome;
pub mod events;
pub mod layout;
pub mod output;
pub mod overlays;
pub mod plugins;

use ratatui::Frame;

use super::model::{Model, Overlay, Tab};

/// Draws `model` into the frame.
pub fn draw(frame: &mut Frame<'_>, model: &mut Model) {
    let areas = layout::areas(model);
    let buf = frame.buffer_mut();
    chrome::header(model, areas.header, buf);
    chrome::tabs(model, areas.tabs, buf);
    let active = model.active.min(model.tabs.len() - 1);
    let theme = model.theme;
    let now = model.now;
    match &mut model.tabs[active] {
        Tab::Plugin {
            view: Some(view), ..
        } => view.render(areas.body, buf),
        Tab::Plugin { waiting, .. } => chrome::waiting(waiting, &theme, areas.body, buf),
        Tab::Plugins => plugins::draw(&model.plugins, &theme, now, areas.body, buf),
        Tab::Events => events::draw(&model.events, &theme, areas.body, buf),
        Tab::Command(pane) => output::draw(pane, &theme, areas.body, buf),
    }
    if let Some(lens) = areas.lens {
        match &model.lens_note {
            Some(note) if model.lenses.is_empty() => chrome::lens_note(note, &theme, lens, buf),
            _ => chrome::lenses(&mut model.lenses, &theme, lens, buf),
        }
    }
    chrome::footer(model, areas.footer, buf);
    match &model.overlay {
        Some(Overlay::Help) => overlays::help(model, areas.screen, buf),
        Some(Overlay::Confirm { action, plugin }) => {
            overlays::confirm(*action, plugin, &theme, areas.screen, buf);
        }
        Some(Overlay::Palette) => {
            overlays::palette(
                &model.palette,
                model.selection.as_ref(),
                &theme,
                areas.screen,
                buf,
            );
        }
        None => {}
    }
    if !theme.color {
        monochrome(buf);
    }
}

/// `NO_COLOR` holds for what plugins draw too: every colour a view or lens
/// painted is taken out, and a coloured background (a selection, a bar)
/// becomes reverse video so that it stays visible. The host's own
/// monochrome theme paints no colour, so only plugin cells change.
fn monochrome(buf: &mut ratatui::buffer::Buffer) {
    use ratatui::style::{Color, Modifier};
    for cell in &mut buf.content {
        if cell.bg != Color::Reset && !cell.modifier.contains(Modifier::REVERSED) {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}
