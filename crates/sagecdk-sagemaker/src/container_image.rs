//! Where a model's container image comes from.

use crate::md5_hex;
use crate::model_data::{TrainingJobRef, training_job_lookup};
use sagecdk_assembly::manifest::APPROVED_MODEL_PACKAGE_PLUGIN;
use sagecdk_assets::{
    DockerImageAsset, DockerImageAssetOptions, ServingImageOptions, stage_serving_image,
};
use sagecdk_aws::ecr::{Repository, grant_pull};
use sagecdk_aws::iam::Grantable;
use sagecdk_core::context_provider::plugin_context_value;
use sagecdk_core::{ArnComponents, Aws, CfnMapping, Construct, IndexMap, Scope, Stack, Str, Value};
use sagecdk_images::{FRAMEWORK_IMAGE_METADATA, ImageQuery};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

/// The AWS accounts hosting the deep learning container images, by region (the AWS CDK's
/// region facts).
pub(crate) const DLC_ACCOUNTS: &[(&str, &str)] = &[
    ("ap-east-1", "871362719292"),
    ("ap-east-2", "975050140332"),
    ("ap-northeast-1", "763104351884"),
    ("ap-northeast-2", "763104351884"),
    ("ap-south-1", "763104351884"),
    ("ap-south-2", "772153158452"),
    ("ap-southeast-1", "763104351884"),
    ("ap-southeast-2", "763104351884"),
    ("ap-southeast-3", "907027046896"),
    ("ap-southeast-4", "457447274322"),
    ("ap-southeast-6", "633930458069"),
    ("ca-central-1", "763104351884"),
    ("cn-north-1", "727897471807"),
    ("cn-northwest-1", "727897471807"),
    ("eu-central-1", "763104351884"),
    ("eu-central-2", "380420809688"),
    ("eu-north-1", "763104351884"),
    ("eu-south-1", "692866216735"),
    ("eu-south-2", "503227376785"),
    ("eu-west-1", "763104351884"),
    ("eu-west-2", "763104351884"),
    ("eu-west-3", "763104351884"),
    ("eusc-de-east-1", "204133271717"),
    ("me-central-1", "914824155844"),
    ("me-south-1", "217643126080"),
    ("me-west-1", "124382933778"),
    ("sa-east-1", "763104351884"),
    ("us-east-1", "763104351884"),
    ("us-east-2", "763104351884"),
    ("us-isof-east-1", "303241398832"),
    ("us-isof-south-1", "454834333376"),
    ("us-west-1", "763104351884"),
    ("us-west-2", "763104351884"),
];

const DLC_MAPPING: &str = "DlcRepositoryAccountMap";

enum Source {
    Asset {
        directory: String,
        options: Box<DockerImageAssetOptions>,
        asset: RefCell<Option<DockerImageAsset>>,
        /// A Rust serving program whose build context is staged at binding.
        serving: Option<Box<ServingImageOptions>>,
    },
    Ecr {
        repository: Repository,
        tag: String,
    },
    Dlc {
        repository_name: String,
        tag: String,
        account: Option<String>,
    },
    Framework {
        query: Box<ImageQuery>,
    },
    TrainingJob {
        job: TrainingJobRef,
    },
    ModelPackageGroup {
        group: String,
    },
}

/// A container image for a model.
///
/// ```
/// use sagecdk_sagemaker::ContainerImage;
/// let built = ContainerImage::from_asset("model-image"); // a directory with a Dockerfile
/// let dlc = ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311");
/// ```
#[derive(Clone)]
pub struct ContainerImage {
    source: Rc<Source>,
}

impl std::fmt::Debug for ContainerImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.source {
            Source::Asset {
                serving: Some(serving),
                ..
            } => write!(
                f,
                "ContainerImage::from_inference_spec({:?}, {:?})",
                serving.crate_dir, serving.binary
            ),
            Source::Asset { directory, .. } => {
                write!(f, "ContainerImage::from_asset({directory:?})")
            }
            Source::Ecr { tag, .. } => {
                write!(f, "ContainerImage::from_ecr_repository(.., {tag:?})")
            }
            Source::Dlc {
                repository_name,
                tag,
                ..
            } => {
                write!(f, "ContainerImage::from_dlc({repository_name:?}, {tag:?})")
            }
            Source::Framework { query } => {
                write!(f, "ContainerImage::from_framework({query:?})")
            }
            Source::TrainingJob { job } => {
                write!(f, "ContainerImage::from_training_job({})", job.describe())
            }
            Source::ModelPackageGroup { group } => {
                write!(f, "ContainerImage::from_model_package_group({group:?})")
            }
        }
    }
}

