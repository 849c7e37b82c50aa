//! The event loop: terminal input, manager events, plugin redraw requests,
//! command output and a slow tick become messages; effects become manager
//! calls on tasks this loop owns; frames are drawn only when something
//! changed, at most one per frame interval.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{Event as TermEvent, EventStream, MouseButton, MouseEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, broadcast, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use vcli_plugin_api::MouseKind;

use crate::config::Config;
use crate::manager::{EventKind, Manager};

use super::hosted::HostedView;
use super::keys::from_crossterm;
use super::model::{Model, PluginAction, Tab};
use super::msg::{Effect, Msg};
use super::rows::Sampler;
use super::terminal::Screen;
use super::{palette, update, view};

mod commands;

use commands::Pending;

/// At most one frame per interval (about 60 per second).
const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// A resize is drawn once the terminal stopped changing size for this long.
const RESIZE_SETTLE: Duration = Duration::from_millis(30);
/// Ages, uptimes and rates refresh this often when nothing else happens.
const TICK: Duration = Duration::from_secs(1);

/// Everything the loop owns besides the model.
struct Host {
    manager: Manager,
    config: Config,
    tx: mpsc::UnboundedSender<Msg>,
    tasks: JoinSet<()>,
    commands: HashMap<u64, CancellationToken>,
    pending: Arc<Mutex<Pending>>,
    output_ready: Arc<Notify>,
    sampler: Sampler,
    history: Option<std::path::PathBuf>,
}

