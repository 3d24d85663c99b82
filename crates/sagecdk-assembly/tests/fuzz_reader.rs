//! Bounded fuzzing of the cloud assembly reader.
//!
//! Random and structure-aware-but-broken `manifest.json` documents, templates and asset
//! manifests are written to a temporary directory and read back with [`CloudAssembly`]: reading
//! must never panic or hang, and every error must name the file it is about.
//!
//! Each property runs a fixed number of cases from a fixed seed, so a run is the same on every
//! machine and a failure reproduces. To search further, set the case count or the seed (they
//! apply to every property of this file):
//!
//! ```text
//! PROPTEST_CASES=20000 PROPTEST_RNG_SEED=7 cargo test -p sagecdk-assembly --test fuzz_reader
//! ```
//!
//! A failing case is saved in `fuzz_reader.proptest-regressions` beside this file and replayed
//! first on later runs; commit that file with the fix.

use proptest::prelude::*;
use sagecdk_assembly::assets::AssetManifest;
use sagecdk_assembly::manifest::{ASSET_MANIFEST_ARTIFACT, STACK_ARTIFACT, TREE_ARTIFACT};
use sagecdk_assembly::{AssemblyError, CloudAssembly, StackArtifact};
use serde_json::{Value as Json, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[path = "../../../tests/common/bounded.rs"]
mod bounded;

use bounded::{config, within_limit};

/// The seed used unless `PROPTEST_RNG_SEED` is set.
const SEED: u64 = 0x5a9e_cdc0_ffee;

// ---------------------------------------------------------------------------------------------
// Generators

/// Strings that stress path and text handling: relative and absolute paths, `..`, empty
/// strings, control characters, non-ASCII, glob characters.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "",
            ".",
            "..",
            "../outside.template.json",
            "a/../../b.json",
            "/",
            "/dev/null",
            "/nonexistent/x.template.json",
            "sub/",
            "sub/nested.template.json",
            "S.template.json",
            "T.template.json",
            "deep.template.json",
            "bad.template.json",
            "binary.template.json",
            "dir.template.json",
            "pipe.template.json",
            "S.assets.json",
            "broken.assets.json",
            "pipe.assets.json",
            "missing.json",
            "\u{0}",
            "é/字.json",
            "*",
            "**",
            "aws://123456789012/us-east-1",
            "aws://unknown-account/unknown-region",
            "${Token[TOKEN.1]}",
        ])
        .prop_map(str::to_string),
        2 => "[A-Za-z0-9._/-]{0,12}",
        1 => any::<String>(),
    ]
}

/// Artifact ids from a small set, so that dependencies often name real artifacts, the
/// artifact itself (a cycle of one) or ids that do not exist.
fn artifact_id() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec!["S", "T", "U", "S.assets", "T.assets", "Tree", "Gone"])
            .prop_map(str::to_string),
        1 => tricky_string(),
    ]
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        bool_json(),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        tricky_string().prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![array_of(inner.clone(), 0..5), object_of(inner, 0..5),]
    })
}

/// A field of the expected kind, or (at a rate growing with `noise`) missing or of any type.
fn field(noise: u32, good: impl Strategy<Value = Json> + 'static) -> BoxedStrategy<Option<Json>> {
    if noise == 0 {
        return good.prop_map(Some).boxed();
    }
    prop_oneof![
        40 => good.prop_map(Some),
        noise => Just(None),
        noise => any_json().prop_map(Some),
    ]
    .boxed()
}

/// How broken a structured document is: not at all, a little or a lot.
fn noise() -> impl Strategy<Value = u32> {
    prop_oneof![2 => Just(0u32), 2 => Just(1), 1 => Just(4)]
}

/// A file name that the case's files often have (`written`), or any other.
fn file_name(written: &'static [&'static str]) -> impl Strategy<Value = Json> {
    prop_oneof![
        4 => prop::sample::select(written).prop_map(Json::from),
        1 => prop::sample::select(SPECIAL_FILES).prop_map(Json::from),
        1 => string_json(),
    ]
}

