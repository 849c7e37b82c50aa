//! The watches behind the TUI view. One supervisor task takes the view's
//! requests (a kind to watch, a namespace, the contexts to show); each
//! shown context gets a task that connects once and starts one watch per
//! wanted kind (`watch/list.rs`). Every task is spawned through the
//! plugin's context, so the host owns, meters and cancels them; nothing
//! polls.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, Service};
use kube::Api;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use vcli_plugin_api::{NetworkService, PluginContext};

use crate::client::{self, Conn};
use crate::health;
use crate::kind::Kind;
use crate::model::{Request, SharedModel, WatchState};
use crate::settings::ConnectOptions;

mod list;

/// What every context task needs to connect and spawn.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    /// Spawns the tasks, so the host owns them.
    pub ctx: PluginContext,
    /// The configured connection (kubeconfig, timeouts); the context is set per task.
    pub options: ConnectOptions,
    /// The host's metered connections.
    pub network: NetworkService,
    /// Where the rows go.
    pub model: SharedModel,
}

/// What the context tasks should watch.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    kinds: BTreeSet<Kind>,
    namespace: Option<String>,
}

/// Runs until `cancel` fires: starts a task per shown context and passes
/// the view's requests on to them.
pub(crate) async fn supervise(
    setup: Setup,
    mut requests: UnboundedReceiver<Request>,
    cancel: CancellationToken,
) {
    let (contexts, namespace) = {
        let m = setup.model.lock();
        (m.contexts.clone(), m.namespace.clone())
    };
    let (wanted, _) = watch::channel(Wanted {
        kinds: BTreeSet::from([Kind::Pods]),
        namespace,
    });
    let mut running: BTreeMap<String, CancellationToken> = BTreeMap::new();
    show(&setup, &contexts, &mut running, &wanted, &cancel);
    loop {
        let request = tokio::select! {
            () = cancel.cancelled() => return,
            r = requests.recv() => match r {
                Some(r) => r,
                None => return,
            },
        };
        match request {
            Request::Watch(kind) => {
                wanted.send_if_modified(|w| w.kinds.insert(kind));
            }
            Request::Namespace(namespace) => {
                if wanted.borrow().namespace != namespace {
                    // Rows of the old scope go at once; the watches list the new one.
                    let mut m = setup.model.update();
                    m.clear_rows();
                    m.namespace.clone_from(&namespace);
                    drop(m);
                    wanted.send_modify(|w| w.namespace = namespace);
                }
            }
            Request::Contexts(contexts) => {
                show(&setup, &contexts, &mut running, &wanted, &cancel);
            }
        }
    }
}

/// Makes `contexts` the shown ones: stops the tasks of the others, forgets
/// their rows, and starts tasks for new ones.
fn show(
    setup: &Setup,
    contexts: &[String],
    running: &mut BTreeMap<String, CancellationToken>,
    wanted: &watch::Sender<Wanted>,
    cancel: &CancellationToken,
) {
    let mut model = setup.model.update();
    running.retain(|name, token| {
        let keep = contexts.contains(name);
        if !keep {
            token.cancel();
            model.forget_context(name);
        }
        keep
    });
    model.contexts = contexts.to_vec();
    drop(model);
    for name in contexts {
        if running.contains_key(name) {
            continue;
        }
        let token = cancel.child_token();
        let task = run_context(
            setup.clone(),
            name.clone(),
            wanted.subscribe(),
            token.clone(),
        );
        match setup.ctx.spawn(&format!("k8s-context {name}"), task) {
            Ok(()) => {
                running.insert(name.clone(), token);
            }
            Err(e) => {
                setup
                    .model
                    .update()
                    .set_watch(Kind::Pods, name, WatchState::Ended(e.to_string()))
            }
        }
    }
}

