//! Instance and accelerator types.

use std::borrow::Cow;
use std::fmt;

/// A SageMaker hosting instance type (`ml.<family>.<size>`): one constant for each type the
/// CloudFormation schema of `AWS::SageMaker::EndpointConfig` allows for production variants
/// (vendored with its date; a unit test keeps the two equal), others through
/// [`InstanceType::of`].
///
/// ```
/// use sagecdk_sagemaker::InstanceType;
/// assert_eq!(InstanceType::M5_LARGE.as_str(), "ml.m5.large");
/// assert!(InstanceType::of("ml.p5.48xlarge").unwrap().is_known());
/// // Newer than the schema: accepted (with a warning at synthesis).
/// assert!(!InstanceType::of("ml.g9.xlarge").unwrap().is_known());
/// assert!(InstanceType::of("m5.large").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstanceType(Cow<'static, str>);

macro_rules! named_types {
    ($ty:ident { $($name:ident = $value:literal),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("`", $value, "`")]
                pub const $name: $ty = $ty(Cow::Borrowed($value));
            )*
            /// Every named type.
            pub const ALL: &'static [$ty] = &[$($ty::$name),*];
        }
    };
}

named_types!(InstanceType {
    C4_LARGE = "ml.c4.large", C4_XLARGE = "ml.c4.xlarge", C4_2XLARGE = "ml.c4.2xlarge",
    C4_4XLARGE = "ml.c4.4xlarge", C4_8XLARGE = "ml.c4.8xlarge",
    C5_LARGE = "ml.c5.large", C5_XLARGE = "ml.c5.xlarge", C5_2XLARGE = "ml.c5.2xlarge",
    C5_4XLARGE = "ml.c5.4xlarge", C5_9XLARGE = "ml.c5.9xlarge", C5_18XLARGE = "ml.c5.18xlarge",
    C5D_LARGE = "ml.c5d.large", C5D_XLARGE = "ml.c5d.xlarge", C5D_2XLARGE = "ml.c5d.2xlarge",
    C5D_4XLARGE = "ml.c5d.4xlarge", C5D_9XLARGE = "ml.c5d.9xlarge",
    C5D_18XLARGE = "ml.c5d.18xlarge",
    C6G_LARGE = "ml.c6g.large", C6G_XLARGE = "ml.c6g.xlarge", C6G_2XLARGE = "ml.c6g.2xlarge",
    C6G_4XLARGE = "ml.c6g.4xlarge", C6G_8XLARGE = "ml.c6g.8xlarge",
    C6G_12XLARGE = "ml.c6g.12xlarge", C6G_16XLARGE = "ml.c6g.16xlarge",
    C6GD_LARGE = "ml.c6gd.large", C6GD_XLARGE = "ml.c6gd.xlarge", C6GD_2XLARGE = "ml.c6gd.2xlarge",
    C6GD_4XLARGE = "ml.c6gd.4xlarge", C6GD_8XLARGE = "ml.c6gd.8xlarge",
    C6GD_12XLARGE = "ml.c6gd.12xlarge", C6GD_16XLARGE = "ml.c6gd.16xlarge",
    C6GN_LARGE = "ml.c6gn.large", C6GN_XLARGE = "ml.c6gn.xlarge", C6GN_2XLARGE = "ml.c6gn.2xlarge",
    C6GN_4XLARGE = "ml.c6gn.4xlarge", C6GN_8XLARGE = "ml.c6gn.8xlarge",
    C6GN_12XLARGE = "ml.c6gn.12xlarge", C6GN_16XLARGE = "ml.c6gn.16xlarge",
    C6I_LARGE = "ml.c6i.large", C6I_XLARGE = "ml.c6i.xlarge", C6I_2XLARGE = "ml.c6i.2xlarge",
    C6I_4XLARGE = "ml.c6i.4xlarge", C6I_8XLARGE = "ml.c6i.8xlarge",
    C6I_12XLARGE = "ml.c6i.12xlarge", C6I_16XLARGE = "ml.c6i.16xlarge",
    C6I_24XLARGE = "ml.c6i.24xlarge", C6I_32XLARGE = "ml.c6i.32xlarge",
    C6IN_LARGE = "ml.c6in.large", C6IN_XLARGE = "ml.c6in.xlarge", C6IN_2XLARGE = "ml.c6in.2xlarge",
    C6IN_4XLARGE = "ml.c6in.4xlarge", C6IN_8XLARGE = "ml.c6in.8xlarge",
    C6IN_12XLARGE = "ml.c6in.12xlarge", C6IN_16XLARGE = "ml.c6in.16xlarge",
    C6IN_24XLARGE = "ml.c6in.24xlarge", C6IN_32XLARGE = "ml.c6in.32xlarge",
    C7G_LARGE = "ml.c7g.large", C7G_XLARGE = "ml.c7g.xlarge", C7G_2XLARGE = "ml.c7g.2xlarge",
    C7G_4XLARGE = "ml.c7g.4xlarge", C7G_8XLARGE = "ml.c7g.8xlarge",
    C7G_12XLARGE = "ml.c7g.12xlarge", C7G_16XLARGE = "ml.c7g.16xlarge",
    C7I_LARGE = "ml.c7i.large", C7I_XLARGE = "ml.c7i.xlarge", C7I_2XLARGE = "ml.c7i.2xlarge",
    C7I_4XLARGE = "ml.c7i.4xlarge", C7I_8XLARGE = "ml.c7i.8xlarge",
    C7I_12XLARGE = "ml.c7i.12xlarge", C7I_16XLARGE = "ml.c7i.16xlarge",
    C7I_24XLARGE = "ml.c7i.24xlarge", C7I_48XLARGE = "ml.c7i.48xlarge",
    C8G_MEDIUM = "ml.c8g.medium", C8G_LARGE = "ml.c8g.large", C8G_XLARGE = "ml.c8g.xlarge",
    C8G_2XLARGE = "ml.c8g.2xlarge", C8G_4XLARGE = "ml.c8g.4xlarge", C8G_8XLARGE = "ml.c8g.8xlarge",
    C8G_12XLARGE = "ml.c8g.12xlarge", C8G_16XLARGE = "ml.c8g.16xlarge",
    C8G_24XLARGE = "ml.c8g.24xlarge", C8G_48XLARGE = "ml.c8g.48xlarge",
    DL1_24XLARGE = "ml.dl1.24xlarge",
    G4DN_XLARGE = "ml.g4dn.xlarge", G4DN_2XLARGE = "ml.g4dn.2xlarge",
    G4DN_4XLARGE = "ml.g4dn.4xlarge", G4DN_8XLARGE = "ml.g4dn.8xlarge",
    G4DN_12XLARGE = "ml.g4dn.12xlarge", G4DN_16XLARGE = "ml.g4dn.16xlarge",
    G5_XLARGE = "ml.g5.xlarge", G5_2XLARGE = "ml.g5.2xlarge", G5_4XLARGE = "ml.g5.4xlarge",
    G5_8XLARGE = "ml.g5.8xlarge", G5_12XLARGE = "ml.g5.12xlarge", G5_16XLARGE = "ml.g5.16xlarge",
    G5_24XLARGE = "ml.g5.24xlarge", G5_48XLARGE = "ml.g5.48xlarge",
    G6_XLARGE = "ml.g6.xlarge", G6_2XLARGE = "ml.g6.2xlarge", G6_4XLARGE = "ml.g6.4xlarge",
    G6_8XLARGE = "ml.g6.8xlarge", G6_12XLARGE = "ml.g6.12xlarge", G6_16XLARGE = "ml.g6.16xlarge",
    G6_24XLARGE = "ml.g6.24xlarge", G6_48XLARGE = "ml.g6.48xlarge",
    G6E_XLARGE = "ml.g6e.xlarge", G6E_2XLARGE = "ml.g6e.2xlarge", G6E_4XLARGE = "ml.g6e.4xlarge",
    G6E_8XLARGE = "ml.g6e.8xlarge", G6E_12XLARGE = "ml.g6e.12xlarge",
    G6E_16XLARGE = "ml.g6e.16xlarge", G6E_24XLARGE = "ml.g6e.24xlarge",
    G6E_48XLARGE = "ml.g6e.48xlarge",
    G7_2XLARGE = "ml.g7.2xlarge", G7_4XLARGE = "ml.g7.4xlarge", G7_8XLARGE = "ml.g7.8xlarge",
    G7_12XLARGE = "ml.g7.12xlarge", G7_24XLARGE = "ml.g7.24xlarge", G7_48XLARGE = "ml.g7.48xlarge",
    G7E_2XLARGE = "ml.g7e.2xlarge", G7E_4XLARGE = "ml.g7e.4xlarge", G7E_8XLARGE = "ml.g7e.8xlarge",
    G7E_12XLARGE = "ml.g7e.12xlarge", G7E_24XLARGE = "ml.g7e.24xlarge",
    G7E_48XLARGE = "ml.g7e.48xlarge",
    INF1_XLARGE = "ml.inf1.xlarge", INF1_2XLARGE = "ml.inf1.2xlarge",
    INF1_6XLARGE = "ml.inf1.6xlarge", INF1_24XLARGE = "ml.inf1.24xlarge",
    INF2_XLARGE = "ml.inf2.xlarge", INF2_8XLARGE = "ml.inf2.8xlarge",
    INF2_24XLARGE = "ml.inf2.24xlarge", INF2_48XLARGE = "ml.inf2.48xlarge",
    M4_XLARGE = "ml.m4.xlarge", M4_2XLARGE = "ml.m4.2xlarge", M4_4XLARGE = "ml.m4.4xlarge",
    M4_10XLARGE = "ml.m4.10xlarge", M4_16XLARGE = "ml.m4.16xlarge",
    M5_LARGE = "ml.m5.large", M5_XLARGE = "ml.m5.xlarge", M5_2XLARGE = "ml.m5.2xlarge",
    M5_4XLARGE = "ml.m5.4xlarge", M5_12XLARGE = "ml.m5.12xlarge", M5_24XLARGE = "ml.m5.24xlarge",
    M5D_LARGE = "ml.m5d.large", M5D_XLARGE = "ml.m5d.xlarge", M5D_2XLARGE = "ml.m5d.2xlarge",
    M5D_4XLARGE = "ml.m5d.4xlarge", M5D_12XLARGE = "ml.m5d.12xlarge",
    M5D_24XLARGE = "ml.m5d.24xlarge",
    M6G_LARGE = "ml.m6g.large", M6G_XLARGE = "ml.m6g.xlarge", M6G_2XLARGE = "ml.m6g.2xlarge",
    M6G_4XLARGE = "ml.m6g.4xlarge", M6G_8XLARGE = "ml.m6g.8xlarge",
    M6G_12XLARGE = "ml.m6g.12xlarge", M6G_16XLARGE = "ml.m6g.16xlarge",
    M6GD_LARGE = "ml.m6gd.large", M6GD_XLARGE = "ml.m6gd.xlarge", M6GD_2XLARGE = "ml.m6gd.2xlarge",
    M6GD_4XLARGE = "ml.m6gd.4xlarge", M6GD_8XLARGE = "ml.m6gd.8xlarge",
    M6GD_12XLARGE = "ml.m6gd.12xlarge", M6GD_16XLARGE = "ml.m6gd.16xlarge",
    M6I_LARGE = "ml.m6i.large", M6I_XLARGE = "ml.m6i.xlarge", M6I_2XLARGE = "ml.m6i.2xlarge",
    M6I_4XLARGE = "ml.m6i.4xlarge", M6I_8XLARGE = "ml.m6i.8xlarge",
    M6I_12XLARGE = "ml.m6i.12xlarge", M6I_16XLARGE = "ml.m6i.16xlarge",
    M6I_24XLARGE = "ml.m6i.24xlarge", M6I_32XLARGE = "ml.m6i.32xlarge",
    M7I_LARGE = "ml.m7i.large", M7I_XLARGE = "ml.m7i.xlarge", M7I_2XLARGE = "ml.m7i.2xlarge",
    M7I_4XLARGE = "ml.m7i.4xlarge", M7I_8XLARGE = "ml.m7i.8xlarge",
    M7I_12XLARGE = "ml.m7i.12xlarge", M7I_16XLARGE = "ml.m7i.16xlarge",
    M7I_24XLARGE = "ml.m7i.24xlarge", M7I_48XLARGE = "ml.m7i.48xlarge",
    M8G_MEDIUM = "ml.m8g.medium", M8G_LARGE = "ml.m8g.large", M8G_XLARGE = "ml.m8g.xlarge",
    M8G_2XLARGE = "ml.m8g.2xlarge", M8G_4XLARGE = "ml.m8g.4xlarge", M8G_8XLARGE = "ml.m8g.8xlarge",
    M8G_12XLARGE = "ml.m8g.12xlarge", M8G_16XLARGE = "ml.m8g.16xlarge",
    M8G_24XLARGE = "ml.m8g.24xlarge", M8G_48XLARGE = "ml.m8g.48xlarge",
    P2_XLARGE = "ml.p2.xlarge", P2_8XLARGE = "ml.p2.8xlarge", P2_16XLARGE = "ml.p2.16xlarge",
    P3_2XLARGE = "ml.p3.2xlarge", P3_8XLARGE = "ml.p3.8xlarge", P3_16XLARGE = "ml.p3.16xlarge",
    P4D_24XLARGE = "ml.p4d.24xlarge",
    P4DE_24XLARGE = "ml.p4de.24xlarge",
    P5_4XLARGE = "ml.p5.4xlarge", P5_48XLARGE = "ml.p5.48xlarge",
    P5E_48XLARGE = "ml.p5e.48xlarge",
    P5EN_48XLARGE = "ml.p5en.48xlarge",
    P6_B200_48XLARGE = "ml.p6-b200.48xlarge",
    P6_B300_48XLARGE = "ml.p6-b300.48xlarge",
    P6E_GB200_36XLARGE = "ml.p6e-gb200.36xlarge",
    R5_LARGE = "ml.r5.large", R5_XLARGE = "ml.r5.xlarge", R5_2XLARGE = "ml.r5.2xlarge",
    R5_4XLARGE = "ml.r5.4xlarge", R5_12XLARGE = "ml.r5.12xlarge", R5_24XLARGE = "ml.r5.24xlarge",
    R5D_LARGE = "ml.r5d.large", R5D_XLARGE = "ml.r5d.xlarge", R5D_2XLARGE = "ml.r5d.2xlarge",
    R5D_4XLARGE = "ml.r5d.4xlarge", R5D_12XLARGE = "ml.r5d.12xlarge",
    R5D_24XLARGE = "ml.r5d.24xlarge",
    R6G_LARGE = "ml.r6g.large", R6G_XLARGE = "ml.r6g.xlarge", R6G_2XLARGE = "ml.r6g.2xlarge",
    R6G_4XLARGE = "ml.r6g.4xlarge", R6G_8XLARGE = "ml.r6g.8xlarge",
    R6G_12XLARGE = "ml.r6g.12xlarge", R6G_16XLARGE = "ml.r6g.16xlarge",
    R6GD_LARGE = "ml.r6gd.large", R6GD_XLARGE = "ml.r6gd.xlarge", R6GD_2XLARGE = "ml.r6gd.2xlarge",
    R6GD_4XLARGE = "ml.r6gd.4xlarge", R6GD_8XLARGE = "ml.r6gd.8xlarge",
    R6GD_12XLARGE = "ml.r6gd.12xlarge", R6GD_16XLARGE = "ml.r6gd.16xlarge",
    R6I_LARGE = "ml.r6i.large", R6I_XLARGE = "ml.r6i.xlarge", R6I_2XLARGE = "ml.r6i.2xlarge",
    R6I_4XLARGE = "ml.r6i.4xlarge", R6I_8XLARGE = "ml.r6i.8xlarge",
    R6I_12XLARGE = "ml.r6i.12xlarge", R6I_16XLARGE = "ml.r6i.16xlarge",
    R6I_24XLARGE = "ml.r6i.24xlarge", R6I_32XLARGE = "ml.r6i.32xlarge",
    R7GD_MEDIUM = "ml.r7gd.medium", R7GD_LARGE = "ml.r7gd.large", R7GD_XLARGE = "ml.r7gd.xlarge",
    R7GD_2XLARGE = "ml.r7gd.2xlarge", R7GD_4XLARGE = "ml.r7gd.4xlarge",
    R7GD_8XLARGE = "ml.r7gd.8xlarge", R7GD_12XLARGE = "ml.r7gd.12xlarge",
    R7GD_16XLARGE = "ml.r7gd.16xlarge",
    R7I_LARGE = "ml.r7i.large", R7I_XLARGE = "ml.r7i.xlarge", R7I_2XLARGE = "ml.r7i.2xlarge",
    R7I_4XLARGE = "ml.r7i.4xlarge", R7I_8XLARGE = "ml.r7i.8xlarge",
    R7I_12XLARGE = "ml.r7i.12xlarge", R7I_16XLARGE = "ml.r7i.16xlarge",
    R7I_24XLARGE = "ml.r7i.24xlarge", R7I_48XLARGE = "ml.r7i.48xlarge",
    R8G_MEDIUM = "ml.r8g.medium", R8G_LARGE = "ml.r8g.large", R8G_XLARGE = "ml.r8g.xlarge",
    R8G_2XLARGE = "ml.r8g.2xlarge", R8G_4XLARGE = "ml.r8g.4xlarge", R8G_8XLARGE = "ml.r8g.8xlarge",
    R8G_12XLARGE = "ml.r8g.12xlarge", R8G_16XLARGE = "ml.r8g.16xlarge",
    R8G_24XLARGE = "ml.r8g.24xlarge", R8G_48XLARGE = "ml.r8g.48xlarge",
    T2_MEDIUM = "ml.t2.medium", T2_LARGE = "ml.t2.large", T2_XLARGE = "ml.t2.xlarge",
    T2_2XLARGE = "ml.t2.2xlarge",
    TRN1_2XLARGE = "ml.trn1.2xlarge", TRN1_32XLARGE = "ml.trn1.32xlarge",
    TRN1N_32XLARGE = "ml.trn1n.32xlarge",
    TRN2_48XLARGE = "ml.trn2.48xlarge",
});