/// Runs the TUI until the user quits or the terminal goes away.
///
/// # Errors
///
/// The terminal could not be read or written.
pub async fn run(
    manager: Manager,
    config: Config,
    mut model: Model,
    screen: &mut Screen,
) -> io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut host = Host {
        manager: manager.clone(),
        config,
        tx,
        tasks: JoinSet::new(),
        commands: HashMap::new(),
        pending: Arc::default(),
        output_ready: Arc::new(Notify::new()),
        sampler: Sampler::default(),
        history: palette::history_path(),
    };
    let mut input = EventStream::new();
    let mut events = manager.subscribe();
    let redraw = manager.redraw_signal();
    let mut tick = tokio::time::interval(TICK);
    // In raw mode Ctrl-C is a key; these are signals sent from elsewhere
    // (`kill`, a closed terminal window): they quit the same graceful way.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    // The first frame goes out before any plugin is started: start-up never
    // waits on a server.
    model.plugins.rows = host.sampler.rows(&manager, &host.config);
    draw(screen, &mut model)?;
    let mut last_frame = Instant::now();
    host.start_plugins(&model);

    let mut dirty = false;
    let mut resize: Option<((u16, u16), Instant)> = None;
    while !model.quit {
        let frame_at = last_frame + FRAME_INTERVAL;
        let resize_at = resize.map(|(_, at)| at);
        let msg = tokio::select! {
            term = input.next() => match term {
                Some(Ok(TermEvent::Resize(w, h))) => {
                    resize = Some(((w, h), Instant::now() + RESIZE_SETTLE));
                    None
                }
                Some(Ok(event)) => terminal_msg(event),
                Some(Err(e)) => return Err(e),
                // The terminal is gone: nothing left to show.
                None => break,
            },
            event = events.recv() => match event {
                Ok(event) => {
                    host.react(&event.plugin, &event.kind, &model);
                    Some(Msg::Manager(event))
                }
                Err(broadcast::error::RecvError::Lagged(n)) => Some(Msg::Lagged(n)),
                Err(broadcast::error::RecvError::Closed) => None,
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = terminate.recv() => break,
            _ = hangup.recv() => break,
            _ = interrupt.recv() => break,
            () = redraw.notified() => Some(Msg::PluginChanged),
            () = host.output_ready.notified() => {
                for msg in host.drain_output() {
                    apply(&mut host, &mut model, msg, screen)?;
                }
                dirty = true;
                None
            },
            _ = tick.tick() => {
                let rows = host.sampler.rows(&manager, &host.config);
                apply(&mut host, &mut model, Msg::Plugins(rows), screen)?;
                Some(Msg::Tick(SystemTime::now()))
            },
            Some(ended) = host.tasks.join_next() => {
                if let Err(e) = ended {
                    tracing::error!("a TUI task ended abnormally: {e}");
                }
                None
            },
            () = sleep_until(resize_at), if resize.is_some() => {
                let ((w, h), _) = resize.take().unwrap_or(((model.size.0, model.size.1), Instant::now()));
                Some(Msg::Resize(w, h))
            },
            () = tokio::time::sleep_until(frame_at.into()), if dirty => {
                draw(screen, &mut model)?;
                last_frame = Instant::now();
                dirty = false;
                for effect in update::collect_panics(&mut model) {
                    host.execute(effect, &mut model, screen)?;
                }
                None
            },
        };
        if let Some(msg) = msg {
            apply(&mut host, &mut model, msg, screen)?;
            dirty = true;
        }
    }
    host.finish().await;
    Ok(())
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Runs `update` and the effects it asks for.
fn apply(host: &mut Host, model: &mut Model, msg: Msg, screen: &mut Screen) -> io::Result<()> {
    for effect in update::update(model, msg) {
        host.execute(effect, model, screen)?;
    }
    Ok(())
}

/// Draws one frame inside a synchronized update, so terminals that support
/// it show the whole frame at once (no tearing on resize).
fn draw(screen: &mut Screen, model: &mut Model) -> io::Result<()> {
    let size = screen.terminal.size()?;
    model.size = (size.width, size.height);
    crossterm::queue!(screen.terminal.backend_mut(), BeginSynchronizedUpdate)?;
    screen.terminal.draw(|frame| view::draw(frame, model))?;
    crossterm::execute!(screen.terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}

/// A terminal event as a message; `None` for what the TUI ignores.
fn terminal_msg(event: TermEvent) -> Option<Msg> {
    match event {
        TermEvent::Key(key) => from_crossterm(key).map(Msg::Key),
        TermEvent::Mouse(mouse) => {
            let kind = match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
                MouseEventKind::ScrollUp => MouseKind::ScrollUp,
                MouseEventKind::ScrollDown => MouseKind::ScrollDown,
                _ => return None,
            };
            Some(Msg::Mouse {
                kind,
                column: mouse.column,
                row: mouse.row,
            })
        }
        TermEvent::Paste(text) => Some(Msg::Paste(text)),
        _ => None,
    }
}

impl Host {
    /// Starts every enabled plugin in dependency order, in the background,
    /// then turns on the monitors; each view appears as its plugin runs.
    fn start_plugins(&mut self, model: &Model) {
        let manager = self.manager.clone();
        let tx = self.tx.clone();
        let tabs: Vec<&'static str> = plugin_tabs(model);
        self.tasks.spawn(async move {
            let failures = manager.start_all().await;
            manager.spawn_monitors();
            for plugin in tabs {
                let msg = match failures.iter().find(|(name, _)| name == plugin) {
                    Some((_, error)) => Msg::View {
                        plugin,
                        view: None,
                        waiting: format!("{plugin} did not start: {error}\nFix the cause, then start it from the Plugins tab."),
                    },
                    None => view_msg(&manager, plugin),
                };
                let _ = tx.send(msg);
            }
        });
    }

    /// Keeps plugin tabs in step with the lifecycle.
    fn react(&mut self, plugin: &str, kind: &EventKind, model: &Model) {
        let Some(plugin) = plugin_tabs(model).into_iter().find(|p| *p == plugin) else {
            return;
        };
        let msg = match kind {
            EventKind::Started => view_msg(&self.manager, plugin),
            EventKind::Failed { reason } | EventKind::Terminated { reason } => Msg::View {
                plugin,
                view: None,
                waiting: format!(
                    "{plugin} failed: {reason}\nSee the Plugins tab; it restarts if its restart policy says so."
                ),
            },
            EventKind::Stopped | EventKind::Unloaded => Msg::View {
                plugin,
                view: None,
                waiting: format!("{plugin} is stopped; start it from the Plugins tab."),
            },
            _ => return,
        };
        let _ = self.tx.send(msg);
    }

    fn execute(
        &mut self,
        effect: Effect,
        model: &mut Model,
        screen: &mut Screen,
    ) -> io::Result<()> {
        match effect {
            Effect::Plugin { plugin, action } => {
                let manager = self.manager.clone();
                let tx = self.tx.clone();
                self.tasks.spawn(async move {
                    let result = match action {
                        PluginAction::Start => manager.start(plugin).await,
                        PluginAction::Stop => manager.stop(plugin).await,
                        PluginAction::Reload => manager.reload(plugin).await,
                    };
                    let text = match result {
                        Ok(()) => format!("{plugin}: {} done", action.verb()),
                        Err(e) => format!("{plugin}: {} failed: {e}", action.verb()),
                    };
                    let _ = tx.send(Msg::Status(text));
                });
            }
            Effect::Run {
                id,
                line: _,
                parsed,
            } => self.run_command(id, parsed, model),
            Effect::Cancel(id) => {
                if let Some(token) = self.commands.get(&id) {
                    token.cancel();
                }
            }
            Effect::Lens { from, resource } => {
                let lenses: Vec<HostedView> = self
                    .manager
                    .catalog()
                    .names()
                    .filter(|name| *name != from)
                    .filter_map(|name| {
                        self.manager.lens(name, &resource).map(|v| {
                            HostedView::new(name, v).charged(self.manager.view_charge(name))
                        })
                    })
                    .collect();
                let commands = self
                    .manager
                    .catalog()
                    .names()
                    .flat_map(|name| self.manager.commands_for(name, &resource))
                    .collect();
                let note = if lenses.is_empty() {
                    update::lens_missing(&self.manager.list(), from, &resource)
                } else {
                    None
                };
                apply(
                    self,
                    model,
                    Msg::Lenses {
                        resource,
                        lenses,
                        commands,
                        note,
                    },
                    screen,
                )?;
            }
            Effect::ViewPanicked { plugin, reason } => self.manager.view_failed(plugin, reason),
            Effect::SaveHistory => {
                if let Some(path) = &self.history
                    && let Err(e) = palette::save_history(path, &model.palette.history)
                {
                    tracing::warn!("cannot save the palette history to {}: {e}", path.display());
                }
            }
            Effect::ClearScreen => {
                screen.terminal.clear()?;
                draw(screen, model)?;
            }
        }
        Ok(())
    }

    /// Cancels running commands and shuts the plugins down within the
    /// configured limit.
    async fn finish(mut self) {
        for token in self.commands.values() {
            token.cancel();
        }
        let limit = self.config.manager.shutdown_timeout.0;
        match tokio::time::timeout(limit, self.manager.shutdown()).await {
            Ok(failures) => {
                for (plugin, error) in failures {
                    tracing::warn!(plugin, %error, "did not shut down cleanly");
                }
            }
            Err(_) => tracing::warn!("plugins did not shut down within {limit:?}"),
        }
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        crate::cli::sandbox::persist(&self.manager);
    }
}

/// The plugins that have a tab.
fn plugin_tabs(model: &Model) -> Vec<&'static str> {
    model
        .tabs
        .iter()
        .filter_map(|t| match t {
            Tab::Plugin { plugin, .. } => Some(*plugin),
            _ => None,
        })
        .collect()
}

/// `plugin`'s view, or why there is none.
fn view_msg(manager: &Manager, plugin: &'static str) -> Msg {
    match manager.view(plugin) {
        Some(view) => Msg::View {
            plugin,
            view: Some(HostedView::new(plugin, view).charged(manager.view_charge(plugin))),
            waiting: String::new(),
        },
        None => Msg::View {
            plugin,
            view: None,
            waiting: format!("{plugin} runs but offers no view."),
        },
    }
}
