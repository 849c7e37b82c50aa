//! Words a view adds to the host's command palette while it has focus
//! (k9s's `:pods`, `:deploy`), so one palette drives both the CLI's commands
//! and the views' own navigation.

/// A palette word a view offers: its name, other names for the same thing,
/// and a description for completion.
///
/// The host offers the names and aliases in completion while the view has
/// focus; when the typed line is exactly one of them, the host delivers the
/// entry to the view as [`ViewEvent::Palette`](super::ViewEvent::Palette)
/// instead of running a CLI command.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PaletteEntry {
    /// The main word (`pods`).
    pub name: String,
    /// Other words that mean the same (`po`, `pod`).
    pub aliases: Vec<String>,
    /// What choosing the entry does, in a few words.
    pub description: String,
}

impl PaletteEntry {
    /// An entry named `name`, without aliases.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        PaletteEntry {
            name: name.into(),
            aliases: Vec::new(),
            description: description.into(),
        }
    }

    /// Adds other names for the entry.
    #[must_use]
    pub fn aliases<I, S>(mut self, aliases: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.aliases.extend(aliases.into_iter().map(Into::into));
        self
    }

    /// Whether `word` is the entry's name or one of its aliases.
    pub fn answers_to(&self, word: &str) -> bool {
        self.words().any(|w| w == word)
    }

    /// The name, then the aliases.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_answers_to_its_name_and_aliases_only() {
        let entry =
            PaletteEntry::new("deployments", "list deployments").aliases(["deploy", "deployment"]);
        assert!(entry.answers_to("deployments"));
        assert!(entry.answers_to("deploy"));
        assert!(!entry.answers_to("dep"));
        assert_eq!(
            entry.words().collect::<Vec<_>>(),
            ["deployments", "deploy", "deployment"]
        );
    }
}