/// One context: connects, learns the server's version, then keeps one watch
/// per wanted kind, restarting them all when the namespace changes.
async fn run_context(
    setup: Setup,
    context: String,
    mut wanted: watch::Receiver<Wanted>,
    cancel: CancellationToken,
) {
    let kinds = wanted.borrow().kinds.clone();
    set_all(&setup.model, &kinds, &context, &WatchState::Connecting);
    let options = ConnectOptions {
        context: Some(context.clone()),
        ..setup.options.clone()
    };
    let conn = tokio::select! {
        () = cancel.cancelled() => return,
        c = client::connect(&options, setup.network.clone()) => c,
    };
    let conn = match conn {
        Ok(conn) => conn,
        Err(e) => {
            // A context that cannot be used (no such user, a bad
            // certificate) will not heal by retrying: every watch of it
            // ends, now and when the view asks for more kinds.
            let ended = WatchState::Ended(e.to_string());
            loop {
                let kinds = wanted.borrow_and_update().kinds.clone();
                set_all(&setup.model, &kinds, &context, &ended);
                tokio::select! {
                    () = cancel.cancelled() => return,
                    changed = wanted.changed() => if changed.is_err() { return },
                }
            }
        }
    };
    let probe = health::probe(&conn).await;
    if let Some(version) = probe.version {
        setup
            .model
            .update()
            .server_versions
            .insert(context.clone(), version);
    }
    let mut started: BTreeMap<Kind, CancellationToken> = BTreeMap::new();
    let mut scope = wanted.borrow().namespace.clone();
    loop {
        let now = wanted.borrow_and_update().clone();
        if now.namespace != scope {
            for token in started.values() {
                token.cancel();
            }
            started.clear();
            scope = now.namespace.clone();
        }
        for kind in now.kinds {
            if started.contains_key(&kind) {
                continue;
            }
            let token = cancel.child_token();
            let name = format!("k8s-watch {}@{context}", kind.plural());
            let task = watch_kind(kind, &conn, scope.as_deref(), &setup.model, token.clone());
            match setup.ctx.spawn(&name, task) {
                Ok(()) => {
                    started.insert(kind, token);
                }
                Err(e) => {
                    setup.model.update().set_watch(
                        kind,
                        &context,
                        WatchState::Ended(e.to_string()),
                    );
                }
            }
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            changed = wanted.changed() => if changed.is_err() { return },
        }
    }
}

fn set_all(model: &SharedModel, kinds: &BTreeSet<Kind>, context: &str, state: &WatchState) {
    let mut m = model.update();
    for kind in kinds {
        m.set_watch(*kind, context, state.clone());
    }
}

/// The watch of `kind`, over all namespaces or `namespace`.
fn watch_kind(
    kind: Kind,
    conn: &Conn,
    namespace: Option<&str>,
    model: &SharedModel,
    cancel: CancellationToken,
) -> futures::future::BoxFuture<'static, ()> {
    use futures::FutureExt;
    let c = conn.client.clone();
    macro_rules! namespaced {
        ($t:ty) => {{
            let api: Api<$t> = match namespace {
                Some(ns) => Api::namespaced(c, ns),
                None => Api::all(c),
            };
            list::run(api, conn.clone(), model.clone(), cancel).boxed()
        }};
    }
    match kind {
        Kind::Pods => namespaced!(Pod),
        Kind::Deployments => namespaced!(Deployment),
        Kind::ReplicaSets => namespaced!(ReplicaSet),
        Kind::StatefulSets => namespaced!(StatefulSet),
        Kind::DaemonSets => namespaced!(DaemonSet),
        Kind::Jobs => namespaced!(Job),
        Kind::Services => namespaced!(Service),
        Kind::Events => namespaced!(Event),
        Kind::Nodes => list::run::<Node>(Api::all(c), conn.clone(), model.clone(), cancel).boxed(),
        Kind::Namespaces => {
            list::run::<Namespace>(Api::all(c), conn.clone(), model.clone(), cancel).boxed()
        }
    }
}