impl ContainerImage {
    /// An image built from a local directory with a Dockerfile (a Docker image asset created in
    /// the first model that uses it, with id `ModelImage<md5(directory)>`).
    pub fn from_asset(directory: impl Into<String>) -> Self {
        Self::from_asset_with(DockerImageAssetOptions::new(directory.into()))
    }

    /// [`from_asset`](Self::from_asset) with build options (Dockerfile, build arguments,
    /// target, platform…); the directory is the options' `directory`.
    ///
    /// ```
    /// use sagecdk_assets::DockerImageAssetOptions;
    /// use sagecdk_sagemaker::ContainerImage;
    /// let mut options = DockerImageAssetOptions::new("model-image");
    /// options.file = Some("Dockerfile.gpu".into());
    /// let image = ContainerImage::from_asset_with(options);
    /// ```
    pub fn from_asset_with(options: DockerImageAssetOptions) -> Self {
        ContainerImage {
            source: Rc::new(Source::Asset {
                directory: options.directory.to_string_lossy().into_owned(),
                options: Box::new(options),
                asset: RefCell::new(None),
                serving: None,
            }),
        }
    }

    /// The image of a Rust serving program (an `InferenceSpec` served by `sagecdk-serve`):
    /// the binary `binary` of the crate in `crate_dir` is built with cargo at synthesis and
    /// put on a minimal base (`scratch` with its shared libraries), as a Docker image asset —
    /// an image of a few MB that starts in milliseconds. A failed build is an error at the
    /// model with cargo's diagnostics.
    ///
    /// ```no_run
    /// use sagecdk_sagemaker::ContainerImage;
    /// let image = ContainerImage::from_inference_spec("serving/iris", "iris-server");
    /// ```
    pub fn from_inference_spec(crate_dir: impl Into<PathBuf>, binary: impl Into<String>) -> Self {
        Self::from_inference_spec_with(ServingImageOptions::new(crate_dir, binary))
    }

    /// [`from_inference_spec`](Self::from_inference_spec) with options (another base image,
    /// cargo features).
    pub fn from_inference_spec_with(options: ServingImageOptions) -> Self {
        ContainerImage {
            source: Rc::new(Source::Asset {
                directory: format!("{}#{}", options.crate_dir.display(), options.binary),
                // The directory is the build context staged at binding.
                options: Box::default(),
                asset: RefCell::new(None),
                serving: Some(Box::new(options)),
            }),
        }
    }

    /// The `latest` image of an ECR repository (pull permission granted to the model's role),
    /// as the CDK's `fromEcrRepository(repository)`.
    pub fn from_ecr_repository(repository: &Repository) -> Self {
        Self::from_ecr_repository_tag(repository, "latest")
    }

    /// The image tagged `tag` in an ECR repository (pull permission granted to the model's
    /// role).
    pub fn from_ecr_repository_tag(repository: &Repository, tag: impl Into<String>) -> Self {
        ContainerImage {
            source: Rc::new(Source::Ecr {
                repository: repository.clone(),
                tag: tag.into(),
            }),
        }
    }

    /// An AWS deep learning container image from the region's DLC account (the CDK's
    /// region → account table; a mapping in environment-agnostic stacks).
    ///
    /// ```
    /// use sagecdk_sagemaker::ContainerImage;
    /// let image = ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311");
    /// ```
    pub fn from_dlc(repository_name: impl Into<String>, tag: impl Into<String>) -> Self {
        Self::dlc(repository_name.into(), tag.into(), None)
    }

