//! Where a model's artifacts come from.

use crate::md5_hex;
use sagecdk_assets::{Asset, AssetProps, ModelArchive, PackageOptions, PublishedFile};
use sagecdk_aws::iam::Grantable;
use sagecdk_aws::s3::Bucket;
use sagecdk_cfn::sagemaker::model::{ModelAccessConfig, ModelDataSource, S3DataSource};
use sagecdk_core::{Construct, Str};
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
}

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

    /// Whether this is the models of a multi-model container.
    pub(crate) fn is_multi_model_prefix(&self) -> bool {
        matches!(&*self.source, Source::MultiModelPrefix { .. })
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
            Source::S3Prefix { .. } => Str::default(),
        }
    }
}
