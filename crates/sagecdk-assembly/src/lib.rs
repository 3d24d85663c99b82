//! The AWS CDK cloud assembly format, shared by the synthesizer that writes it and the CLI and
//! deploy engine that read it.
//!
//! * [`json`]: JSON text exactly as the AWS CDK writes it (`JSON.stringify` rules).
//! * [`manifest`] and [`assets`]: typed `manifest.json` and `<stack>.assets.json` documents.
//! * [`CloudAssembly`]: reads an assembly directory (written by sagecdk or by the AWS CDK).
//! * [`StagingDir`]: writes an assembly next to its final place and swaps it in only when complete,
//!   so a failed synthesis never leaves a half-written assembly behind; [`check_output_dir`]
//!   refuses to replace anything but an assembly.
//! * [`WriteLock`] and [`ReadLock`]: the AWS CDK CLI's locks on an assembly directory.

pub mod assets;
pub mod bootstrap;
pub mod error_text;
pub mod json;
pub mod lock;
pub mod manifest;
mod outdir;
pub mod process;
mod staging;

pub use lock::{ReadLock, WriteLock};
pub use outdir::{
    OutputDirState, check_output_dir, is_assembly_entry, is_cloud_assembly, normalize,
};
pub use staging::StagingDir;

use manifest::{ArtifactManifest, AssemblyManifest, STACK_ARTIFACT, StackProperties};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Errors reading or writing a cloud assembly.
#[derive(Debug, thiserror::Error)]
pub enum AssemblyError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not valid JSON of the expected shape.
    #[error("{path}: invalid cloud assembly file: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// An artifact of the manifest has properties of the wrong shape.
    #[error("{path}: artifact '{id}' has invalid properties: {source}")]
    ArtifactProperties {
        /// The manifest file.
        path: PathBuf,
        /// The artifact id.
        id: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The output directory is a file.
    #[error(
        "the output directory {path} is a file, not a directory; choose another output directory \
         (--output, \"output\" in cdk.json or CDK_OUTDIR)"
    )]
    OutputNotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// The output directory holds something other than a cloud assembly.
    #[error(
        "the output directory {path} exists and is not a cloud assembly (it has no manifest.json \
         written by sagecdk or the AWS CDK), and writing an assembly would replace it; choose \
         another output directory (--output, \"output\" in cdk.json or CDK_OUTDIR), or empty \
         it yourself"
    )]
    OutputNotAnAssembly {
        /// The directory.
        path: PathBuf,
    },
    /// The output directory holds the current directory.
    #[error(
        "the output directory {path} holds the current directory {work_dir}, and writing an \
         assembly would replace it; choose an output directory of its own (default cdk.out)"
    )]
    OutputHoldsWorkDir {
        /// The directory.
        path: PathBuf,
        /// The current directory.
        work_dir: PathBuf,
    },
    /// Another process writes to or reads from the assembly directory.
    #[error(
        "{dir}: another process (PID {pids}) is {activity} this cloud assembly; run the commands \
         one after the other, or give each its own --output directory",
        pids = pids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    )]
    Locked {
        /// The assembly directory.
        dir: PathBuf,
        /// The other processes.
        pids: Vec<u32>,
        /// `writing to` or `reading from`.
        activity: &'static str,
    },
    /// The manifest's schema version is not one this crate can read.
    #[error("{path}: {message}")]
    SchemaVersion {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A stack artifact lists a dependency that does not exist or forms a cycle.
    #[error("invalid stack dependencies in {path}: {message}")]
    Dependencies {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AssemblyError + '_ {
    move |source| AssemblyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A cloud assembly directory loaded from disk.
#[derive(Debug, Clone)]
pub struct CloudAssembly {
    dir: PathBuf,
    manifest: AssemblyManifest,
}

/// A stack artifact of a [`CloudAssembly`].
#[derive(Debug, Clone)]
pub struct StackArtifact {
    /// Artifact id (the stack's construct id for top-level stacks).
    pub id: String,
    /// Construct path shown to users.
    pub display_name: String,
    /// `aws://account/region` (with `unknown-account` / `unknown-region` when agnostic).
    pub environment: String,
    /// Synthesizer properties.
    pub properties: StackProperties,
    /// Ids of the stacks this one depends on.
    pub stack_dependencies: Vec<String>,
    /// Ids of other (asset manifest) artifacts this one depends on.
    pub other_dependencies: Vec<String>,
    /// Absolute path of the template file.
    pub template_path: PathBuf,
}

impl StackArtifact {
    /// The CloudFormation stack name.
    pub fn stack_name(&self) -> &str {
        self.properties.stack_name.as_deref().unwrap_or(&self.id)
    }

    /// Reads and parses the template.
    pub fn template(&self) -> Result<serde_json::Value, AssemblyError> {
        read_json(&self.template_path)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, AssemblyError> {
    // Only plain files are read: opening a named pipe waits for a writer, and a device such as
    // `/dev/zero` never ends, so a manifest naming one would hang the reader.
    let file_type = std::fs::metadata(path).map_err(io_err(path))?.file_type();
    if !file_type.is_file() {
        let found = if file_type.is_dir() {
            "a directory"
        } else {
            "a pipe, socket or device"
        };
        return Err(io_err(path)(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("expected a JSON file, found {found}"),
        )));
    }
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    serde_json::from_str(&text).map_err(|source| AssemblyError::Json {
        path: path.to_path_buf(),
        source,
    })
}

impl CloudAssembly {
    /// Reads `manifest.json` from `dir`, refusing a schema version newer than this crate reads.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, AssemblyError> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join("manifest.json");
        let manifest: AssemblyManifest = read_json(&path)?;
        manifest::check_schema_version(&manifest)
            .map_err(|message| AssemblyError::SchemaVersion { path, message })?;
        Ok(Self { dir, manifest })
    }

    /// The assembly directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The parsed manifest.
    pub fn manifest(&self) -> &AssemblyManifest {
        &self.manifest
    }

    /// Reads a JSON file of the assembly (e.g. an asset manifest) by its relative name.
    pub fn read_file<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<T, AssemblyError> {
        read_json(&self.dir.join(name))
    }

    /// The construct metadata of artifact `id` (construct path → entries): the manifest's and
    /// its additional metadata file's together. Empty for an unknown artifact.
    pub fn artifact_metadata(
        &self,
        id: &str,
    ) -> Result<indexmap::IndexMap<String, Vec<manifest::MetadataEntry>>, AssemblyError> {
        let Some(artifact) = self.manifest.artifacts.get(id) else {
            return Ok(indexmap::IndexMap::new());
        };
        let mut all = artifact.metadata.clone().unwrap_or_default();
        if let Some(file) = &artifact.additional_metadata_file {
            let more: indexmap::IndexMap<String, Vec<manifest::MetadataEntry>> =
                self.read_file(file)?;
            for (path, entries) in more {
                all.entry(path).or_default().extend(entries);
            }
        }
        Ok(all)
    }

    /// All stack artifacts, ordered so that every stack comes after the stacks it depends on
    /// (manifest order otherwise).
    pub fn stacks(&self) -> Result<Vec<StackArtifact>, AssemblyError> {
        let manifest_path = self.dir.join("manifest.json");
        let mut stacks = Vec::new();
        for (id, artifact) in &self.manifest.artifacts {
            if artifact.artifact_type == STACK_ARTIFACT {
                stacks.push(self.stack_artifact(id, artifact)?);
            }
        }
        for s in &stacks {
            if let Some(missing) = s
                .stack_dependencies
                .iter()
                .chain(&s.other_dependencies)
                .find(|d| !self.manifest.artifacts.contains_key(d.as_str()))
            {
                return Err(AssemblyError::Dependencies {
                    path: manifest_path,
                    message: format!("stack '{}' depends on unknown artifact '{missing}'", s.id),
                });
            }
        }
        topo_sort(stacks).map_err(|message| AssemblyError::Dependencies {
            path: manifest_path,
            message,
        })
    }

    fn stack_artifact(
        &self,
        id: &str,
        artifact: &ArtifactManifest,
    ) -> Result<StackArtifact, AssemblyError> {
        let properties =
            artifact
                .stack_properties()
                .map_err(|source| AssemblyError::ArtifactProperties {
                    path: self.dir.join("manifest.json"),
                    id: id.to_string(),
                    source,
                })?;
        let (stack_dependencies, other_dependencies) = artifact
            .dependencies
            .clone()
            .unwrap_or_default()
            .into_iter()
            .partition(|d| {
                self.manifest
                    .artifacts
                    .get(d)
                    .is_some_and(|a| a.artifact_type == STACK_ARTIFACT)
            });
        Ok(StackArtifact {
            id: id.to_string(),
            display_name: artifact
                .display_name
                .clone()
                .unwrap_or_else(|| id.to_string()),
            environment: artifact
                .environment
                .clone()
                .unwrap_or_else(|| "aws://unknown-account/unknown-region".to_string()),
            // Joined as Node's `path.join` does (the AWS CDK's reader): an absolute name stays
            // under the assembly directory instead of replacing it.
            template_path: self
                .dir
                .join(properties.template_file.trim_start_matches(['/', '\\'])),
            properties,
            stack_dependencies,
            other_dependencies,
        })
    }
}

/// Orders stacks after their dependencies, keeping the input order where free: each step takes
/// the earliest stack (in input order) whose dependencies are all placed.
///
/// Linear in the number of stacks and dependencies (up to a logarithm), so an assembly with
/// thousands of stacks is read at once.
fn topo_sort(stacks: Vec<StackArtifact>) -> Result<Vec<StackArtifact>, String> {
    let index: HashMap<&str, usize> = stacks
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    // For each stack, how many distinct dependencies are not placed yet, and who waits on it.
    let mut waiting = vec![0usize; stacks.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); stacks.len()];
    for (i, s) in stacks.iter().enumerate() {
        let deps: BTreeSet<usize> = s
            .stack_dependencies
            .iter()
            .filter_map(|d| index.get(d.as_str()).copied())
            .collect();
        waiting[i] = deps.len();
        for d in deps {
            dependents[d].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..stacks.len()).filter(|i| waiting[*i] == 0).collect();
    let mut order = Vec::with_capacity(stacks.len());
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &j in &dependents[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.insert(j);
            }
        }
    }
    if order.len() < stacks.len() {
        let names: Vec<&str> = stacks
            .iter()
            .enumerate()
            .filter(|(i, _)| waiting[*i] > 0)
            .map(|(_, s)| s.id.as_str())
            .collect();
        return Err(format!(
            "dependency cycle among stacks {}",
            names.join(", ")
        ));
    }
    let mut slots: Vec<Option<StackArtifact>> = stacks.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(id: &str, deps: &[String]) -> StackArtifact {
        StackArtifact {
            id: id.to_string(),
            display_name: id.to_string(),
            environment: String::new(),
            properties: StackProperties::default(),
            stack_dependencies: deps.to_vec(),
            other_dependencies: Vec::new(),
            template_path: PathBuf::new(),
        }
    }

    fn ids(stacks: &[StackArtifact]) -> Vec<&str> {
        stacks.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn stacks_follow_their_dependencies_in_manifest_order_otherwise() {
        let sorted = topo_sort(vec![
            stack("A", &["C".into()]),
            stack("B", &[]),
            stack("C", &["B".into(), "B".into()]),
            stack("D", &[]),
        ])
        .expect("no cycle");
        assert_eq!(ids(&sorted), ["B", "C", "A", "D"]);

        let err = topo_sort(vec![
            stack("A", &["B".into()]),
            stack("B", &["A".into()]),
            stack("C", &[]),
            stack("D", &["D".into()]),
        ])
        .expect_err("cycles");
        assert_eq!(err, "dependency cycle among stacks A, B, D");
    }

    /// Ordering took quadratic time: 20,000 stacks each depending on the next took over a
    /// minute in a debug build.
    #[test]
    fn many_stacks_are_ordered_at_once() {
        const N: usize = 20_000;
        let stacks: Vec<StackArtifact> = (0..N)
            .map(|i| {
                let deps: Vec<String> = (i + 1 < N)
                    .then(|| format!("S{}", i + 1))
                    .into_iter()
                    .collect();
                stack(&format!("S{i}"), &deps)
            })
            .collect();
        let start = std::time::Instant::now();
        let sorted = topo_sort(stacks).expect("no cycle");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "ordering {N} stacks took {:?}",
            start.elapsed()
        );
        assert_eq!(sorted.first().map(|s| s.id.as_str()), Some("S19999"));
        assert_eq!(sorted.last().map(|s| s.id.as_str()), Some("S0"));
    }

    fn assembly_with(manifest: serde_json::Value) -> (tempfile::TempDir, CloudAssembly) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).expect("write");
        let assembly = CloudAssembly::load(dir.path()).expect("valid manifest");
        (dir, assembly)
    }

    /// A dependency on an artifact the manifest does not have was taken for an asset manifest
    /// dependency and ignored.
    #[test]
    fn a_dependency_on_an_unknown_artifact_is_an_error() {
        let (dir, assembly) = assembly_with(serde_json::json!({
            "version": "55.0.0",
            "artifacts": {
                "S": {
                    "type": STACK_ARTIFACT,
                    "properties": {"templateFile": "S.template.json"},
                    "dependencies": ["S.assets", "Gone"],
                },
                "S.assets": {"type": manifest::ASSET_MANIFEST_ARTIFACT, "properties": {"file": "S.assets.json"}},
            },
        }));
        let err = assembly.stacks().expect_err("unknown dependency");
        assert_eq!(
            err.to_string(),
            format!(
                "invalid stack dependencies in {}: stack 'S' depends on unknown artifact 'Gone'",
                dir.path().join("manifest.json").display()
            )
        );
    }

    /// Numbers came back from a template one unit in the last place off (serde_json's default
    /// float parser is not exact).
    #[test]
    fn template_numbers_read_back_exactly() {
        let (dir, assembly) = assembly_with(serde_json::json!({
            "version": "55.0.0",
            "artifacts": {
                "S": {"type": STACK_ARTIFACT, "properties": {"templateFile": "S.template.json"}},
            },
        }));
        let numbers = [
            -3.278842178446041e-113,
            0.1 + 0.2,
            5e-324,
            1.7976931348623157e308,
        ];
        let text: Vec<String> = numbers.iter().map(|n| json::js_number(*n)).collect();
        std::fs::write(
            dir.path().join("S.template.json"),
            format!("{{\"Numbers\":[{}]}}", text.join(",")),
        )
        .expect("write");
        let stacks = assembly.stacks().expect("valid stacks");
        let template = stacks[0].template().expect("valid template");
        let read: Vec<f64> = template["Numbers"]
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(serde_json::Value::as_f64)
            .collect();
        assert_eq!(read, numbers);
    }

    #[test]
    fn template_paths_stay_in_the_assembly_and_errors_name_the_artifact() {
        let (dir, assembly) = assembly_with(serde_json::json!({
            "version": "55.0.0",
            "artifacts": {
                "Abs": {"type": STACK_ARTIFACT, "properties": {"templateFile": "/Abs.template.json"}},
            },
        }));
        let stacks = assembly.stacks().expect("valid stacks");
        assert_eq!(
            stacks[0].template_path,
            dir.path().join("Abs.template.json")
        );
        let (_dir, assembly) = assembly_with(serde_json::json!({
            "version": "55.0.0",
            "artifacts": {"Bad": {"type": STACK_ARTIFACT, "properties": {"templateFile": 7}}},
        }));
        let err = assembly.stacks().expect_err("invalid properties");
        assert!(
            err.to_string()
                .contains("artifact 'Bad' has invalid properties"),
            "{err}"
        );
    }

    /// A template path naming a named pipe blocked the reader forever.
    #[cfg(unix)]
    #[test]
    fn a_template_that_is_not_a_plain_file_is_an_error() {
        let (dir, assembly) = assembly_with(serde_json::json!({
            "version": "55.0.0",
            "artifacts": {
                "Pipe": {"type": STACK_ARTIFACT, "properties": {"templateFile": "pipe.template.json"}},
                "Dir": {"type": STACK_ARTIFACT, "properties": {"templateFile": "sub"}},
                "Device": {"type": STACK_ARTIFACT, "properties": {"templateFile": "zero.template.json"}},
            },
        }));
        let pipe = dir.path().join("pipe.template.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo failed");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.template.json"))
            .expect("symlink");
        let stacks = assembly.stacks().expect("valid stacks");

        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let errors: Vec<String> = stacks
                .iter()
                .map(|s| match s.template() {
                    Ok(_) => format!("{} read", s.template_path.display()),
                    Err(e) => e.to_string(),
                })
                .collect();
            let _ = tx.send(errors);
        });
        let errors = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("reading returns at once");
        assert_eq!(
            errors,
            [
                format!(
                    "{}: expected a JSON file, found a pipe, socket or device",
                    pipe.display()
                ),
                format!(
                    "{}: expected a JSON file, found a directory",
                    dir.path().join("sub").display()
                ),
                format!(
                    "{}: expected a JSON file, found a pipe, socket or device",
                    dir.path().join("zero.template.json").display()
                ),
            ]
        );
    }
}
