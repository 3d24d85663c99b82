//! The lookup: a request (framework, version, scope, instance type…) resolved against the
//! catalog by the rules of the SageMaker Python SDK's `image_uris.retrieve`, to a repository,
//! a tag and the region → account table; [`Image::uri`] then places it in a region.
//!
//! Deliberate differences from the SDK are marked "Difference:" below and listed in the
//! crate documentation.

use crate::catalog::{Catalog, RegistryTable, catalog};
use crate::error::ImageError;
use crate::partition::ecr_hostname;
use crate::version::{Pep440, compare_versions, latest};
use serde_json::{Map, Value};

/// What an image is for (the SDK's `image_scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageScope {
    /// Training jobs.
    Training,
    /// Endpoints and batch transform.
    Inference,
    /// Inference on Graviton (arm64) instances.
    InferenceGraviton,
    /// Inference with Elastic Inference accelerators.
    Eia,
    /// Processing jobs.
    Processing,
    /// Model monitoring.
    Monitoring,
    /// Model evaluation.
    Evaluation,
    /// The debugger.
    Debugger,
    /// The detailed profiler.
    DetailedProfiler,
}

impl ImageScope {
    /// Every scope.
    pub const ALL: [ImageScope; 9] = [
        ImageScope::Training,
        ImageScope::Inference,
        ImageScope::InferenceGraviton,
        ImageScope::Eia,
        ImageScope::Processing,
        ImageScope::Monitoring,
        ImageScope::Evaluation,
        ImageScope::Debugger,
        ImageScope::DetailedProfiler,
    ];

    /// The catalog's name of the scope.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageScope::Training => "training",
            ImageScope::Inference => "inference",
            ImageScope::InferenceGraviton => "inference_graviton",
            ImageScope::Eia => "eia",
            ImageScope::Processing => "processing",
            ImageScope::Monitoring => "monitoring",
            ImageScope::Evaluation => "evaluation",
            ImageScope::Debugger => "debugger",
            ImageScope::DetailedProfiler => "detailed-profiler",
        }
    }
}

impl std::str::FromStr for ImageScope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageScope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ImageScope::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown image scope '{s}'; one of: {}", names.join(", "))
            })
    }
}

impl std::fmt::Display for ImageScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Instance families whose inference images are the Graviton (arm64) ones.
pub const GRAVITON_FAMILIES: &[&str] =
    &["m6g", "m6gd", "c6g", "c6gd", "c6gn", "c7g", "r6g", "r6gd"];
/// Frameworks with Graviton images.
const GRAVITON_FRAMEWORKS: &[&str] = &["tensorflow", "pytorch", "xgboost", "sklearn"];
/// Frameworks whose tag takes a caller's container version although the catalog has none.
const CONTAINER_VERSION_FRAMEWORKS: &[&str] = &["huggingface", "pytorch-smp", "spark"];
/// Repositories whose container version starts with the Neuron SDK version.
const NEURON_SDK_REPOSITORIES: &[&str] = &[
    "pytorch-training-neuron",
    "pytorch-training-neuronx",
    "huggingface-vllm-inference-neuronx",
];
/// Container versions of a few old images on p4d instances, by `<framework>-<tag>`.
const P4D_CONTAINER_VERSIONS: &[(&str, &str)] = &[
    ("tensorflow-2.3-gpu-py37", "cu110-ubuntu18.04-v3"),
    ("tensorflow-2.3.1-gpu-py37", "cu110-ubuntu18.04"),
    ("tensorflow-2.3.2-gpu-py37", "cu110-ubuntu18.04"),
    ("tensorflow-1.15-gpu-py37", "cu110-ubuntu18.04-v8"),
    ("tensorflow-1.15.4-gpu-py37", "cu110-ubuntu18.04"),
    ("tensorflow-1.15.5-gpu-py37", "cu110-ubuntu18.04"),
    ("mxnet-1.8-gpu-py37", "cu110-ubuntu16.04-v1"),
    ("mxnet-1.8.0-gpu-py37", "cu110-ubuntu16.04"),
    ("pytorch-1.6-gpu-py36", "cu110-ubuntu18.04-v3"),
    ("pytorch-1.6.0-gpu-py36", "cu110-ubuntu18.04"),
    ("pytorch-1.6-gpu-py3", "cu110-ubuntu18.04-v3"),
    ("pytorch-1.6.0-gpu-py3", "cu110-ubuntu18.04"),
];
/// The fixed tags of the arm64 XGBoost and scikit-learn images.
const ARM64_TAGS: &[(&str, &str, &str)] = &[
    ("xgboost", "1.5-1", "1.5-1-arm64"),
    ("xgboost", "1.3-1", "1.3-1-arm64"),
    ("sklearn", "1.0-1", "1.0-1-arm64-cpu-py3"),
];

