//! Where a model's artifacts come from.

use crate::md5_hex;
use sagecdk_assembly::manifest::{LATEST_TRAINING_JOB_PLUGIN, TRAINING_JOB_PLUGIN};
use sagecdk_assets::{Asset, AssetProps, ModelArchive, PackageOptions, PublishedFile, sha256_hex};
use sagecdk_aws::iam::Grantable;
use sagecdk_aws::s3::Bucket;
use sagecdk_cfn::sagemaker::model::{ModelAccessConfig, ModelDataSource, S3DataSource};
use sagecdk_core::context_provider::plugin_context_value;
use sagecdk_core::{Construct, Stack, Str};
use std::cell::RefCell;
use std::rc::Rc;

enum Source {
    Asset {
        path: String,
        asset: RefCell<Option<Asset>>,
    },
    Directory {
        directory: String,
        options: PackageOptions,
        archive: RefCell<Option<ModelArchive>>,
    },
    Bucket {
        bucket: Bucket,
        key: String,
    },
    S3Prefix {
        bucket: Bucket,
        prefix: String,
        accept_eula: bool,
    },
    MultiModelPrefix {
        bucket: Bucket,
        prefix: String,
    },
    TrainingJob {
        /// The job's name, or the prefix of the newest completed one.
        job: TrainingJobRef,
    },
    MultiModelAssets {
        /// `(name under the prefix, local path)`.
        models: Vec<(String, String)>,
        /// The prefix's URL and the ARNs to read it (bucket, objects), once published.
        bound: RefCell<Option<(Str, [Str; 2])>>,
    },
}

/// Which training job.
#[derive(Debug)]
pub(crate) enum TrainingJobRef {
    Name(String),
    NewestWithPrefix(String),
}

impl TrainingJobRef {
    /// `'name'`, or `'prefix…'` for the newest with a prefix.
    pub(crate) fn describe(&self) -> String {
        match self {
            TrainingJobRef::Name(n) => format!("'{n}'"),
            TrainingJobRef::NewestWithPrefix(p) => format!("'{p}…'"),
        }
    }
}

/// The longest name SageMaker takes as a `TargetModel`.
const MAX_TARGET_MODEL: usize = 1024;

/// How a container gets its model data.
pub(crate) enum BoundModelData {
    /// `ModelDataUrl`: a `.tar.gz` object.
    Url(Str),
    /// `ModelDataSource`: an uncompressed S3 prefix.
    Source(ModelDataSource),
}

/// Model artifacts for a container: a local tarball or directory (published as an asset), an
/// object in S3, or uncompressed files under an S3 prefix.
///
/// ```
/// use sagecdk_aws::s3::Bucket;
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_sagemaker::{ContainerDefinition, ContainerImage, ModelData};
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let models = Bucket::from_bucket_name(&stack, "Models", "my-models");
/// let tarball = ModelData::from_bucket(&models, "ranker/v12/model.tar.gz");
/// let llm = ModelData::from_s3_prefix(&models, "llama/v3/");
/// let container = ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))
///     .with_model_data(tarball);
/// ```
#[derive(Clone)]
pub struct ModelData {
    source: Rc<Source>,
}

impl std::fmt::Debug for ModelData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.source {
            Source::Asset { path, .. } => write!(f, "ModelData::from_asset({path:?})"),
            Source::Directory { directory, .. } => {
                write!(f, "ModelData::from_directory({directory:?})")
            }
            Source::Bucket { key, .. } => write!(f, "ModelData::from_bucket(.., {key:?})"),
            Source::S3Prefix { prefix, .. } => {
                write!(f, "ModelData::from_s3_prefix(.., {prefix:?})")
            }
            Source::MultiModelPrefix { prefix, .. } => {
                write!(f, "ModelData::from_multi_model_prefix(.., {prefix:?})")
            }
            Source::MultiModelAssets { models, .. } => {
                write!(f, "ModelData::from_multi_model_assets({models:?})")
            }
            Source::TrainingJob { job } => write!(f, "ModelData::from_training_job({job:?})"),
        }
    }
}

