//! The command palette: the CLI's grammar for plugin commands, completion
//! from the plugins' clap trees, and a history kept in the state dir.

use std::path::{Path, PathBuf};

use vcli_plugin_api::PaletteEntry;

/// Lines of history kept on disk.
pub const HISTORY_LINES: usize = 500;

/// The palette's state; it outlives its overlay so history and a half-typed
/// line survive closing it.
#[derive(Debug, Default)]
pub struct Palette {
    /// What is typed (without the leading `:`).
    pub input: String,
    /// What Tab offered for the word being typed.
    pub candidates: Vec<String>,
    /// Earlier lines, oldest first.
    pub history: Vec<String>,
    /// Where ↑/↓ is in the history; `None` at the line being typed.
    pub history_pos: Option<usize>,
    /// Why the last line could not run, in the CLI's words.
    pub error: Option<String>,
    /// The whole command tree (host and plugins), for parsing and completion.
    pub tree: Option<clap::Command>,
    /// The top-level words that belong to plugins.
    pub plugin_commands: Vec<String>,
    /// Which offered command Tab last filled in, while it is untouched.
    pub suggestion: Option<usize>,
    /// The focused view's own words (`pods`, `deploy`), asked when the
    /// palette opens.
    pub view_entries: Vec<PaletteEntry>,
}

/// Where a line's end is in the command tree (see `Palette::walk`).
struct Walked<'a> {
    cmd: &'a clap::Command,
    depth: usize,
    done: bool,
    current: String,
}

/// A line the palette accepted.
#[derive(Debug)]
pub struct Parsed {
    /// The plugin command (`k8s`).
    pub command: String,
    /// Its matches, exactly as the CLI would have them.
    pub matches: clap::ArgMatches,
}

impl Palette {
    /// A palette over `tree`, where `plugin_commands` are the plugins' words.
    pub fn new(tree: clap::Command, plugin_commands: Vec<String>, history: Vec<String>) -> Self {
        Palette {
            tree: Some(tree.color(clap::ColorChoice::Never)),
            plugin_commands,
            history,
            ..Palette::default()
        }
    }

    /// Parses `line` with the CLI's grammar.
    ///
    /// # Errors
    ///
    /// The CLI's own message: unbalanced quotes, an unknown command, a host
    /// command (those have tabs of their own), or clap's usage error.
    pub fn parse(&self, line: &str) -> Result<Parsed, String> {
        let words = shlex::split(line).ok_or_else(|| "unbalanced quotes".to_owned())?;
        let Some(first) = words.first() else {
            return Err("type a command, e.g. k8s get pods".to_owned());
        };
        if !self.plugin_commands.iter().any(|c| c == first) {
            return Err(format!(
                "unknown command {first:?}; plugin commands here: {}",
                self.plugin_commands.join(", ")
            ));
        }
        let tree = self
            .tree
            .clone()
            .ok_or_else(|| "no commands are linked".to_owned())?;
        let argv = std::iter::once("vcli".to_owned()).chain(words);
        let matches = tree.try_get_matches_from(argv).map_err(|e| {
            // clap's message without its "Usage" block and help hint: the
            // palette has one line for it.
            let text = e.to_string();
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid command")
                .trim_start_matches("error: ")
                .to_owned()
        })?;
        let (command, sub) = matches
            .subcommand()
            .ok_or_else(|| "type a command, e.g. k8s get pods".to_owned())?;
        Ok(Parsed {
            command: command.to_owned(),
            matches: sub.clone(),
        })
    }

    /// The focused view's entry that `line` names: one word, its name or
    /// an alias (with or without a leading `:`, as k9s users type it).
    pub fn view_entry(&self, line: &str) -> Option<PaletteEntry> {
        let word = line.trim().trim_start_matches(':');
        if word.is_empty() || word.contains(char::is_whitespace) {
            return None;
        }
        self.view_entries
            .iter()
            .find(|e| e.answers_to(word))
            .cloned()
    }

    /// Completes the word under the cursor (the end of the line): one
    /// candidate is filled in, several fill in their common prefix and are
    /// listed.
    pub fn complete(&mut self) {
        self.candidates = self.candidates_for(&self.input);
        match self.candidates.as_slice() {
            [] => {}
            [one] => {
                let one = one.clone();
                self.replace_last_word(&one);
                self.input.push(' ');
                self.candidates.clear();
            }
            many => {
                let prefix = common_prefix(many);
                self.replace_last_word(&prefix);
            }
        }
    }