/// A request for a framework's (or algorithm's) image: what `image_uris.retrieve` takes,
/// but the region, which [`Image::uri`] takes.
///
/// ```
/// use sagecdk_images::{ImageQuery, ImageScope};
/// let image = ImageQuery::new("pytorch")
///     .with_version("2.5")
///     .with_scope(ImageScope::Inference)
///     .for_instance_type("ml.g5.xlarge")
///     .resolve()
///     .unwrap();
/// assert_eq!(
///     image.uri("us-west-2").unwrap(),
///     "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.5-gpu-py311"
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageQuery {
    /// The framework or algorithm (`pytorch`, `xgboost`, `huggingface-llm`…).
    pub framework: String,
    /// The version, or an alias of one; `None` for the latest (by version order).
    pub version: Option<String>,
    /// What the image is for.
    pub scope: Option<ImageScope>,
    /// The instance type (`ml.g5.xlarge`; `local`, `local_gpu`): picks the processor, and
    /// Graviton, Inferentia and Trainium images.
    pub instance_type: Option<String>,
    /// The Python version (`py311`), when the version has several.
    pub py_version: Option<String>,
    /// A tag's container version, for the frameworks that take one.
    pub container_version: Option<String>,
    /// Hugging Face: the base framework and its version (`pytorch2.6.0`, or an alias such as
    /// `pytorch2.6`).
    pub base_framework_version: Option<String>,
    /// For a serverless endpoint (a CPU image).
    pub serverless: bool,
    /// `neuron` or `neuronx` (implied by Inferentia and Trainium instances).
    pub inference_tool: Option<String>,
    /// The Neuron SDK version of Neuron images (default: the latest of the image's).
    pub sdk_version: Option<String>,
    /// An Elastic Inference accelerator (`ml.eia2.medium`): the `eia` images.
    pub accelerator_type: Option<String>,
}

/// A resolved image: its repository and tag, and the accounts hosting it by region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    framework: String,
    version: String,
    scope: Option<String>,
    repository: String,
    tag: Option<String>,
    registries: RegistryTable,
}

impl ImageQuery {
    /// A request for `framework`'s latest image.
    pub fn new(framework: impl Into<String>) -> Self {
        ImageQuery {
            framework: framework.into(),
            ..ImageQuery::default()
        }
    }

    /// Sets the version.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Sets the scope.
    pub fn with_scope(mut self, scope: ImageScope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Sets the instance type.
    pub fn for_instance_type(mut self, instance_type: impl Into<String>) -> Self {
        self.instance_type = Some(instance_type.into());
        self
    }

    /// Sets the Python version.
    pub fn with_py_version(mut self, py_version: impl Into<String>) -> Self {
        self.py_version = Some(py_version.into());
        self
    }

    /// Sets the Hugging Face base framework version.
    pub fn with_base_framework_version(mut self, base: impl Into<String>) -> Self {
        self.base_framework_version = Some(base.into());
        self
    }

    /// For a serverless endpoint.
    pub fn serverless(mut self) -> Self {
        self.serverless = true;
        self
    }

    /// Resolves the request against the catalog.
    pub fn resolve(&self) -> Result<Image, ImageError> {
        Resolver {
            query: self,
            catalog: catalog()?,
        }
        .resolve()
    }
}

/// `framework`'s image for `query` in `region`: `image_uris.retrieve` (see [`ImageQuery`]).
pub fn retrieve(query: &ImageQuery, region: &str) -> Result<String, ImageError> {
    query.resolve()?.uri(region)
}

impl Image {
    /// The framework asked for.
    pub fn framework(&self) -> &str {
        &self.framework
    }

    /// The version resolved (as given, or the latest).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The scope of the images, when the framework's configuration distinguishes them.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The repository name.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag (`None` for the repository's default).
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// `repository[:tag]`.
    pub fn repository_and_tag(&self) -> String {
        match &self.tag {
            Some(t) => format!("{}:{t}", self.repository),
            None => self.repository.clone(),
        }
    }

    /// The account hosting the image in `region`.
    pub fn account(&self, region: &str) -> Result<&'static str, ImageError> {
        let catalog = catalog()?;
        catalog
            .account(self.registries, region)
            .ok_or_else(|| ImageError::Unsupported {
                framework: self.framework.clone(),
                what: "region".to_string(),
                value: region.to_string(),
                available: catalog
                    .entries(self.registries)
                    .map(|(r, _)| r.to_string())
                    .collect(),
            })
    }