impl InstanceType {
    /// Validates and wraps an instance type name of the shape `ml.<family>.<size>` (family:
    /// lower-case letters, digits and `-`, starting with a letter; size: lower-case letters and
    /// digits). Types missing from the constants are accepted: new ones appear before the
    /// schema lists them.
    pub fn of(name: impl Into<String>) -> Result<InstanceType, String> {
        let name = name.into();
        if !well_formed(&name) {
            return Err(format!(
                "instance type must have the form ml.<family>.<size>, e.g. ml.m5.large (got '{name}')"
            ));
        }
        Ok(InstanceType(Cow::Owned(name)))
    }

    /// The name, e.g. `ml.m5.large`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the type is one of the constants (the hosting types the schema lists).
    pub fn is_known(&self) -> bool {
        InstanceType::ALL.contains(self)
    }

    /// Whether the family is burstable (`ml.t*`), which SageMaker cannot autoscale.
    pub fn is_burstable(&self) -> bool {
        self.0.starts_with("ml.t") && !self.0.starts_with("ml.trn")
    }
}

/// `ml.<family>.<size>`: what every SageMaker instance and accelerator type looks like.
fn well_formed(name: &str) -> bool {
    let mut parts = name.split('.');
    let (Some("ml"), Some(family), Some(size), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let family_ok = family.starts_with(|c: char| c.is_ascii_lowercase())
        && !family.ends_with('-')
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let size_ok = !size.is_empty()
        && size
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    family_ok && size_ok
}

impl fmt::Display for InstanceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Elastic Inference accelerator type (`ml.eia<version>.<size>`), kept for code ported
/// from the AWS CDK. Amazon Elastic Inference was discontinued and the CloudFormation schema
/// no longer has `AcceleratorType`: a variant using one is an error, unless
/// [`crate::CDK_COMPATIBLE_DEFAULTS`] is set (then it is rendered as the CDK does, with a
/// warning).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AcceleratorType(Cow<'static, str>);

named_types!(AcceleratorType {
    EIA1_MEDIUM = "ml.eia1.medium", EIA1_LARGE = "ml.eia1.large", EIA1_XLARGE = "ml.eia1.xlarge",
    EIA2_MEDIUM = "ml.eia2.medium", EIA2_LARGE = "ml.eia2.large", EIA2_XLARGE = "ml.eia2.xlarge",
});

impl AcceleratorType {
    /// Validates and wraps an accelerator type name of the shape `ml.eia<version>.<size>`.
    pub fn of(name: impl Into<String>) -> Result<AcceleratorType, String> {
        let name = name.into();
        let family = name.split('.').nth(1).unwrap_or_default();
        let version = family.strip_prefix("eia").unwrap_or_default();
        if !well_formed(&name) || version.is_empty() || !version.chars().all(|c| c.is_ascii_digit())
        {
            return Err(format!(
                "accelerator type must have the form ml.eia<version>.<size>, e.g. ml.eia2.medium (got '{name}')"
            ));
        }
        Ok(AcceleratorType(Cow::Owned(name)))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The production variant instance types of the vendored CloudFormation schema.
    fn schema_hosting_types() -> BTreeSet<String> {
        let schema: serde_json::Value = serde_json::from_str(include_str!(
            "../../../schemas/aws-sagemaker-endpointconfig.json"
        ))
        .expect("schema parses");
        schema["definitions"]["ProductionVariant"]["properties"]["InstanceType"]["enum"]
            .as_array()
            .expect("InstanceType enum")
            .iter()
            .map(|v| v.as_str().expect("string").to_string())
            .collect()
    }

    #[test]
    fn constants_are_exactly_the_schema_hosting_types() {
        let ours: BTreeSet<String> = InstanceType::ALL
            .iter()
            .map(|t| t.as_str().to_string())
            .collect();
        assert_eq!(ours.len(), InstanceType::ALL.len(), "duplicate constants");
        let schema = schema_hosting_types();
        let missing: Vec<_> = schema.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(&schema).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing constants: {missing:?}; not hosting types: {extra:?}"
        );
    }

    #[test]
    fn shape_is_checked_and_burstable_detection_works() {
        for t in InstanceType::ALL {
            assert!(InstanceType::of(t.as_str()).is_ok(), "{t}");
            assert!(t.is_known());
        }
        assert!(
            InstanceType::of("ml.p6e-gb200.36xlarge")
                .unwrap()
                .is_known()
        );
        assert!(!InstanceType::of("ml.g9.xlarge").unwrap().is_known());
        for bad in [
            "m5.large",
            "ml.m5",
            "ml.m5.large.x",
            "ml..large",
            "ml.M5.large",
            "ml.m5.",
            "ml.5m.large",
            "ml.m5-.large",
            "ml.m5.lar ge",
        ] {
            assert_eq!(
                InstanceType::of(bad).unwrap_err(),
                format!(
                    "instance type must have the form ml.<family>.<size>, e.g. ml.m5.large (got '{bad}')"
                )
            );
        }
        assert!(InstanceType::T2_MEDIUM.is_burstable());
        assert!(InstanceType::of("ml.t3.medium").unwrap().is_burstable());
        assert!(!InstanceType::TRN1_2XLARGE.is_burstable());
        assert!(!InstanceType::P5_48XLARGE.is_burstable());
    }

    #[test]
    fn accelerator_types_are_elastic_inference_shaped() {
        for t in AcceleratorType::ALL {
            assert_eq!(AcceleratorType::of(t.as_str()).as_ref(), Ok(t));
        }
        for bad in [
            "eia1.medium",
            "ml.m5.large",
            "ml.eia.medium",
            "ml.eiax.large",
            "ml.eia1",
        ] {
            assert_eq!(
                AcceleratorType::of(bad).unwrap_err(),
                format!(
                    "accelerator type must have the form ml.eia<version>.<size>, e.g. ml.eia2.medium (got '{bad}')"
                )
            );
        }
    }
}