impl ModelData {
    /// A local `.tar.gz` file, published as a file asset (id `ModelData<md5(path)>` in the first
    /// model that uses it).
    pub fn from_asset(path: impl Into<String>) -> Self {
        ModelData {
            source: Rc::new(Source::Asset {
                path: path.into(),
                asset: RefCell::new(None),
            }),
        }
    }

    /// A local model directory, packaged at synthesis into a reproducible `model.tar.gz`.
    pub fn from_directory(directory: impl Into<String>, options: PackageOptions) -> Self {
        ModelData {
            source: Rc::new(Source::Directory {
                directory: directory.into(),
                options,
                archive: RefCell::new(None),
            }),
        }
    }

    /// An object in a bucket (read permission granted to the model's role).
    pub fn from_bucket(bucket: &Bucket, key: impl Into<String>) -> Self {
        ModelData {
            source: Rc::new(Source::Bucket {
                bucket: bucket.clone(),
                key: key.into(),
            }),
        }
    }

    /// Uncompressed model files under an S3 prefix (SageMaker's `ModelDataSource` with
    /// `CompressionType: None`, as used for large language models; the CDK has no equivalent).
    pub fn from_s3_prefix(bucket: &Bucket, prefix: impl Into<String>) -> Self {
        Self::s3_prefix(bucket, prefix.into(), false)
    }

    /// [`from_s3_prefix`](Self::from_s3_prefix) of a gated model, accepting its end-user
    /// license (`ModelAccessConfig: {AcceptEula: true}`).
    pub fn from_s3_prefix_accepting_eula(bucket: &Bucket, prefix: impl Into<String>) -> Self {
        Self::s3_prefix(bucket, prefix.into(), true)
    }

    /// The `.tar.gz` models under an S3 prefix, for a multi-model container
    /// ([`ContainerDefinition::with_multi_model`](crate::ContainerDefinition::with_multi_model)):
    /// `ModelDataUrl` is the prefix, and the model's role may read the objects under it.
    pub fn from_multi_model_prefix(bucket: &Bucket, prefix: impl Into<String>) -> Self {
        let mut prefix = prefix.into();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        ModelData {
            source: Rc::new(Source::MultiModelPrefix {
                bucket: bucket.clone(),
                prefix,
            }),
        }
    }

    /// Local `.tar.gz` models for a multi-model container
    /// ([`ContainerDefinition::with_multi_model`](crate::ContainerDefinition::with_multi_model)),
    /// each given as `(name, path)`: `sagecdk deploy` publishes them under one prefix of the
    /// assets bucket, each as `<prefix><name>` (the name clients pass as `TargetModel`).
    ///
    /// The prefix is named by the content of the whole set, so a changed, added or removed
    /// model is a new prefix holding exactly the set: the model is replaced and the endpoint
    /// updated to fresh instances (a multi-model container never reloads a model it has
    /// cached). An unchanged model is not uploaded again: each is also published at its
    /// content hash, from which the deploy copies it within the bucket.
    ///
    /// ```no_run
    /// use sagecdk_sagemaker::{ContainerDefinition, ContainerImage, ModelData};
    /// let container = ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))
    ///     .with_multi_model(ModelData::from_multi_model_assets([
    ///         ("tenant-a.tar.gz", "models/tenant-a.tar.gz"),
    ///         ("tenant-b.tar.gz", "models/tenant-b.tar.gz"),
    ///     ]));
    /// ```
    pub fn from_multi_model_assets(
        models: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        ModelData {
            source: Rc::new(Source::MultiModelAssets {
                models: models
                    .into_iter()
                    .map(|(name, path)| (name.into(), path.into()))
                    .collect(),
                bound: RefCell::new(None),
            }),
        }
    }