fn string_json() -> impl Strategy<Value = Json> {
    tricky_string().prop_map(Json::String)
}

fn bool_json() -> impl Strategy<Value = Json> {
    any::<bool>().prop_map(Json::Bool)
}

/// A JSON array of values from `value`, as many as `len` says.
fn array_of(
    value: impl Strategy<Value = Json>,
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = Json> {
    prop::collection::vec(value, len).prop_map(Json::Array)
}

/// A JSON object of entries with [`tricky_string`] keys and values from `value`, as many as
/// `len` says.
fn object_of(
    value: impl Strategy<Value = Json>,
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = Json> {
    prop::collection::vec((tricky_string(), value), len)
        .prop_map(|kv| Json::Object(kv.into_iter().collect()))
}

fn string_map() -> impl Strategy<Value = Json> {
    prop::collection::vec((tricky_string(), tricky_string()), 0..3)
        .prop_map(|kv| Json::Object(kv.into_iter().map(|(k, v)| (k, v.into())).collect()))
}

fn version_number() -> impl Strategy<Value = Json> {
    prop_oneof![
        8 => (0u32..40).prop_map(Json::from),
        1 => prop::sample::select(vec![json!(-1), json!(1.5), json!(u64::MAX), json!(1e300)]),
    ]
}

/// An object with `fields` (each possibly missing or of the wrong type) and maybe an unknown key.
fn object(fields: Vec<(&'static str, BoxedStrategy<Option<Json>>)>) -> impl Strategy<Value = Json> {
    let (names, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    (values, prop::option::of((tricky_string(), any_json()))).prop_map(move |(values, extra)| {
        let mut m = serde_json::Map::new();
        for (name, value) in names.iter().zip(values) {
            if let Some(v) = value {
                m.insert(name.to_string(), v);
            }
        }
        if let Some((k, v)) = extra {
            m.insert(k, v);
        }
        Json::Object(m)
    })
}

fn stack_properties(noise: u32) -> impl Strategy<Value = Json> {
    object(vec![
        ("templateFile", field(noise, file_name(TEMPLATE_FILES))),
        ("stackName", field(noise, string_json())),
        ("parameters", field(noise, string_map())),
        ("tags", field(noise, string_map())),
        ("terminationProtection", field(noise, bool_json())),
        ("validateOnSynth", field(noise, bool_json())),
        (
            "notificationArns",
            field(noise, array_of(string_json(), 0..3)),
        ),
        ("assumeRoleArn", field(noise, string_json())),
        (
            "requiresBootstrapStackVersion",
            field(noise, version_number()),
        ),
        (
            "additionalDependencies",
            field(noise, array_of(artifact_id().prop_map(Json::String), 0..3)),
        ),
        (
            "lookupRole",
            field(
                noise,
                object(vec![
                    ("arn", field(noise, string_json())),
                    (
                        "requiresBootstrapStackVersion",
                        field(noise, version_number()),
                    ),
                ])
                .boxed(),
            ),
        ),
    ])
}

fn asset_manifest_properties(noise: u32) -> impl Strategy<Value = Json> {
    object(vec![
        ("file", field(noise, file_name(ASSET_MANIFEST_FILES))),
        (
            "requiresBootstrapStackVersion",
            field(noise, version_number()),
        ),
    ])
}

/// An artifact: a stack, an asset manifest, or another type with any properties.
fn artifact(noise: u32) -> impl Strategy<Value = Json> {
    let other_type = prop_oneof![
        Just(TREE_ARTIFACT.to_string()),
        Just("cdk:cloud-assembly".to_string()),
        tricky_string(),
    ];
    prop_oneof![
        4 => artifact_of(noise, Just(STACK_ARTIFACT.to_string()), stack_properties(noise)),
        2 => artifact_of(
            noise,
            Just(ASSET_MANIFEST_ARTIFACT.to_string()),
            asset_manifest_properties(noise),
        ),
        1 => artifact_of(noise, other_type, any_json()),
    ]
}

fn artifact_of(
    noise: u32,
    artifact_type: impl Strategy<Value = String> + 'static,
    properties: impl Strategy<Value = Json> + 'static,
) -> BoxedStrategy<Json> {
    object(vec![
        ("type", field(noise, artifact_type.prop_map(Json::String))),
        ("environment", field(noise, string_json())),
        ("properties", field(noise, properties)),
        // `null` stands for "the dependencies drawn for this artifact" (see `artifacts`).
        ("dependencies", field(noise, Just(Json::Null))),
        ("displayName", field(noise, string_json())),
        ("additionalMetadataFile", field(noise, string_json())),
        (
            "metadata",
            field(noise, object_of(metadata_entries(), 0..2)),
        ),
    ])
    .boxed()
}

/// The metadata entries of one construct path.
fn metadata_entries() -> impl Strategy<Value = Json> {
    let entry = (
        prop::sample::select(vec![
            "aws:cdk:logicalId",
            "aws:cdk:warning",
            "aws:cdk:error",
        ]),
        any_json(),
    )
        .prop_map(|(t, data)| json!({"type": t, "data": data}));
    array_of(entry, 0..3)
}

/// A dependency of an artifact: one that comes before it in the manifest, any of the
/// manifest's artifacts (itself included, so there may be cycles), or any id.
#[derive(Debug, Clone)]
enum Dependency {
    Earlier(prop::sample::Index),
    Drawn(prop::sample::Index),
    Other(String),
}

fn dependency() -> impl Strategy<Value = Dependency> {
    prop_oneof![
        6 => any::<prop::sample::Index>().prop_map(Dependency::Earlier),
        2 => any::<prop::sample::Index>().prop_map(Dependency::Drawn),
        1 => artifact_id().prop_map(Dependency::Other),
    ]
}

/// Writes `s` as a JSON string literal.
fn quoted(s: &str) -> String {
    Json::String(s.to_string()).to_string()
}

/// A manifest as text: its artifacts are written out by hand so that an id can appear twice.
fn structured_manifest() -> impl Strategy<Value = String> {
    noise().prop_flat_map(structured_manifest_with)
}

fn structured_manifest_with(noise: u32) -> impl Strategy<Value = String> {
    let artifacts = prop_oneof![
        6 => prop::collection::vec(
            (artifact_id(), artifact(noise), prop::collection::vec(dependency(), 0..4)),
            0..6,
        )
        .prop_map(|entries| {
            let ids: Vec<&str> = entries.iter().map(|(id, _, _)| id.as_str()).collect();
            let body: Vec<String> = entries
                .iter()
                .enumerate()
                .map(|(n, (id, artifact, deps))| {
                    let mut artifact = artifact.clone();
                    if let Some(slot) = artifact.get_mut("dependencies").filter(|d| d.is_null()) {
                        *slot = deps
                            .iter()
                            .filter_map(|d| match d {
                                Dependency::Earlier(i) => {
                                    (n > 0).then(|| Json::from(*i.get(&ids[..n])))
                                }
                                Dependency::Drawn(i) => Some(Json::from(*i.get(&ids))),
                                Dependency::Other(other) => Some(Json::from(other.as_str())),
                            })
                            .collect();
                    }
                    format!("{}:{artifact}", quoted(id))
                })
                .collect();
            Some(format!("{{{}}}", body.join(",")))
        }),
        1 => Just(None),
        1 => any_json().prop_map(|v| Some(v.to_string())),
    ];
    (
        field(noise, prop_oneof![Just(json!("55.0.0")), string_json()]),
        artifacts,
        field(noise, array_of(any_json(), 0..2)),
        prop::option::of((tricky_string(), any_json())),
    )
        .prop_map(|(version, artifacts, missing, extra)| {
            let mut parts = Vec::new();
            if let Some(v) = version {
                parts.push(format!("\"version\":{v}"));
            }
            if let Some(a) = artifacts {
                parts.push(format!("\"artifacts\":{a}"));
            }
            if let Some(m) = missing {
                parts.push(format!("\"missing\":{m}"));
            }
            if let Some((k, v)) = extra {
                parts.push(format!("{}:{v}", quoted(&k)));
            }
            format!("{{{}}}", parts.join(","))
        })
}

/// Text that breaks a JSON document when spliced into it.
fn splice() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            &b"\xff"[..],
            &b"\xc3"[..],
            &b"\xed\xa0\x80"[..],
            &b"\"\\ud800\""[..],
            &b"1e400"[..],
            &b"-0"[..],
            &b"18446744073709551616"[..],
            &b"["[..],
            &b"{"[..],
            &b"]"[..],
            &b"\""[..],
            &b"\\"[..],
            &b","[..],
            &b"\xef\xbb\xbf"[..],
            &b"\x00"[..],
            &b"null"[..],
        ])
        .prop_map(|b: &[u8]| b.to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ]
}

/// A file's contents, shown as text (invalid UTF-8 replaced) when a case fails.
#[derive(Clone)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// A change to a document's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(prop::sample::Index),
    Insert(prop::sample::Index, Vec<u8>),
    Replace(prop::sample::Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), splice()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        match m {
            Mutation::Truncate(i) => {
                let at = i.index(bytes.len() + 1);
                bytes.truncate(at);
            }
            Mutation::Insert(i, b) => {
                let at = i.index(bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Mutation::Replace(i, b) => {
                if !bytes.is_empty() {
                    let at = i.index(bytes.len());
                    bytes[at] = *b;
                }
            }
        }
    }
    bytes
}

/// A document: well-formed most of the time, else with a few byte-level mutations.
fn mutated(doc: impl Strategy<Value = String>) -> impl Strategy<Value = Bytes> {
    (
        doc,
        prop_oneof![
            3 => Just(Vec::new()),
            1 => prop::collection::vec(mutation(), 1..3),
        ],
    )
        .prop_map(|(doc, ms)| Bytes(mutate(doc.into_bytes(), &ms)))
}

/// The templates a case may write.
const TEMPLATE_FILES: &[&str] = &[
    "S.template.json",
    "T.template.json",
    "sub/nested.template.json",
];

/// The asset manifests a case may write.
const ASSET_MANIFEST_FILES: &[&str] = &["S.assets.json", "T.assets.json"];

/// Paths that every case has and that are not plain files: a directory and named pipes.
const SPECIAL_FILES: &[&str] = &[
    "dir.template.json",
    "pipe.template.json",
    "pipe.assets.json",
];

/// Contents of a file that is not what it should be.
fn junk_contents() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => any_json().prop_map(|v| v.to_string().into_bytes()),
        1 => Just(Vec::new()),
        1 => Just(b"\xff\xfe{}".to_vec()),
        1 => Just(format!("{}{}", "[".repeat(500), "]".repeat(500)).into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Files of the assembly directory other than `manifest.json`: templates and asset manifests,
/// mostly of the right kind.
fn assembly_files() -> impl Strategy<Value = Vec<(&'static str, Bytes)>> {
    let template = prop_oneof![
        3 => Just(br#"{"Resources":{"R":{"Type":"AWS::S3::Bucket"}}}"#.to_vec()),
        1 => junk_contents(),
    ];
    let asset_manifest = prop_oneof![
        3 => noise().prop_flat_map(asset_manifest).prop_map(String::into_bytes),
        1 => junk_contents(),
    ];
    (
        prop::collection::vec((prop::sample::select(TEMPLATE_FILES), template), 0..4),
        prop::collection::vec(
            (prop::sample::select(ASSET_MANIFEST_FILES), asset_manifest),
            0..3,
        ),
    )
        .prop_map(|(templates, assets)| {
            templates
                .into_iter()
                .chain(assets)
                .map(|(name, contents)| (name, Bytes(contents)))
                .collect()
        })
}

/// An asset of an asset manifest: the `fields` of its kind, then its `source` (with the
/// fields `source`) and `destinations` (keyed by destination id, each with the fields
/// `destination`).
fn asset(
    noise: u32,
    fields: Vec<(&'static str, BoxedStrategy<Option<Json>>)>,
    source: Vec<(&'static str, BoxedStrategy<Option<Json>>)>,
    destination: Vec<(&'static str, BoxedStrategy<Option<Json>>)>,
) -> impl Strategy<Value = Json> {
    let mut fields = fields;
    fields.push(("source", field(noise, object(source).boxed())));
    fields.push((
        "destinations",
        field(noise, object_of(object(destination), 0..3)),
    ));
    object(fields)
}

fn file_asset(noise: u32) -> impl Strategy<Value = Json> {
    asset(
        noise,
        vec![("displayName", field(noise, string_json()))],
        vec![
            ("path", field(noise, string_json())),
            ("packaging", field(noise, string_json())),
            ("executable", field(noise, array_of(string_json(), 0..3))),
        ],
        vec![
            ("bucketName", field(noise, string_json())),
            ("objectKey", field(noise, string_json())),
            ("region", field(noise, string_json())),
            ("assumeRoleArn", field(noise, string_json())),
        ],
    )
}

fn image_asset(noise: u32) -> impl Strategy<Value = Json> {
    let cache = object(vec![
        ("type", field(noise, string_json())),
        ("params", field(noise, string_map())),
    ]);
    asset(
        noise,
        vec![],
        vec![
            ("directory", field(noise, string_json())),
            ("dockerFile", field(noise, string_json())),
            ("dockerBuildArgs", field(noise, string_map())),
            ("cacheFrom", field(noise, array_of(cache, 0..2))),
            ("cacheDisabled", field(noise, bool_json())),
            ("dockerOutputs", field(noise, array_of(string_json(), 0..2))),
        ],
        vec![
            ("repositoryName", field(noise, string_json())),
            ("imageTag", field(noise, string_json())),
        ],
    )
}

/// An asset manifest (`<stack>.assets.json`) with random breakage, as text.
fn asset_manifest(noise: u32) -> impl Strategy<Value = String> {
    object(vec![
        ("version", field(noise, string_json())),
        ("files", field(noise, object_of(file_asset(noise), 0..3))),
        (
            "dockerImages",
            field(noise, object_of(image_asset(noise), 0..3)),
        ),
    ])
    .prop_map(|v| v.to_string())
}

// ---------------------------------------------------------------------------------------------
// Checks

/// Fails unless the error's text names `path`.
fn names_file(err: &AssemblyError, path: &Path) -> Result<(), String> {
    let text = err.to_string();
    if text.contains(&path.display().to_string()) {
        Ok(())
    } else {
        Err(format!("error does not name {}: {text}", path.display()))
    }
}

/// A failure of the test's own file system work, as the failure of the case.
fn failed(e: std::io::Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Writes the files of one case into a new directory.
fn write_assembly(
    manifest: &[u8],
    files: &[(&str, Bytes)],
) -> Result<tempfile::TempDir, TestCaseError> {
    let dir = tempfile::tempdir().map_err(failed)?;
    let write = |name: &str, bytes: &[u8]| -> Result<(), TestCaseError> {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        std::fs::write(&path, bytes).map_err(failed)
    };
    write("manifest.json", manifest)?;
    for (name, bytes) in files {
        write(name, &bytes.0)?;
    }
    // A directory where a template file is expected, and named pipes, which block a reader
    // that opens them.
    std::fs::create_dir_all(dir.path().join("dir.template.json")).map_err(failed)?;
    #[cfg(unix)]
    for name in ["pipe.template.json", "pipe.assets.json"] {
        std::os::unix::fs::symlink(shared_pipe(), dir.path().join(name)).map_err(failed)?;
    }
    Ok(dir)
}

/// One named pipe for the whole run (nothing ever writes to it), linked into each case.
#[cfg(unix)]
fn shared_pipe() -> &'static Path {
    static PIPE: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = PIPE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo failed");
        (dir, path)
    });
    path
}

/// What reading one assembly came to, to check that the generators reach every outcome.
#[derive(Debug, Default, Clone, Copy)]
struct Outcome {
    manifest_rejected: usize,
    dependencies_rejected: usize,
    stack_properties_rejected: usize,
    stacks_read: usize,
    templates_read: usize,
    templates_rejected: usize,
    asset_manifests_read: usize,
    asset_manifests_rejected: usize,
}

impl std::ops::AddAssign for Outcome {
    fn add_assign(&mut self, o: Outcome) {
        self.manifest_rejected += o.manifest_rejected;
        self.dependencies_rejected += o.dependencies_rejected;
        self.stack_properties_rejected += o.stack_properties_rejected;
        self.stacks_read += o.stacks_read;
        self.templates_read += o.templates_read;
        self.templates_rejected += o.templates_rejected;
        self.asset_manifests_read += o.asset_manifests_read;
        self.asset_manifests_rejected += o.asset_manifests_rejected;
    }
}

/// Reads everything the CLI and deploy engine read from an assembly, checking each answer.
fn read_assembly(dir: PathBuf) -> Result<Outcome, String> {
    let mut outcome = Outcome::default();
    let manifest_path = dir.join("manifest.json");
    let assembly = match CloudAssembly::load(&dir) {
        Ok(a) => a,
        Err(e) => {
            outcome.manifest_rejected = 1;
            return names_file(&e, &manifest_path).map(|()| outcome);
        }
    };
    match assembly.stacks() {
        Err(e) => {
            names_file(&e, &manifest_path)?;
            match e {
                AssemblyError::Dependencies { .. } => outcome.dependencies_rejected = 1,
                _ => outcome.stack_properties_rejected = 1,
            }
        }
        Ok(stacks) => {
            check_stack_order(&assembly, &stacks)?;
            outcome.stacks_read = stacks.len();
            for s in &stacks {
                let _ = s.stack_name();
                match s.template() {
                    Ok(_) => outcome.templates_read += 1,
                    Err(e) => {
                        names_file(&e, &s.template_path)?;
                        outcome.templates_rejected += 1;
                    }
                }
            }
        }
    }
    for artifact in assembly.manifest().artifacts.values() {
        if artifact.artifact_type != ASSET_MANIFEST_ARTIFACT {
            continue;
        }
        let Ok(props) = artifact.asset_manifest_properties() else {
            continue;
        };
        match assembly.read_file::<AssetManifest>(&props.file) {
            Ok(_) => outcome.asset_manifests_read += 1,
            Err(e) => {
                names_file(&e, &dir.join(&props.file))?;
                outcome.asset_manifests_rejected += 1;
            }
        }
    }
    Ok(outcome)
}

/// Every stack comes once, after the stacks it depends on, and depends only on artifacts of
/// the manifest.
fn check_stack_order(assembly: &CloudAssembly, stacks: &[StackArtifact]) -> Result<(), String> {
    let mut seen: HashSet<&str> = HashSet::new();
    for s in stacks {
        for d in &s.stack_dependencies {
            if !seen.contains(d.as_str()) {
                return Err(format!(
                    "stack '{}' comes before its dependency '{d}'",
                    s.id
                ));
            }
        }
        for d in s.stack_dependencies.iter().chain(&s.other_dependencies) {
            if !assembly.manifest().artifacts.contains_key(d) {
                return Err(format!(
                    "stack '{}' depends on unknown artifact '{d}'",
                    s.id
                ));
            }
        }
        if !seen.insert(&s.id) {
            return Err(format!("stack '{}' listed twice", s.id));
        }
    }
    Ok(())
}

fn check_assembly(manifest: &Bytes, files: &[(&str, Bytes)]) -> Result<Outcome, TestCaseError> {
    let dir = write_assembly(&manifest.0, files)?;
    let path = dir.path().to_path_buf();
    within_limit("reading the assembly", move || read_assembly(path))?.map_err(TestCaseError::fail)
}

/// How the stacks of a large manifest depend on each other.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// Each stack on the one before it.
    Chain,
    /// Each stack on the one after it: the reverse of manifest order.
    ReverseChain,
    /// Each stack on up to three stacks after it.
    Dag,
    /// Each stack on up to three stacks anywhere, so usually with cycles.
    Tangle,
}

/// A manifest of `n` stacks depending on each other in `shape`, with dependencies drawn
/// from `seed`.
fn large_manifest(n: usize, shape: Shape, seed: u64) -> String {
    let mut state = seed | 1;
    let mut next = move |below: usize| {
        // xorshift64: cheap and reproducible from the case's seed.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below.max(1) as u64) as usize
    };
    let mut artifacts = serde_json::Map::new();
    for i in 0..n {
        let deps: Vec<usize> = match shape {
            Shape::Chain => (i > 0).then(|| i - 1).into_iter().collect(),
            Shape::ReverseChain => (i + 1 < n).then_some(i + 1).into_iter().collect(),
            Shape::Dag => (0..next(4))
                .filter(|_| i + 1 < n)
                .map(|_| i + 1 + next(n - i - 1))
                .collect(),
            Shape::Tangle => (0..next(4)).map(|_| next(n)).collect(),
        };
        artifacts.insert(
            format!("Stack{i}"),
            json!({
                "type": STACK_ARTIFACT,
                "properties": {"templateFile": format!("Stack{i}.template.json")},
                "dependencies": deps.iter().map(|d| format!("Stack{d}")).collect::<Vec<_>>(),
            }),
        );
    }
    json!({"version": "55.0.0", "artifacts": artifacts}).to_string()
}

/// Manifests shaped like real ones, with fields missing, of the wrong type or broken at the
/// byte level, next to templates and asset manifests of all kinds. The cases also reach every
/// outcome of reading, so the reader's deep paths are tested, not only its first parse.
#[test]
fn structured_manifests_read_cleanly() {
    let mut config = config(SEED, 256);
    config.source_file = Some(file!());
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let total = std::cell::Cell::new(Outcome::default());
    let result = runner.run(
        &(mutated(structured_manifest()), assembly_files()),
        |(manifest, files)| {
            let o = check_assembly(&manifest, &files)?;
            let mut t = total.get();
            t += o;
            total.set(t);
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}\n{runner}");
    }
    let t = total.get();
    assert!(
        t.manifest_rejected > 0
            && t.dependencies_rejected > 0
            && t.stack_properties_rejected > 0
            && t.stacks_read > 0
            && t.templates_read > 0
            && t.templates_rejected > 0
            && t.asset_manifests_read > 0
            && t.asset_manifests_rejected > 0,
        "the cases miss an outcome of reading: {t:?}"
    );
}

proptest! {
    #![proptest_config(config(SEED, 384))]

    /// Any JSON document as a manifest.
    #[test]
    fn random_json_manifests_read_cleanly(
        manifest in mutated(any_json().prop_map(|v| v.to_string())),
    ) {
        check_assembly(&manifest, &[])?;
    }

    /// Any bytes as a manifest.
    #[test]
    fn random_byte_manifests_read_cleanly(
        manifest in prop::collection::vec(any::<u8>(), 0..256).prop_map(Bytes),
    ) {
        check_assembly(&manifest, &[])?;
    }

    /// Asset manifests, whole or broken, read as the typed document.
    #[test]
    fn asset_manifests_read_cleanly(text in mutated(noise().prop_flat_map(asset_manifest))) {
        let dir = tempfile::tempdir().map_err(failed)?;
        std::fs::write(dir.path().join("manifest.json"), r#"{"version":"55.0.0"}"#)
            .map_err(failed)?;
        std::fs::write(dir.path().join("S.assets.json"), &text.0)
            .map_err(failed)?;
        let path = dir.path().to_path_buf();
        within_limit("reading the asset manifest", move || {
            let assembly = CloudAssembly::load(&path).map_err(|e| e.to_string())?;
            match assembly.read_file::<AssetManifest>("S.assets.json") {
                Ok(_) => Ok(()),
                Err(e) => names_file(&e, &path.join("S.assets.json")),
            }
        })?
        .map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(SEED, 12))]

    /// Thousands of stacks are ordered at once, whatever their dependencies: in order when
    /// they have no cycle, else an error naming the manifest.
    #[test]
    fn large_manifests_are_read_at_once(
        n in 0usize..20_000,
        shape in prop_oneof![
            Just(Shape::Chain),
            Just(Shape::ReverseChain),
            Just(Shape::Dag),
            Just(Shape::Tangle),
        ],
        seed in any::<u64>(),
    ) {
        let dir = write_assembly(large_manifest(n, shape, seed).as_bytes(), &[])?;
        let path = dir.path().to_path_buf();
        let result = within_limit("ordering the stacks", move || {
            let assembly = CloudAssembly::load(&path).map_err(|e| e.to_string())?;
            match assembly.stacks() {
                Ok(stacks) => {
                    check_stack_order(&assembly, &stacks)?;
                    Ok(Some(stacks.len()))
                }
                Err(e) => names_file(&e, &path.join("manifest.json")).map(|()| None),
            }
        })?;
        match (result.map_err(TestCaseError::fail)?, shape) {
            (Some(count), _) => prop_assert_eq!(count, n),
            (None, Shape::Tangle) => {}
            (None, _) => prop_assert!(false, "no cycle, yet the stacks were not ordered"),
        }
    }
}

/// Documents nested far deeper than any real one are errors naming the file, not a stack
/// overflow.
#[test]
fn deep_nesting_is_an_error() {
    const DEPTH: usize = 100_000;
    let arrays = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(DEPTH), "}".repeat(DEPTH));
    let in_properties = format!(
        r#"{{"version":"55.0.0","artifacts":{{"S":{{"type":"{STACK_ARTIFACT}","properties":{arrays}}}}}}}"#
    );
    for doc in [&arrays, &objects, &in_properties] {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("manifest.json"), doc).expect("write");
        let path = dir.path().to_path_buf();
        let result = within_limit("reading a deeply nested manifest", move || {
            CloudAssembly::load(&path)
                .map(|_| ())
                .map_err(|e| names_file(&e, &path.join("manifest.json")).map(|()| e.to_string()))
        })
        .expect("no panic, no hang");
        let err = result.expect_err("too deep to be a manifest");
        err.expect("the error names the manifest");
    }

    // The same for a template and an asset manifest of a valid assembly.
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = json!({
        "version": "55.0.0",
        "artifacts": {
            "S": {"type": STACK_ARTIFACT, "properties": {"templateFile": "S.template.json"}},
        },
    });
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).expect("write");
    std::fs::write(dir.path().join("S.template.json"), &objects).expect("write");
    std::fs::write(dir.path().join("S.assets.json"), &arrays).expect("write");
    let path = dir.path().to_path_buf();
    within_limit("reading deeply nested files", move || {
        let assembly = CloudAssembly::load(&path).expect("valid manifest");
        let stacks = assembly.stacks().expect("valid stacks");
        let err = stacks[0].template().expect_err("too deep to be a template");
        names_file(&err, &path.join("S.template.json")).expect("names the template");
        let err = assembly
            .read_file::<AssetManifest>("S.assets.json")
            .expect_err("too deep to be an asset manifest");
        names_file(&err, &path.join("S.assets.json")).expect("names the asset manifest");
    })
    .expect("no panic, no hang");
}