    /// The image of a SageMaker framework or algorithm, looked up as the SageMaker Python
    /// SDK's `image_uris.retrieve` does (from the catalog embedded in `sagecdk-images`, no AWS
    /// call): without a version, the latest. In an environment-specific stack the URI is a
    /// literal for the stack's region; in an environment-agnostic one the account comes from
    /// a mapping of the image's regions and the domain from the partition
    /// (`AWS::URLSuffix`). The model's role may pull the image. What the catalog does not have
    /// (framework, version, scope, processor, region) is an error at the model's path that
    /// lists what is available.
    ///
    /// ```
    /// use sagecdk_images::{ImageQuery, ImageScope};
    /// use sagecdk_sagemaker::ContainerImage;
    /// let image = ContainerImage::from_framework(
    ///     ImageQuery::new("pytorch").with_version("2.5").with_scope(ImageScope::Inference)
    ///         .for_instance_type("ml.g5.xlarge"));
    /// ```
    pub fn from_framework(query: ImageQuery) -> Self {
        ContainerImage {
            source: Rc::new(Source::Framework {
                query: Box::new(query),
            }),
        }
    }

    /// The inference image for the model a SageMaker training job trained (the ModelTrainer →
    /// ModelBuilder handshake): the job's training image looked up by the CLI
    /// (`DescribeTrainingJob`, cached in `cdk.context.json`), turned into its inference image
    /// by the SDK's rule (`pytorch-training` → `pytorch-inference` and the like, tag kept; the
    /// image itself when it serves inference too, as XGBoost's does). A training image with no
    /// known inference image is an error at the model's path. The model's role may pull it.
    pub fn from_training_job(name: impl Into<String>) -> Self {
        ContainerImage {
            source: Rc::new(Source::TrainingJob {
                job: TrainingJobRef::Name(name.into()),
            }),
        }
    }

    /// [`from_training_job`](Self::from_training_job) of the newest completed training job
    /// whose name starts with `prefix`.
    pub fn from_latest_training_job(prefix: impl Into<String>) -> Self {
        ContainerImage {
            source: Rc::new(Source::TrainingJob {
                job: TrainingJobRef::NewestWithPrefix(prefix.into()),
            }),
        }
    }

    /// The newest *Approved* package of the model-registry group `group` (the way teams hand a
    /// trained model to deployment): looked up by the CLI (`ListModelPackages`,
    /// `DescribeModelPackage`, cached in `cdk.context.json`); the container runs the package
    /// (`ModelPackageName`) with the package's images and model data, which the model's role
    /// may pull and read. A group without an approved package is an error at the model's path;
    /// `sagecdk context --reset` picks up a newer approval.
    pub fn from_model_package_group(group: impl Into<String>) -> Self {
        ContainerImage {
            source: Rc::new(Source::ModelPackageGroup {
                group: group.into(),
            }),
        }
    }

    /// Binds a model-package image: the package's ARN (for `ModelPackageName`) with the pulls
    /// and reads of its containers granted; `None` for any other image.
    pub(crate) fn bind_model_package(
        &self,
        model: &Construct,
        stack: &Stack,
        grantee: Option<&dyn Grantable>,
    ) -> Option<Str> {
        let Source::ModelPackageGroup { group } = &*self.source else {
            return None;
        };
        if group.is_empty() {
            model.add_error("the model package group name must not be empty");
            return Some(Str::failed());
        }
        let dummy = serde_json::json!({
            "modelPackageArn": format!("dummy-value-for-{group}"),
            "containers": [],
        });
        let answer = plugin_context_value(
            model,
            APPROVED_MODEL_PACKAGE_PLUGIN,
            ("modelPackageGroupName", group),
            dummy,
        );
        let Some(arn) = answer["modelPackageArn"].as_str() else {
            model.add_error(format!(
                "the cached package of model package group '{group}' has no ARN ({answer}); reset it with `sagecdk context --reset`"
            ));
            return Some(Str::failed());
        };
        if let Some(g) = grantee {
            for container in answer["containers"].as_array().into_iter().flatten() {
                if let Some(image) = container["image"].as_str() {
                    grant_pull_of_uri(model, image, |arn| {
                        grant_pull(g, arn);
                    });
                }
                if let Some(data) = container["modelDataUrl"].as_str() {
                    crate::model_data::grant_read_of_uri(data, g, |bucket| {
                        crate::model::bucket_arn(stack, bucket)
                    });
                }
            }
        }
        Some(Str::from(arn))
    }