    /// Every region with the image, and the account there, in region order.
    pub fn accounts(&self) -> Result<Vec<(&'static str, &'static str)>, ImageError> {
        Ok(catalog()?.entries(self.registries).collect())
    }

    /// The image's URI in `region`: `<account>.dkr.<ECR host>/<repository>[:tag]`.
    pub fn uri(&self, region: &str) -> Result<String, ImageError> {
        let account = self.account(region)?;
        Ok(format!(
            "{account}.dkr.{}/{}",
            ecr_hostname(region),
            self.repository_and_tag()
        ))
    }
}

/// The family of an instance type: `ml.<family>.<size>` or `ml_<family>`; empty otherwise.
pub fn instance_family(instance_type: Option<&str>) -> &str {
    let Some(t) = instance_type else { return "" };
    let Some(rest) = t.strip_prefix("ml.").or_else(|| t.strip_prefix("ml_")) else {
        return "";
    };
    let end = rest
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        .unwrap_or(rest.len());
    let (family, tail) = rest.split_at(end);
    let tail = tail.strip_prefix('.').unwrap_or(tail);
    let word = |c: char| c.is_alphanumeric() || c == '_';
    if family.is_empty() || !tail.chars().all(word) {
        return "";
    }
    family
}

struct Resolver<'a> {
    query: &'a ImageQuery,
    catalog: &'static Catalog,
}

/// A JSON value's text, when it is a non-empty string (the SDK's truthiness).
fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A JSON list of strings, when it is a non-empty one.
fn strings(v: Option<&Value>) -> Option<Vec<&str>> {
    let items: Vec<&str> = v?.as_array()?.iter().filter_map(Value::as_str).collect();
    (!items.is_empty()).then_some(items)
}

/// Whether a JSON value is truthy as Python sees it.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
    }
}

