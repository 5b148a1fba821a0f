//! Error classification: every error that leaves a stage carries a [`Kind`], attached where the
//! error happens, which `main` maps to an exit code and the retry layer maps to a policy.
//! Messages tell the story (anyhow context); the kind and the hint tell the operator what to do.

use std::fmt;

/// What kind of failure this is, from the operator's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A negative answer: precheck failed, verify found differences.
    Negative,
    /// Bad command line or project file.
    Usage,
    /// The environment is wrong: cannot connect, missing privilege, wrong server setting.
    Environment,
    /// A failure that may pass by itself; it persisted after retries. Safe to re-run.
    Transient,
    /// The replication position needed to resume no longer exists on the source.
    PositionLost,
    /// SIGINT or SIGTERM.
    Interrupted,
    /// A bug in omsctl.
    Internal,
}

impl Kind {
    /// The process exit code documented in README and the man page.
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Negative => 1,
            Kind::Usage => 2,
            Kind::Environment => 3,
            Kind::Transient => 4,
            Kind::PositionLost => 5,
            Kind::Interrupted => 130,
            Kind::Internal => 70,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Negative => "negative",
            Kind::Usage => "usage",
            Kind::Environment => "environment",
            Kind::Transient => "transient",
            Kind::PositionLost => "position_lost",
            Kind::Interrupted => "interrupted",
            Kind::Internal => "internal",
        }
    }
}

/// An error with a kind and an optional fix hint. Put it at the bottom of an anyhow chain with
/// [`classified`]; add context above it as usual.
#[derive(Debug)]
pub struct Classified {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Classified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Classified {}

/// A classified error with a message and a hint.
pub fn classified(kind: Kind, message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    let hint = hint.into();
    anyhow::Error::new(Classified {
        kind,
        message: message.into(),
        hint: if hint.is_empty() { None } else { Some(hint) },
    })
}

/// A usage / project-file error.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    classified(Kind::Usage, message, hint)
}

/// Wraps an existing error as the source of a classified one, keeping the original text.
#[derive(Debug)]
pub struct Tagged {
    pub kind: Kind,
    pub hint: Option<String>,
    pub source: anyhow::Error,
}

impl fmt::Display for Tagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.source)
    }
}

impl std::error::Error for Tagged {}

/// Attaches a kind (and hint) to any error without losing its text.
pub fn tag(kind: Kind, hint: Option<String>, err: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(Tagged {
        kind,
        hint,
        source: err.into(),
    })
}

/// The kind and hint of an error chain: the outermost classified link wins, so a caller can
/// reclassify (for example a transient error that persisted becomes Transient after retries).
pub fn kind_of(err: &anyhow::Error) -> (Kind, Option<String>) {
    for cause in err.chain() {
        if let Some(c) = cause.downcast_ref::<Classified>() {
            return (c.kind, c.hint.clone());
        }
        if let Some(t) = cause.downcast_ref::<Tagged>() {
            return (t.kind, t.hint.clone());
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return (Kind::Interrupted, None);
        }
    }
    (Kind::Internal, None)
}

/// True when the chain contains a broken pipe on stdout (`omsctl man | head`): exit quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Marker for an interruption by signal.
pub fn interrupted() -> anyhow::Error {
    classified(
        Kind::Interrupted,
        "interrupted; progress is checkpointed",
        "re-run the same command to resume",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outermost_classification_wins() {
        let inner = classified(Kind::Environment, "cannot connect", "start the server");
        let outer = tag(Kind::Transient, None, inner);
        assert_eq!(kind_of(&outer).0, Kind::Transient);
    }

    #[test]
    fn unclassified_errors_are_internal() {
        let e = anyhow::anyhow!("boom");
        assert_eq!(kind_of(&e).0, Kind::Internal);
        assert_eq!(Kind::Internal.exit_code(), 70);
    }

    #[test]
    fn context_keeps_the_kind() {
        let e = usage("bad key", "fix it").context("loading project");
        assert_eq!(kind_of(&e), (Kind::Usage, Some("fix it".into())));
    }
}