    /// An AWS deep learning container image from the account `account`.
    pub fn from_dlc_in_account(
        repository_name: impl Into<String>,
        tag: impl Into<String>,
        account: impl Into<String>,
    ) -> Self {
        Self::dlc(repository_name.into(), tag.into(), Some(account.into()))
    }

    fn dlc(repository_name: String, tag: String, account: Option<String>) -> Self {
        ContainerImage {
            source: Rc::new(Source::Dlc {
                repository_name,
                tag,
                account,
            }),
        }
    }

    /// Binds the image to a model: creates what it needs in the model's scope, grants the pull,
    /// and returns the image URI.
    pub(crate) fn bind(
        &self,
        model: &Construct,
        stack: &Stack,
        grantee: Option<&dyn Grantable>,
    ) -> Str {
        let grant = |arn: Str| {
            if let Some(g) = grantee {
                grant_pull(g, arn);
            }
        };
        match &*self.source {
            Source::Asset {
                directory,
                options,
                asset,
                serving,
            } => {
                let existing = asset.borrow().clone();
                let asset = match existing {
                    Some(a) => a,
                    None => {
                        let mut options = (**options).clone();
                        if let Some(serving) = serving {
                            match stage_serving_image(serving) {
                                Ok(context) => options.directory = context,
                                Err(e) => {
                                    model.add_error(format!("serving image: {e}"));
                                    return Str::failed();
                                }
                            }
                        }
                        let a = DockerImageAsset::new(
                            model,
                            &format!("ModelImage{}", md5_hex(directory)),
                            options,
                        );
                        *asset.borrow_mut() = Some(a.clone());
                        a
                    }
                };
                let asset_stack = Stack::of(&asset).unwrap_or_else(|| stack.clone());
                grant(
                    asset_stack.format_arn(
                        ArnComponents::new("ecr", "repository")
                            .with_resource_name(asset.repository_name()),
                    ),
                );
                asset.image_uri()
            }
            Source::Ecr { repository, tag } => {
                if let Some(g) = grantee {
                    repository.grant_pull(g);
                }
                repository.repository_uri_for_tag(tag)
            }
            Source::Dlc {
                repository_name,
                tag,
                account,
            } => {
                let account = match account {
                    Some(a) => Str::from(a.as_str()),
                    None => dlc_account(model, stack),
                };
                let repository =
                    imported_repository(model, "DlcRepository", repository_name, account);
                grant(repository.repository_arn());
                repository.repository_uri_for_tag(tag)
            }
            Source::Framework { query } => bind_framework(model, stack, query, grant),
            Source::ModelPackageGroup { .. } => {
                // A model's containers take the package before binding an image.
                model.add_error(
                    "a model package runs as a model's container (`Model::from_model_package_group`), not as an image elsewhere",
                );
                Str::failed()
            }
            Source::TrainingJob { job } => {
                let Some(answer) = training_job_lookup(model, job) else {
                    return Str::failed();
                };
                let training = answer["trainingImage"].as_str().unwrap_or_default();
                if training.starts_with("dummy-value-for-") {
                    // Not looked up yet: the CLI runs the app again with the value.
                    return Str::from(training);
                }
                let image = match sagecdk_images::inference_image_for(training) {
                    Ok(i) => i,
                    Err(e) => {
                        model.add_error(format!("training job {}: {e}", job.describe()));
                        return Str::failed();
                    }
                };
                grant_pull_of_uri(model, &image, grant);
                Str::from(image.as_str())
            }
        }
    }
}

/// Grants the pull of the ECR image `uri` (`<account>.dkr.ecr.<region>.<suffix>/<repository>
/// [:tag]`) from its account's repository (a `FromRepository<n>` import under `model`).
fn grant_pull_of_uri(model: &Construct, uri: &str, grant: impl Fn(Str)) {
    let Some((host, rest)) = uri.split_once('/') else {
        return;
    };
    let account = host.split('.').next().unwrap_or_default();
    let repository = rest.split([':', '@']).next().unwrap_or(rest);
    let repo = imported_repository(model, "FromRepository", repository, Str::from(account));
    grant(repo.repository_arn());
}