impl Resolver<'_> {
    fn unsupported(&self, what: &str, value: Option<&str>, available: Vec<String>) -> ImageError {
        ImageError::Unsupported {
            framework: self.query.framework.clone(),
            what: what.to_string(),
            value: value.unwrap_or_default().to_string(),
            available,
        }
    }

    fn invalid(&self, reason: impl Into<String>) -> ImageError {
        ImageError::Invalid {
            framework: self.query.framework.clone(),
            reason: reason.into(),
        }
    }

    fn framework_config(&self, name: &str) -> Result<&'static Map<String, Value>, ImageError> {
        self.catalog
            .frameworks
            .get(name)
            .and_then(Value::as_object)
            .ok_or_else(|| ImageError::UnknownFramework {
                framework: name.to_string(),
                available: list_frameworks().unwrap_or_default(),
            })
    }

    fn resolve(&self) -> Result<Image, ImageError> {
        let q = self.query;
        let framework = q.framework.as_str();
        let instance_type = q.instance_type.as_deref().filter(|t| !t.is_empty());
        let family = instance_family(instance_type);

        // Inferentia and Trainium imply the Neuron images of Hugging Face and PyTorch. (The
        // SDK tests `framework in "pytorch"`, a substring test; no other catalog framework is
        // one.)
        let mut inference_tool = q.inference_tool.clone().filter(|t| !t.is_empty());
        let mut config_name = framework.to_string();
        if framework == "huggingface" || "pytorch".contains(framework) {
            if inference_tool.is_none() && (family.starts_with("inf") || family.starts_with("trn"))
            {
                inference_tool = Some("neuron".to_string());
            }
            if let Some(tool @ ("neuron" | "neuronx")) = inference_tool.as_deref() {
                config_name = format!("{framework}-{tool}");
            }
        }
        let final_scope: Option<String> =
            if GRAVITON_FRAMEWORKS.contains(&framework) && GRAVITON_FAMILIES.contains(&family) {
                Some("inference_graviton".to_string())
            } else if q.scope.is_none() && matches!(framework, "xgboost" | "sklearn") {
                Some("training".to_string())
            } else {
                q.scope.map(|s| s.as_str().to_string())
            };
        if let Some(t) = instance_type {
            if t.contains("trn") && !"pytorch".contains(framework) {
                return Err(self.invalid(format!(
                    "Trainium instances ({t}) run only the images of: pytorch"
                )));
            }
            if GRAVITON_FAMILIES.contains(&family) && !GRAVITON_FRAMEWORKS.contains(&framework) {
                return Err(self.invalid(format!(
                    "Graviton instances ({t}) run only the images of: {}",
                    GRAVITON_FRAMEWORKS.join(", ")
                )));
            }
        }
        let config = self.scope_config(&config_name, final_scope.as_deref())?;

        let versions = config
            .get("versions")
            .and_then(Value::as_object)
            .ok_or_else(|| self.invalid("the configuration has no versions for this scope"))?;
        let aliases = config.get("version_aliases").and_then(Value::as_object);
        let requested = q.version.as_deref().filter(|v| !v.is_empty());
        let is_alias =
            |v: Option<&str>| v.is_some_and(|v| aliases.is_some_and(|a| a.contains_key(v)));
        let version: String = if versions.len() == 1 && !is_alias(requested) {
            versions.keys().next().cloned().unwrap_or_default()
        } else {
            match requested {
                Some(v) => v.to_string(),
                // Difference: the latest by version order of the configuration used (the SDK
                // compares only its first and last keys, in the scope asked for, and fails
                // when no scope is given to a configuration with several).
                None => latest(versions.keys().map(String::as_str))
                    .unwrap_or_default()
                    .to_string(),
            }
        };
        if !versions.contains_key(&version) && !is_alias(Some(&version)) {
            let mut available: Vec<String> = versions
                .keys()
                .chain(aliases.into_iter().flat_map(|a| a.keys()))
                .cloned()
                .collect();
            available.sort_by(|a, b| compare_versions(a, b));
            return Err(self.unsupported("version", Some(&version), available));
        }
        let config_version = aliases
            .and_then(|a| text(a.get(&version)))
            .unwrap_or(&version)
            .to_string();
        let mut version_config = versions
            .get(&config_version)
            .and_then(Value::as_object)
            .ok_or_else(|| {
                self.invalid(format!("version {config_version} has no configuration"))
            })?;

        if framework == "huggingface" {
            let base = q.base_framework_version.as_deref();
            let full_base = match version_config
                .get("version_aliases")
                .and_then(Value::as_object)
            {
                Some(a) if !a.is_empty() => base.map(|b| text(a.get(b)).unwrap_or(b)),
                _ => {
                    return Err(self.invalid(format!("version {version} lists no base frameworks")));
                }
            };
            let keys: Vec<String> = version_config.keys().cloned().collect();
            version_config = match full_base
                .and_then(|b| version_config.get(b))
                .and_then(Value::as_object)
            {
                Some(c) => c,
                None => return Err(self.unsupported("base framework", full_base, keys)),
            };
        }

        let py_version = self.py_version(version_config)?;
        if let Some(nested) = py_version
            .as_deref()
            .and_then(|p| version_config.get(p))
            .and_then(Value::as_object)
            .filter(|o| !o.is_empty())
        {
            version_config = nested;
        }
        let registries = version_config
            .get("registries")
            .and_then(|r| self.catalog.table(r))
            .ok_or_else(|| self.invalid(format!("version {version} lists no registries")))?;
        let repository = text(version_config.get("repository"))
            .ok_or_else(|| self.invalid(format!("version {version} names no repository")))?
            .to_string();

        let processors =
            strings(config.get("processors")).or_else(|| strings(version_config.get("processors")));
        let mut processor = self.processor(instance_type, family, processors)?;

        let mut container_version = q.container_version.clone();
        if let Some(by_processor) = version_config
            .get("container_version")
            .filter(|v| truthy(Some(v)))
        {
            container_version = Some(
                processor
                    .as_deref()
                    .and_then(|p| text(by_processor.get(p)))
                    .ok_or_else(|| {
                        self.invalid(format!(
                            "no container version for processor {}",
                            processor.as_deref().unwrap_or("None")
                        ))
                    })?
                    .to_string(),
            );
        }
        if NEURON_SDK_REPOSITORIES.contains(&repository.as_str()) {
            container_version = Some(self.with_sdk_version(version_config, container_version)?);
        }

        let tag_prefix = if framework == "huggingface" {
            let base = q.base_framework_version.as_deref().unwrap_or_default();
            let mut framework_version = base_version(base)
                .ok_or_else(|| {
                    self.invalid(format!(
                        "base framework '{base}' is not pytorch… or tensorflow…"
                    ))
                })?
                .to_string();
            let mut prefix_version = config_version.clone();
            if matches!(
                repository.as_str(),
                "huggingface-pytorch-trcomp-training" | "huggingface-tensorflow-trcomp-training"
            ) {
                prefix_version = version.clone();
            }
            if matches!(
                repository.as_str(),
                "huggingface-pytorch-inference-neuron" | "huggingface-pytorch-inference-neuronx"
            ) {
                container_version = Some(self.with_sdk_version(version_config, container_version)?);
                let aliases = aliases.ok_or_else(|| self.invalid("no version aliases"))?;
                if let Some(alias) = requested.and_then(|v| text(aliases.get(v))) {
                    prefix_version = alias.to_string();
                }
                if let Some(aliased_base) = versions
                    .get(&prefix_version)
                    .and_then(|v| v.get("version_aliases"))
                    .and_then(|a| text(a.get(base)))
                {
                    framework_version = base_version(aliased_base)
                        .ok_or_else(|| self.invalid(format!("base framework '{aliased_base}'")))?
                        .to_string();
                }
            }
            format!("{framework_version}-transformers{prefix_version}")
        } else {
            match version_config.get("tag_prefix") {
                Some(Value::String(p)) => p.clone(),
                Some(_) => String::new(),
                None => version.clone(),
            }
        };

        if repository == format!("{framework}-inference-graviton")
            || repository == format!("{framework}-inference-arm64")
        {
            container_version = Some(format!(
                "{}-sagemaker",
                container_version.as_deref().unwrap_or("None")
            ));
        }
        if version_config
            .get("processor_in_tag")
            .is_some_and(|v| !truthy(Some(v)))
        {
            processor = None;
        }
        if family == "p2" {
            let at_least = |min: &str| match (Pep440::parse(&version), Pep440::parse(min)) {
                (Some(v), Some(m)) => Ok(v >= m),
                _ => Err(self.invalid(format!("version {version} is not a version number"))),
            };
            if (framework == "pytorch" && at_least("1.13")?)
                || (framework == "tensorflow" && at_least("2.12")?)
            {
                return Err(self.invalid(
                    "P2 instances are not supported from PyTorch 1.13 and TensorFlow 2.12",
                ));
            }
        }
        if let Some(requested_cv) = &q.container_version
            && !truthy(version_config.get("container_version"))
            && !CONTAINER_VERSION_FRAMEWORKS.contains(&framework)
            && repository != format!("{framework}-inference-graviton")
            && !repository.contains("neuron")
        {
            return Err(self.invalid(format!(
                "container version '{requested_cv}' is not supported for version {version}: the tag would name no published image (a container version is a tag component such as a CUDA/OS suffix; give the full framework version instead)"
            )));
        }

        let tag = self.tag(TagParts {
            final_scope: final_scope.as_deref(),
            family,
            instance_type,
            tag_prefix: &tag_prefix,
            processor: processor.as_deref(),
            py_version: py_version.as_deref(),
            container_version: container_version.as_deref(),
            inference_tool: inference_tool.as_deref(),
            version: &version,
        })?;
        Ok(Image {
            framework: framework.to_string(),
            version,
            scope: final_scope,
            repository,
            tag: (!tag.is_empty()).then_some(tag),
            registries,
        })
    }

    /// The configuration of `name` for `scope` (the SDK's `_config_for_framework_and_scope`).
    fn scope_config(
        &self,
        name: &str,
        scope: Option<&str>,
    ) -> Result<&'static Map<String, Value>, ImageError> {
        let config = self.framework_config(name)?;
        let mut scope = scope.map(str::to_string);
        if let Some(accelerator) = self
            .query
            .accelerator_type
            .as_deref()
            .filter(|a| !a.is_empty())
        {
            if !accelerator.starts_with("ml.eia") && accelerator != "local_sagemaker_notebook" {
                return Err(self.invalid(format!(
                    "invalid Elastic Inference accelerator type: {accelerator}"
                )));
            }
            scope = Some("eia".to_string());
        }
        let available: Vec<String> = match config.get("scope").and_then(Value::as_array) {
            Some(list) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            None => config.keys().cloned().collect(),
        };
        if available.len() == 1 {
            scope = Some(available[0].clone());
        }
        let shared = config.contains_key("scope");
        if scope.is_none()
            && shared
            && available.len() == 2
            && available.iter().any(|s| s == "training")
            && available.iter().any(|s| s == "inference")
        {
            scope = Some(available[0].clone());
        }
        let Some(scope) = scope.filter(|s| available.contains(s)) else {
            return Err(self.unsupported(
                "image scope",
                self.query.scope.map(ImageScope::as_str),
                available,
            ));
        };
        if shared {
            Ok(config)
        } else {
            config
                .get(&scope)
                .and_then(Value::as_object)
                .ok_or_else(|| self.invalid(format!("scope {scope} is not a configuration")))
        }
    }

    /// The Python version (the SDK's `_validate_py_version_and_set_if_needed`).
    fn py_version(
        &self,
        version_config: &Map<String, Value>,
    ) -> Result<Option<String>, ImageError> {
        let available: Vec<String> = if version_config.contains_key("repository") {
            strings(version_config.get("py_versions"))
                .unwrap_or_default()
                .into_iter()
                .map(str::to_string)
                .collect()
        } else {
            version_config.keys().cloned().collect()
        };
        let requested = self.query.py_version.as_deref().filter(|p| !p.is_empty());
        if available.is_empty() {
            return Ok(None);
        }
        if requested.is_none() && self.query.framework == "spark" {
            return Ok(None);
        }
        if requested.is_none() && available.len() == 1 {
            return Ok(Some(available[0].clone()));
        }
        match requested {
            Some(p) if available.iter().any(|a| a == p) => Ok(Some(p.to_string())),
            _ => Err(self.unsupported("Python version", requested, available)),
        }
    }

    /// The processor (the SDK's `_processor`).
    fn processor(
        &self,
        instance_type: Option<&str>,
        family: &str,
        available: Option<Vec<&str>>,
    ) -> Result<Option<String>, ImageError> {
        let Some(available) = available else {
            return Ok(None);
        };
        if available.len() == 1 && instance_type.is_none() {
            return Ok(Some(available[0].to_string()));
        }
        if self.query.serverless {
            return Ok(Some("cpu".to_string()));
        }
        let Some(t) = instance_type else {
            return Err(self.invalid(format!(
                "the images differ by processor ({}): give the instance type",
                available.join(", ")
            )));
        };
        let processor = if t.starts_with("local") {
            if t == "local" { "cpu" } else { "gpu" }.to_string()
        } else if t.starts_with("neuron") {
            "neuron".to_string()
        } else if family.is_empty() {
            return Err(self.invalid(format!("invalid SageMaker instance type: {t}")));
        } else if available.contains(&family) {
            family.to_string()
        } else if family.starts_with("inf") {
            "inf".to_string()
        } else if family.starts_with("trn") {
            "trn".to_string()
        } else if family.starts_with('g') || family.starts_with('p') {
            "gpu".to_string()
        } else {
            "cpu".to_string()
        };
        if !available.contains(&processor.as_str()) {
            return Err(self.unsupported(
                "processor",
                Some(&processor),
                available.iter().map(|p| p.to_string()).collect(),
            ));
        }
        Ok(Some(processor))
    }

    /// `<sdk version>-<container version>` of Neuron images (the SDK version defaults to the
    /// greatest of the image's, compared as text as the SDK does).
    fn with_sdk_version(
        &self,
        version_config: &Map<String, Value>,
        container_version: Option<String>,
    ) -> Result<String, ImageError> {
        let sdk = match self.query.sdk_version.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => s.to_string(),
            None => strings(version_config.get("sdk_versions"))
                .and_then(|v| v.into_iter().max())
                .ok_or_else(|| self.invalid("the image lists no Neuron SDK versions"))?
                .to_string(),
        };
        let container = container_version
            .ok_or_else(|| self.invalid("the Neuron image has no container version"))?;
        Ok(format!("{sdk}-{container}"))
    }

    /// The tag (the SDK's `_get_image_tag`).
    fn tag(&self, p: TagParts<'_>) -> Result<String, ImageError> {
        let framework = self.query.framework.as_str();
        let graviton_scope = p.final_scope == Some("inference_graviton");
        let mut tag = if matches!(framework, "xgboost" | "sklearn")
            && (GRAVITON_FAMILIES.contains(&p.family) || graviton_scope)
        {
            if !p.family.is_empty() && graviton_scope && !GRAVITON_FAMILIES.contains(&p.family) {
                return Err(self.unsupported(
                    "instance type",
                    Some(p.family),
                    GRAVITON_FAMILIES.iter().map(|f| f.to_string()).collect(),
                ));
            }
            ARM64_TAGS
                .iter()
                .find(|(f, v, _)| *f == framework && *v == p.version)
                .map(|(_, _, tag)| tag.to_string())
                .ok_or_else(|| {
                    self.unsupported(
                        "Graviton version",
                        Some(p.version),
                        ARM64_TAGS
                            .iter()
                            .filter(|(f, _, _)| *f == framework)
                            .map(|(_, v, _)| v.to_string())
                            .collect(),
                    )
                })?
        } else {
            let mut tag = format_tag(&p);
            if p.instance_type.is_some() && p.family == "p4d" {
                let key = format!("{framework}-{tag}");
                if let Some((_, suffix)) = P4D_CONTAINER_VERSIONS.iter().find(|(k, _)| *k == key) {
                    tag = format!("{tag}-{suffix}");
                }
            }
            tag
        };
        // Triton GPU images have no `-gpu`; the SDK strips the characters of "-gpu" from the
        // end, as Python's `rstrip` does.
        if framework == "sagemaker-tritonserver" && p.processor == Some("gpu") {
            tag = tag.trim_end_matches(['-', 'g', 'p', 'u']).to_string();
        }
        Ok(tag)
    }
}