    /// The model artifacts of the completed SageMaker training job `name` (the ModelTrainer →
    /// ModelBuilder handshake): looked up by the CLI with `DescribeTrainingJob` and cached in
    /// `cdk.context.json` (a context lookup; the stack needs an account and region). A job that
    /// does not exist, has not completed or has no artifacts is an error at the model's path.
    /// The model's role may read the artifact.
    pub fn from_training_job(name: impl Into<String>) -> Self {
        ModelData {
            source: Rc::new(Source::TrainingJob {
                job: TrainingJobRef::Name(name.into()),
            }),
        }
    }

    /// [`from_training_job`](Self::from_training_job) of the newest completed training job
    /// whose name starts with `prefix` (`ListTrainingJobs`). The choice is cached like any
    /// lookup: `sagecdk context --reset` picks up a newer job.
    pub fn from_latest_training_job(prefix: impl Into<String>) -> Self {
        ModelData {
            source: Rc::new(Source::TrainingJob {
                job: TrainingJobRef::NewestWithPrefix(prefix.into()),
            }),
        }
    }

    /// Whether this is the models of a multi-model container.
    pub(crate) fn is_multi_model_prefix(&self) -> bool {
        matches!(
            &*self.source,
            Source::MultiModelPrefix { .. } | Source::MultiModelAssets { .. }
        )
    }

    fn s3_prefix(bucket: &Bucket, prefix: String, accept_eula: bool) -> Self {
        let mut prefix = prefix;
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        ModelData {
            source: Rc::new(Source::S3Prefix {
                bucket: bucket.clone(),
                prefix,
                accept_eula,
            }),
        }
    }

    /// Binds the data to a model, granting read access.
    pub(crate) fn bind(
        &self,
        model: &Construct,
        grantee: Option<&dyn Grantable>,
        asset_bucket_arn: impl Fn(Str) -> Str,
    ) -> BoundModelData {
        // SageMaker needs an object (`ModelDataUrl`) or a folder (`S3Uri` of an `S3Prefix`): an
        // empty key names the bucket itself, and an empty prefix became `/`, a folder that
        // holds no model.
        match &*self.source {
            Source::Bucket { key, .. } if key.is_empty() => model.add_error(
                "`ModelData::from_bucket` key must not be empty: name the model archive (.tar.gz) in the bucket",
            ),
            Source::S3Prefix { prefix, .. } if prefix == "/" => model.add_error(
                "`ModelData::from_s3_prefix` prefix must not be empty: name the folder that holds the model files",
            ),
            Source::MultiModelPrefix { prefix, .. } if prefix == "/" => model.add_error(
                "`ModelData::from_multi_model_prefix` prefix must not be empty: name the folder that holds the models",
            ),
            _ => {}
        }
        if let Source::S3Prefix {
            bucket,
            prefix,
            accept_eula,
        } = &*self.source
        {
            if let Some(g) = grantee {
                let pattern = format!("{prefix}*");
                bucket.grant_read(g, Some(&pattern));
            }
            let mut s3 = S3DataSource::new("None", "S3Prefix", bucket.s3_url_for_object(prefix));
            if *accept_eula {
                s3.model_access_config = Some(ModelAccessConfig::new(true));
            }
            return BoundModelData::Source(ModelDataSource::new(s3));
        }
        BoundModelData::Url(self.bind_url(model, grantee, asset_bucket_arn))
    }