    fn replace_last_word(&mut self, word: &str) {
        let keep = self.input.rfind(' ').map_or(0, |i| i + 1);
        self.input.truncate(keep);
        self.input.push_str(word);
    }

    /// What could come at the end of `line`: subcommands, or flags when the
    /// word starts with `-`.
    pub fn candidates_for(&self, line: &str) -> Vec<String> {
        let Some(at) = self.walk(line) else {
            return Vec::new();
        };
        let (cmd, depth, done, current) = (at.cmd, at.depth, at.done, at.current.as_str());
        let mut out: Vec<String> = if current.starts_with('-') {
            cmd.get_arguments()
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .filter(|f| f.starts_with(current))
                .collect()
        } else if depth == 0 {
            // Only the first word can be a view's entry, so entries are
            // offered beside the plugin commands at depth 0.
            let entries = if !done {
                self.view_entries
                    .iter()
                    .flat_map(PaletteEntry::words)
                    .collect()
            } else {
                Vec::new()
            };
            self.plugin_commands
                .iter()
                .map(String::as_str)
                .chain(entries)
                .filter(|c| c.starts_with(current))
                .map(str::to_owned)
                .collect()
        } else {
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| s.get_name().to_owned())
                .filter(|n| n.starts_with(current) && n != "help")
                .collect()
        };
        out.sort();
        out.dedup();
        out
    }

    /// Where the end of `line` is in the command tree: the (sub)command its
    /// finished words reach, how deep that is, whether any word is finished,
    /// and the word being typed. `None` without a tree or with unbalanced
    /// quotes.
    fn walk(&self, line: &str) -> Option<Walked<'_>> {
        let tree = self.tree.as_ref()?;
        let words = shlex::split(line)?;
        let (done, current) = if line.is_empty() || line.ends_with(' ') {
            (words.as_slice(), "")
        } else {
            let (last, done) = words
                .split_last()
                .map_or((None, &[][..]), |(l, d)| (Some(l), d));
            (done, last.map_or("", String::as_str))
        };
        let mut cmd = tree;
        let mut depth = 0;
        let mut skip_value = false;
        for word in done {
            if skip_value {
                skip_value = false;
                continue;
            }
            if word.starts_with('-') {
                let name = word.trim_start_matches('-');
                let takes_value = cmd.get_arguments().any(|a| {
                    (a.get_long() == Some(name)
                        || a.get_short().is_some_and(|s| name == s.to_string()))
                        && a.get_action().takes_values()
                });
                skip_value = takes_value && !word.contains('=');
                continue;
            }
            if let Some(sub) = cmd.find_subcommand(word) {
                cmd = sub;
                depth += 1;
            }
        }
        Some(Walked {
            cmd,
            depth,
            done: !done.is_empty(),
            current: current.to_owned(),
        })
    }

    /// The candidates Tab offered, each with what it is in a few words (a
    /// subcommand's or a flag's help, a view word's description; empty
    /// when it has none). The line is walked once for all of them.
    pub fn described_candidates(&self) -> Vec<(&str, String)> {
        let at = self.walk(&self.input);
        self.candidates
            .iter()
            .map(|c| {
                let about = at.as_ref().and_then(|at| self.describe(at, c));
                (c.as_str(), about.unwrap_or_default())
            })
            .collect()
    }

    /// What `candidate`, at the place `at` of the line, is.
    fn describe(&self, at: &Walked<'_>, candidate: &str) -> Option<String> {
        let text = if let Some(long) = candidate.strip_prefix("--") {
            at.cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(long))?
                .get_help()?
                .to_string()
        } else if let Some(sub) = at.cmd.find_subcommand(candidate) {
            sub.get_about()?.to_string()
        } else if at.depth == 0 && !at.done {
            self.view_entries
                .iter()
                .find(|e| e.answers_to(candidate))?
                .description
                .clone()
        } else {
            return None;
        };
        Some(text)
    }

    /// Moves through the history: `older` with ↑, newer with ↓.
    pub fn recall(&mut self, older: bool) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        self.history_pos = match (self.history_pos, older) {
            (None, true) => Some(last),
            (Some(0), true) => Some(0),
            (Some(i), true) => Some(i - 1),
            (Some(i), false) if i < last => Some(i + 1),
            (_, false) => None,
        };
        self.input = self
            .history_pos
            .map_or_else(String::new, |i| self.history[i].clone());
    }

    /// Records a line that ran (not twice in a row).
    pub fn remember(&mut self, line: &str) {
        if self.history.last().map(String::as_str) != Some(line) {
            self.history.push(line.to_owned());
        }
        if self.history.len() > HISTORY_LINES {
            let extra = self.history.len() - HISTORY_LINES;
            self.history.drain(..extra);
        }
        self.history_pos = None;
    }
}