/// What a tag is made of.
struct TagParts<'a> {
    final_scope: Option<&'a str>,
    family: &'a str,
    instance_type: Option<&'a str>,
    tag_prefix: &'a str,
    processor: Option<&'a str>,
    py_version: Option<&'a str>,
    container_version: Option<&'a str>,
    inference_tool: Option<&'a str>,
    version: &'a str,
}

/// The SDK's `_format_tag`: the non-empty parts joined by `-`.
fn format_tag(p: &TagParts<'_>) -> String {
    let middle = p.inference_tool.or(p.processor);
    [
        Some(p.tag_prefix),
        middle,
        p.py_version,
        p.container_version,
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join("-")
}

/// The version of a `pytorch<version>` or `tensorflow<version>` base framework.
fn base_version(base: &str) -> Option<&str> {
    base.strip_prefix("pytorch")
        .or_else(|| base.strip_prefix("tensorflow"))
}

/// The frameworks of the catalog, sorted.
pub fn list_frameworks() -> Result<Vec<String>, ImageError> {
    let catalog = catalog()?;
    let mut names: Vec<String> = catalog
        .frameworks
        .iter()
        .filter(|(_, config)| {
            config.get("versions").is_some()
                || config
                    .as_object()
                    .is_some_and(|o| o.values().any(|s| s.get("versions").is_some()))
        })
        .map(|(name, _)| name.clone())
        .collect();
    names.sort();
    Ok(names)
}

/// The versions and aliases of `framework` (in `scope`, or every scope), in version order (the
/// SDK's `list_versions`).
pub fn list_versions(
    framework: &str,
    scope: Option<ImageScope>,
) -> Result<Vec<String>, ImageError> {
    let mut versions: Vec<String> = Vec::new();
    for subtree in subtrees(framework, scope)? {
        for key in ["versions", "version_aliases"] {
            if let Some(map) = subtree.get(key).and_then(Value::as_object) {
                versions.extend(map.keys().cloned());
            }
        }
    }
    versions.sort_by(|a, b| compare_versions(a, b));
    versions.dedup();
    Ok(versions)
}

/// The latest version of `framework` (in `scope`, or across every scope) by version order,
/// aliases aside.
pub fn latest_version(framework: &str, scope: Option<ImageScope>) -> Result<String, ImageError> {
    let mut versions: Vec<String> = Vec::new();
    for subtree in subtrees(framework, scope)? {
        if let Some(map) = subtree.get("versions").and_then(Value::as_object) {
            versions.extend(map.keys().cloned());
        }
    }
    latest(versions.iter().map(String::as_str))
        .map(str::to_string)
        .ok_or_else(|| ImageError::Invalid {
            framework: framework.to_string(),
            reason: "no versions".to_string(),
        })
}

/// The scopes of `framework` that have versions, in the catalog's order.
pub fn list_scopes(framework: &str) -> Result<Vec<String>, ImageError> {
    let config = framework_value(framework)?;
    if config.get("versions").is_some() {
        return Ok(strings(config.get("scope"))
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect());
    }
    Ok(config
        .as_object()
        .into_iter()
        .flat_map(|o| o.iter())
        .filter(|(_, s)| s.get("versions").is_some())
        .map(|(name, _)| name.clone())
        .collect())
}

fn framework_value(framework: &str) -> Result<&'static Value, ImageError> {
    catalog()?
        .frameworks
        .get(framework)
        .ok_or_else(|| ImageError::UnknownFramework {
            framework: framework.to_string(),
            available: list_frameworks().unwrap_or_default(),
        })
}