    fn bind_url(
        &self,
        model: &Construct,
        grantee: Option<&dyn Grantable>,
        asset_bucket_arn: impl Fn(Str) -> Str,
    ) -> Str {
        let grant_read = |bucket_arn: Str| {
            if let Some(g) = grantee {
                sagecdk_aws::iam::Grant::add_to_principal(
                    g,
                    ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
                    [bucket_arn.clone(), bucket_arn + "/*"],
                );
            }
        };
        match &*self.source {
            Source::Asset { path, asset } => {
                if !path.to_lowercase().ends_with(".tar.gz") {
                    model.add_error(format!(
                        "Asset must be a gzipped tar file with extension .tar.gz ({path})"
                    ));
                }
                let existing = asset.borrow().clone();
                let asset = match existing {
                    Some(a) => a,
                    None => {
                        let a = Asset::new(
                            model,
                            &format!("ModelData{}", md5_hex(path)),
                            AssetProps::new(path.as_str()),
                        );
                        *asset.borrow_mut() = Some(a.clone());
                        a
                    }
                };
                grant_read(asset_bucket_arn(asset.s3_bucket_name()));
                asset.http_url()
            }
            Source::Directory {
                directory,
                options,
                archive,
            } => {
                let existing = archive.borrow().clone();
                let archive = match existing {
                    Some(a) => a,
                    None => {
                        let a = ModelArchive::new(
                            model,
                            &format!("ModelData{}", md5_hex(directory)),
                            directory.as_str(),
                            options.clone(),
                        );
                        *archive.borrow_mut() = Some(a.clone());
                        a
                    }
                };
                grant_read(asset_bucket_arn(archive.s3_bucket_name()));
                archive.http_url()
            }
            Source::Bucket { bucket, key } => {
                if let Some(g) = grantee {
                    bucket.grant_read(g, None);
                }
                bucket.url_for_object(key)
            }
            Source::MultiModelPrefix { bucket, prefix } => {
                if let Some(g) = grantee {
                    bucket.grant_read(g, Some(&format!("{prefix}*")));
                }
                bucket.s3_url_for_object(prefix)
            }
            Source::MultiModelAssets { models, bound } => {
                let published = bound.borrow().clone();
                let (url, objects) = match published {
                    Some(p) => p,
                    None => {
                        let p = publish_multi_model_assets(model, models, &asset_bucket_arn);
                        *bound.borrow_mut() = Some(p.clone());
                        p
                    }
                };
                if let Some(g) = grantee {
                    sagecdk_aws::iam::Grant::add_to_principal(
                        g,
                        ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
                        objects,
                    );
                }
                url
            }
            Source::TrainingJob { job } => {
                let Some(uri) = training_job_artifacts(model, job) else {
                    return Str::failed();
                };
                if let Some(g) = grantee {
                    grant_read_of_uri(&uri, g, asset_bucket_arn);
                }
                Str::from(uri.as_str())
            }
            Source::S3Prefix { .. } => Str::default(),
        }
    }
}

/// What the CLI looked up about a training job (`trainingJobName`, `modelArtifacts`,
/// `trainingImage`), or a dummy until then; `None` after an error recorded at `model`.
pub(crate) fn training_job_lookup(
    model: &Construct,
    job: &TrainingJobRef,
) -> Option<serde_json::Value> {
    let (plugin, prop, value) = match job {
        TrainingJobRef::Name(n) => (TRAINING_JOB_PLUGIN, "trainingJobName", n),
        TrainingJobRef::NewestWithPrefix(p) => (LATEST_TRAINING_JOB_PLUGIN, "namePrefix", p),
    };
    if value.is_empty() {
        model.add_error(format!("the training job's {prop} must not be empty"));
        return None;
    }
    let dummy = serde_json::json!({
        "modelArtifacts": format!("s3://dummy-value-for-{}/model.tar.gz", value.to_lowercase()),
        "trainingImage": format!("dummy-value-for-{}", value.to_lowercase()),
    });
    Some(plugin_context_value(model, plugin, (prop, value), dummy))
}

/// The artifacts URI of a training job, from the context (looked up by the CLI); `None` once
/// an error is recorded.
fn training_job_artifacts(model: &Construct, job: &TrainingJobRef) -> Option<String> {
    let answer = training_job_lookup(model, job)?;
    match answer["modelArtifacts"].as_str() {
        Some(uri) if split_s3_uri(uri).is_some() => Some(uri.to_string()),
        _ => {
            model.add_error(format!(
                "the cached artifacts of training job {} are not an s3:// URI ({answer}); reset them with `sagecdk context --reset`",
                job.describe()
            ));
            None
        }
    }
}