fn common_prefix(words: &[String]) -> String {
    let first = &words[0];
    let mut len = first.len();
    for w in &words[1..] {
        len = len.min(
            first
                .char_indices()
                .zip(w.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, c), _)| i + c.len_utf8()),
        );
    }
    first[..len].to_owned()
}

/// Where the history lives: `$XDG_STATE_HOME/vcli/history`.
pub fn history_path() -> Option<PathBuf> {
    crate::dirs::state_dir().map(|d| d.join("history"))
}

/// Reads the history; a missing or unreadable file is an empty history.
pub fn load_history(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|text| {
            text.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Writes the history, the last [`HISTORY_LINES`] lines.
///
/// # Errors
///
/// The file cannot be written.
pub fn save_history(path: &Path, history: &[String]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let start = history.len().saturating_sub(HISTORY_LINES);
    let mut text = history[start..].join("\n");
    text.push('\n');
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn palette() -> Palette {
        let tree = clap::Command::new("vcli").subcommand(
            clap::Command::new("k8s")
                .arg(
                    clap::Arg::new("namespace")
                        .long("namespace")
                        .short('n')
                        .global(true),
                )
                .subcommand(
                    clap::Command::new("get")
                        .about("Display resources")
                        .arg(clap::Arg::new("type").required(true)),
                )
                .subcommand(
                    clap::Command::new("logs").about("Print logs").arg(
                        clap::Arg::new("follow")
                            .long("follow")
                            .help("Stream new lines")
                            .action(clap::ArgAction::SetTrue),
                    ),
                ),
        );
        Palette::new(tree, vec!["k8s".to_owned()], Vec::new())
    }

    #[test]
    fn completes_commands_subcommands_and_flags() {
        let mut p = palette();
        p.input = "k".into();
        p.complete();
        assert_eq!(p.input, "k8s ");
        p.input = "k8s ".into();
        p.complete();
        assert_eq!(p.candidates, ["get", "logs"]);
        p.input = "k8s -n kube-system lo".into();
        p.complete();
        assert_eq!(p.input, "k8s -n kube-system logs ");
        p.input = "k8s logs --fo".into();
        p.complete();
        assert_eq!(p.input, "k8s logs --follow ");
    }

    #[test]
    fn candidates_are_described_by_their_help() {
        let mut p = palette();
        let describe = |p: &Palette, word: &str| {
            let at = p.walk(&p.input).expect("a walkable line");
            p.describe(&at, word)
        };
        p.input = "k8s ".into();
        assert_eq!(describe(&p, "get").as_deref(), Some("Display resources"));
        assert_eq!(describe(&p, "logs").as_deref(), Some("Print logs"));
        p.input = "k8s logs --f".into();
        assert_eq!(
            describe(&p, "--follow").as_deref(),
            Some("Stream new lines")
        );
        assert_eq!(describe(&p, "--nosuch"), None);
        p.input = "k8s get ".into();
        assert_eq!(describe(&p, "logs"), None, "not a word at this place");
        // What the overlay lists: every candidate Tab offered, described.
        p.input = "k8s ".into();
        p.complete();
        assert_eq!(
            p.described_candidates(),
            [
                ("get", "Display resources".to_owned()),
                ("logs", "Print logs".to_owned())
            ]
        );
    }

    #[test]
    fn parses_with_the_cli_grammar_and_its_words() {
        let p = palette();
        let parsed = p.parse("k8s get 'pods'").unwrap();
        assert_eq!(parsed.command, "k8s");
        assert_eq!(parsed.matches.subcommand_name(), Some("get"));
        assert!(
            p.parse("k8s get")
                .unwrap_err()
                .contains("required arguments were not provided")
        );
        assert!(
            p.parse("plugins list")
                .unwrap_err()
                .starts_with("unknown command \"plugins\"")
        );
        assert_eq!(p.parse("k8s get 'pods").unwrap_err(), "unbalanced quotes");
    }

    #[test]
    fn history_recalls_older_and_newer_lines() {
        let mut p = palette();
        p.remember("k8s get pods");
        p.remember("k8s get pods");
        p.remember("prom query up");
        assert_eq!(p.history.len(), 2);
        p.recall(true);
        assert_eq!(p.input, "prom query up");
        p.recall(true);
        assert_eq!(p.input, "k8s get pods");
        p.recall(false);
        p.recall(false);
        assert_eq!(p.input, "");
    }
}