/// The subtrees holding `versions` (the SDK's `_iter_config_subtrees`).
fn subtrees(framework: &str, scope: Option<ImageScope>) -> Result<Vec<&'static Value>, ImageError> {
    let config = framework_value(framework)?;
    let unsupported = |available: Vec<String>| ImageError::Unsupported {
        framework: framework.to_string(),
        what: "image scope".to_string(),
        value: scope
            .map(ImageScope::as_str)
            .unwrap_or_default()
            .to_string(),
        available,
    };
    if config.get("versions").is_some() {
        if let (Some(s), Some(available)) = (scope, strings(config.get("scope")))
            && !available.contains(&s.as_str())
        {
            return Err(unsupported(
                available.into_iter().map(str::to_string).collect(),
            ));
        }
        return Ok(vec![config]);
    }
    let scopes: Vec<(&String, &Value)> = config
        .as_object()
        .into_iter()
        .flat_map(|o| o.iter())
        .filter(|(_, s)| s.get("versions").is_some())
        .collect();
    match scope {
        Some(s) => match scopes.iter().find(|(name, _)| name.as_str() == s.as_str()) {
            Some((_, subtree)) => Ok(vec![*subtree]),
            None => Err(unsupported(
                scopes.iter().map(|(n, _)| n.to_string()).collect(),
            )),
        },
        None => Ok(scopes.into_iter().map(|(_, s)| s).collect()),
    }
}