/// Grants `grantee` the read of the object `s3://bucket/key` (`bucket_arn` names the bucket's
/// ARN); other URIs get nothing.
pub(crate) fn grant_read_of_uri(
    uri: &str,
    grantee: &dyn Grantable,
    bucket_arn: impl Fn(Str) -> Str,
) {
    if let Some((bucket, key)) = split_s3_uri(uri) {
        let bucket_arn = bucket_arn(Str::from(bucket));
        sagecdk_aws::iam::Grant::add_to_principal(
            grantee,
            ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
            [bucket_arn.clone(), bucket_arn + "/" + key],
        );
    }
}

/// `(bucket, key)` of `s3://bucket/key`.
fn split_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// Registers the models of [`ModelData::from_multi_model_assets`] as file assets of `model`'s
/// stack, each also published under the set's prefix; returns the prefix's `s3://` URL and
/// the ARNs reading it takes (the bucket, the objects under the prefix).
fn publish_multi_model_assets(
    model: &Construct,
    models: &[(String, String)],
    asset_bucket_arn: &impl Fn(Str) -> Str,
) -> (Str, [Str; 2]) {
    // The error is recorded where the set failed.
    let nothing = || (Str::failed(), [Str::default(), Str::default()]);
    let problems = multi_model_problems(models);
    if !problems.is_empty() {
        for p in problems {
            model.add_error(p);
        }
        return nothing();
    }
    let Some(stack) = Stack::of(model) else {
        return nothing();
    };
    let mut published: Vec<(&str, Asset)> = models
        .iter()
        .map(|(name, path)| {
            let id = format!("MultiModel{}", md5_hex(name));
            (
                name.as_str(),
                Asset::new(model, &id, AssetProps::new(path.as_str())),
            )
        })
        .collect();
    if published.iter().any(|(_, a)| a.asset_hash().is_empty()) {
        // An asset that could not be read has reported its error.
        return nothing();
    }
    // The prefix is named by the whole set: names and contents, in name order.
    published.sort_by(|a, b| a.0.cmp(b.0));
    let set: String = published
        .iter()
        .map(|(name, asset)| format!("{name}\0{}\n", asset.asset_hash()))
        .collect();
    let prefix = format!("multi-model/{}/", sha256_hex(&set));
    let mut location = None;
    for (name, asset) in &published {
        location = stack.add_file_asset_copy(asset.asset_hash(), &format!("{prefix}{name}"));
    }
    let (Some(location), Some((last_name, _))) = (location, published.last()) else {
        return nothing();
    };
    // The copy's key is `<bucket prefix><prefix><name>`: the folder is what precedes the name.
    let folder = location
        .object_key
        .strip_suffix(last_name)
        .unwrap_or(&location.object_key)
        .to_string();
    let bucket_arn = asset_bucket_arn(location.bucket_name.clone());
    let url = Str::from("s3://") + location.bucket_name + "/" + folder.as_str();
    let objects = bucket_arn.clone() + "/" + folder.as_str() + "*";
    (url, [bucket_arn, objects])
}

/// What is wrong with the `(name, path)` pairs of [`ModelData::from_multi_model_assets`].
fn multi_model_problems(models: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    if models.is_empty() {
        problems.push("`ModelData::from_multi_model_assets` needs at least one model".to_string());
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, path) in models {
        let safe = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!-_.*'()/".contains(c));
        let segments_ok = name
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..");
        if !name.ends_with(".tar.gz") || !safe || !segments_ok {
            problems.push(format!(
                "multi-model name '{name}' must be a relative S3 key ending in .tar.gz, of letters, digits and !-_.*'()/ without empty, '.' or '..' segments (clients pass it as TargetModel)"
            ));
        } else if name.len() > MAX_TARGET_MODEL {
            problems.push(format!(
                "multi-model name '{}…' is {} characters, more than SageMaker's TargetModel limit of {MAX_TARGET_MODEL}",
                &name[..32],
                name.len()
            ));
        }
        if !seen.insert(name.as_str()) {
            problems.push(format!("multi-model name '{name}' is given twice"));
        }
        if !path.to_lowercase().ends_with(".tar.gz") {
            problems.push(format!(
                "multi-model '{name}': the file must be a gzipped tar file with extension .tar.gz ({path})"
            ));
        }
    }
    problems
}