/// The repository `name` of `account`, imported under `model` as `<base>`, `<base>2`…: one
/// construct per image of the model (the CDK's fixed id breaks with two images).
fn imported_repository(model: &Construct, base: &str, name: &str, account: Str) -> Repository {
    let mut id = base.to_string();
    let mut n = 1;
    while model.try_find_child(&id).is_some() {
        n += 1;
        id = format!("{base}{n}");
    }
    Repository::from_name_in_account(model, &id, name, Some(account))
}

/// Binds a framework image: resolved from the catalog, recorded as the model's metadata,
/// located in the stack's region (or through a mapping), with the pull granted.
fn bind_framework(
    model: &Construct,
    stack: &Stack,
    query: &ImageQuery,
    grant: impl Fn(Str),
) -> Str {
    let image = match query.resolve() {
        Ok(i) => i,
        Err(e) => {
            model.add_error(format!("container image: {e}"));
            return Str::failed();
        }
    };
    model.add_metadata(
        FRAMEWORK_IMAGE_METADATA,
        serde_json::json!({
            "framework": image.framework(),
            "version": image.version(),
            "requestedVersion": query.version,
            "scope": image.scope(),
            "repository": image.repository(),
            "tag": image.tag(),
        }),
    );
    let region = stack.literal_region();
    let literal_account = match &region {
        Some(r) => match image.account(r) {
            Ok(a) => Some(a),
            Err(e) => {
                model.add_error(format!("container image: {e}"));
                return Str::failed();
            }
        },
        None => None,
    };
    let account: Str = match literal_account {
        Some(a) => Str::from(a),
        None => {
            let accounts = match image.accounts() {
                Ok(a) => a,
                Err(e) => {
                    model.add_error(format!("container image: {e}"));
                    return Str::failed();
                }
            };
            // One mapping per distinct region → account table, named by its content.
            let text: String = accounts.iter().map(|(r, a)| format!("{r}={a};")).collect();
            let id = format!("ImageAccounts{}", &md5_hex(&text)[..8]);
            if stack.node().try_find_child(&id).is_none() {
                let table: IndexMap<String, IndexMap<String, Value>> = accounts
                    .iter()
                    .map(|(r, a)| {
                        (
                            r.to_string(),
                            IndexMap::from([("account".to_string(), Value::from(*a))]),
                        )
                    })
                    .collect();
                CfnMapping::new(stack, &id, table);
            }
            sagecdk_core::fns::find_in_map(&id, Aws::region(), "account")
        }
    };
    let repository = imported_repository(
        model,
        "FrameworkRepository",
        image.repository(),
        account.clone(),
    );
    grant(repository.repository_arn());
    match (literal_account, region) {
        (Some(a), Some(r)) => Str::from(
            format!(
                "{a}.dkr.{}/{}",
                sagecdk_images::ecr_hostname(&r),
                image.repository_and_tag()
            )
            .as_str(),
        ),
        _ => {
            account
                + ".dkr.ecr."
                + Aws::region()
                + "."
                + Aws::url_suffix()
                + "/"
                + image.repository_and_tag().as_str()
        }
    }
}

/// The DLC account for the stack's region: literal when the region is known (an error for an
/// unknown region), else a lookup in the `DlcRepositoryAccountMap` mapping.
fn dlc_account(model: &Construct, stack: &Stack) -> Str {
    if let Some(region) = stack.literal_region() {
        return match DLC_ACCOUNTS.iter().find(|(r, _)| *r == region) {
            Some((_, account)) => Str::from(*account),
            None => {
                model.add_error(format!(
                    "region-info: don't know dlcRepositoryAccount for region {region}; pass the account to ContainerImage::from_dlc"
                ));
                Str::failed()
            }
        };
    }
    let mapping = match stack.node().try_find_child(DLC_MAPPING) {
        Some(_) => None,
        None => {
            let table: IndexMap<String, IndexMap<String, Value>> = DLC_ACCOUNTS
                .iter()
                .map(|(r, a)| {
                    (
                        r.to_string(),
                        IndexMap::from([("value".to_string(), Value::from(*a))]),
                    )
                })
                .collect();
            Some(CfnMapping::new(stack, DLC_MAPPING, table))
        }
    };
    match mapping {
        Some(m) => m.find_in_map(Aws::region(), "value"),
        None => sagecdk_core::fns::find_in_map(DLC_MAPPING, Aws::region(), "value"),
    }
}
