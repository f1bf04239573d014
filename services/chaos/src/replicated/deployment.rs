//! The operator's files in `deploy/`, read as a machine would use them: a
//! template filled in with one host's values, and a systemd unit's
//! `ExecStart`, `EnvironmentFile` and `User`. The replicated cluster starts
//! every node from these, so the files an operator copies are the files the
//! suite tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One host's values for the `${NAME}` placeholders of the templates.
pub type Values = BTreeMap<String, String>;

/// `text` with every `${NAME}` replaced by its value; a placeholder without
/// a value is an error, so that a template and its caller cannot drift
/// apart unnoticed.
pub fn fill(text: &str, values: &Values) -> anyhow::Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| anyhow::anyhow!("an unclosed ${{ in a template"))?;
        let name = &after[..end];
        let value = values
            .get(name)
            .ok_or_else(|| anyhow::anyhow!("no value for ${{{name}}}"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Fills in the template `deploy/<template>` and writes it to `to`.
pub fn render(deploy: &Path, template: &str, values: &Values, to: &Path) -> anyhow::Result<()> {
    let source = deploy.join(template);
    let text = std::fs::read_to_string(&source).map_err(|e| anyhow::anyhow!("{}: {e}", source.display()))?;
    let filled = fill(&text, values).map_err(|e| anyhow::anyhow!("{}: {e}", source.display()))?;
    std::fs::write(to, filled)?;
    Ok(())
}

/// `KEY=value` lines, as systemd reads an `EnvironmentFile` (comments and
/// blank lines skipped; no expansion).
pub fn environment(file: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect())
}

/// What a unit runs: its command line, environment file and user.
#[derive(Debug, Clone)]
pub struct Unit {
    pub exec: Vec<String>,
    pub environment_file: Option<String>,
    pub user: Option<String>,
}

impl Unit {
    pub fn read(deploy: &Path, name: &str) -> anyhow::Result<Self> {
        let path = deploy.join("systemd").join(name);
        let text = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let setting = |key: &str| {
            text.lines()
                .filter_map(|line| line.trim().strip_prefix(key)?.strip_prefix('='))
                .map(|value| value.trim().to_owned())
                .next_back()
        };
        let exec = setting("ExecStart")
            .ok_or_else(|| anyhow::anyhow!("{}: no ExecStart", path.display()))?
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        Ok(Self {
            exec,
            environment_file: setting("EnvironmentFile").map(|f| f.trim_start_matches('-').to_owned()),
            user: setting("User"),
        })
    }

    /// The command line with systemd's `${VAR}` expanded from `env` and the
    /// installed paths mapped to where this run keeps them.
    pub fn command_line(&self, env: &[(String, String)], paths: &[(&str, PathBuf)]) -> anyhow::Result<Vec<String>> {
        let values: Values = env.iter().cloned().collect();
        self.exec
            .iter()
            .map(|word| {
                let mut word = fill(word, &values)?;
                for (installed, here) in paths {
                    if let Some(rest) = word.strip_prefix(installed) {
                        word = format!("{}{rest}", here.display());
                    }
                }
                Ok(word)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_needs_a_value() {
        let mut values = Values::new();
        values.insert("NODE_IP".into(), "10.0.0.1".into());
        assert_eq!(fill("BIND=${NODE_IP}:8081", &values).unwrap(), "BIND=10.0.0.1:8081");
        assert!(fill("X=${MISSING}", &values).is_err());
        assert!(fill("X=${NODE_IP", &values).is_err());
    }

    #[test]
    fn the_deploy_units_name_what_they_run() {
        let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
        for (unit, program) in [
            ("enroll-auth.service", "/usr/local/bin/auth-service"),
            ("enroll-courses.service", "/usr/local/bin/course-service"),
            ("enroll-grades.service", "/usr/local/bin/grade-service"),
            ("enroll-etcd.service", "/usr/bin/etcd"),
            ("enroll-patroni.service", "/usr/bin/patroni"),
        ] {
            let unit = Unit::read(&deploy, unit).unwrap();
            assert_eq!(unit.exec[0], program);
            assert!(unit.environment_file.is_some());
        }
    }
}