/// Whether the catalog lists `repository` among the images of an inference scope (the same
/// image serving training and inference, as for XGBoost, scikit-learn and the built-in
/// algorithms).
pub fn serves_inference(repository: &str) -> Result<bool, ImageError> {
    fn has_repository(value: &Value, repository: &str) -> bool {
        match value {
            Value::Object(map) => {
                map.get("repository").and_then(Value::as_str) == Some(repository)
                    || map.values().any(|v| has_repository(v, repository))
            }
            _ => false,
        }
    }
    for config in catalog()?.frameworks.values() {
        let inference_subtrees: Vec<&Value> = if config.get("versions").is_some() {
            let scopes = strings(config.get("scope")).unwrap_or_default();
            if scopes.contains(&"inference") || scopes.is_empty() {
                vec![config]
            } else {
                Vec::new()
            }
        } else {
            ["inference", "inference_graviton"]
                .iter()
                .filter_map(|s| config.get(*s))
                .collect()
        };
        if inference_subtrees
            .iter()
            .any(|t| has_repository(t, repository))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The inference image for a model trained with `training_image` (the SageMaker Python
/// SDK's rule for ModelBuilder given a ModelTrainer): the framework's inference repository for
/// the PyTorch, TensorFlow and Hugging Face PyTorch training images (tag kept); the image
/// itself when the catalog lists it for inference; otherwise none.
pub fn inference_image_for(training_image: &str) -> Result<String, ImageError> {
    const RENAMES: &[(&str, &str)] = &[
        (
            "huggingface-pytorch-training",
            "huggingface-pytorch-inference",
        ),
        ("pytorch-training", "pytorch-inference"),
        ("tensorflow-training", "tensorflow-inference"),
    ];
    let (registry, repository_and_tag) = training_image
        .rsplit_once('/')
        .unwrap_or(("", training_image));
    let repository = repository_and_tag
        .split_once([':', '@'])
        .map_or(repository_and_tag, |(r, _)| r);
    if let Some((_, to)) = RENAMES.iter().find(|(from, _)| *from == repository) {
        let rest = &repository_and_tag[repository.len()..];
        return Ok(format!("{registry}/{to}{rest}"));
    }
    if serves_inference(repository)? {
        return Ok(training_image.to_string());
    }
    Err(ImageError::Invalid {
        framework: repository.to_string(),
        reason: format!(
            "no inference image is known for the training image {training_image}: give the model its image"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inference_images_for_training_images() {
        let dlc = "763104351884.dkr.ecr.us-west-2.amazonaws.com";
        assert_eq!(
            inference_image_for(&format!("{dlc}/pytorch-training:2.3.0-gpu-py311")).unwrap(),
            format!("{dlc}/pytorch-inference:2.3.0-gpu-py311")
        );
        assert_eq!(
            inference_image_for(&format!(
                "{dlc}/huggingface-pytorch-training:2.1-transformers4.36-gpu-py310"
            ))
            .unwrap(),
            format!("{dlc}/huggingface-pytorch-inference:2.1-transformers4.36-gpu-py310")
        );
        let xgboost = "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1";
        assert_eq!(inference_image_for(xgboost).unwrap(), xgboost);
        let own = "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-trainer:7";
        assert!(
            inference_image_for(own)
                .unwrap_err()
                .to_string()
                .contains("no inference image is known for the training image")
        );
        assert!(!serves_inference("pytorch-training").unwrap());
        assert!(serves_inference("pytorch-inference").unwrap());
    }
}
