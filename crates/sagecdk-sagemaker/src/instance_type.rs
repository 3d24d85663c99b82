//! Instance and accelerator types.

use std::borrow::Cow;
use std::fmt;

/// A SageMaker hosting instance type (`ml.*`): constants for every hosting family (all of the
/// CDK's, plus Graviton, 6th/7th-generation Intel, g6e, inf2, p5, trn1/trn2 …), others through
/// [`InstanceType::of`].
///
/// ```
/// use sagecdk_sagemaker::InstanceType;
/// assert_eq!(InstanceType::M5_LARGE.as_str(), "ml.m5.large");
/// assert!(InstanceType::of("ml.p5.48xlarge").is_ok());
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
    C6GN_LARGE = "ml.c6gn.large", C6GN_XLARGE = "ml.c6gn.xlarge", C6GN_2XLARGE = "ml.c6gn.2xlarge",
    C6GN_4XLARGE = "ml.c6gn.4xlarge", C6GN_8XLARGE = "ml.c6gn.8xlarge",
    C6GN_12XLARGE = "ml.c6gn.12xlarge", C6GN_16XLARGE = "ml.c6gn.16xlarge",
    C6I_LARGE = "ml.c6i.large", C6I_XLARGE = "ml.c6i.xlarge", C6I_2XLARGE = "ml.c6i.2xlarge",
    C6I_4XLARGE = "ml.c6i.4xlarge", C6I_8XLARGE = "ml.c6i.8xlarge",
    C6I_12XLARGE = "ml.c6i.12xlarge", C6I_16XLARGE = "ml.c6i.16xlarge",
    C6I_24XLARGE = "ml.c6i.24xlarge", C6I_32XLARGE = "ml.c6i.32xlarge",
    C7G_LARGE = "ml.c7g.large", C7G_XLARGE = "ml.c7g.xlarge", C7G_2XLARGE = "ml.c7g.2xlarge",
    C7G_4XLARGE = "ml.c7g.4xlarge", C7G_8XLARGE = "ml.c7g.8xlarge",
    C7G_12XLARGE = "ml.c7g.12xlarge", C7G_16XLARGE = "ml.c7g.16xlarge",
    C7I_LARGE = "ml.c7i.large", C7I_XLARGE = "ml.c7i.xlarge", C7I_2XLARGE = "ml.c7i.2xlarge",
    C7I_4XLARGE = "ml.c7i.4xlarge", C7I_8XLARGE = "ml.c7i.8xlarge",
    C7I_12XLARGE = "ml.c7i.12xlarge", C7I_16XLARGE = "ml.c7i.16xlarge",
    C7I_24XLARGE = "ml.c7i.24xlarge", C7I_48XLARGE = "ml.c7i.48xlarge",
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
    M6I_LARGE = "ml.m6i.large", M6I_XLARGE = "ml.m6i.xlarge", M6I_2XLARGE = "ml.m6i.2xlarge",
    M6I_4XLARGE = "ml.m6i.4xlarge", M6I_8XLARGE = "ml.m6i.8xlarge",
    M6I_12XLARGE = "ml.m6i.12xlarge", M6I_16XLARGE = "ml.m6i.16xlarge",
    M6I_24XLARGE = "ml.m6i.24xlarge", M6I_32XLARGE = "ml.m6i.32xlarge",
    M7G_LARGE = "ml.m7g.large", M7G_XLARGE = "ml.m7g.xlarge", M7G_2XLARGE = "ml.m7g.2xlarge",
    M7G_4XLARGE = "ml.m7g.4xlarge", M7G_8XLARGE = "ml.m7g.8xlarge",
    M7G_12XLARGE = "ml.m7g.12xlarge", M7G_16XLARGE = "ml.m7g.16xlarge",
    M7I_LARGE = "ml.m7i.large", M7I_XLARGE = "ml.m7i.xlarge", M7I_2XLARGE = "ml.m7i.2xlarge",
    M7I_4XLARGE = "ml.m7i.4xlarge", M7I_8XLARGE = "ml.m7i.8xlarge",
    M7I_12XLARGE = "ml.m7i.12xlarge", M7I_16XLARGE = "ml.m7i.16xlarge",
    M7I_24XLARGE = "ml.m7i.24xlarge", M7I_48XLARGE = "ml.m7i.48xlarge",
    P2_XLARGE = "ml.p2.xlarge", P2_8XLARGE = "ml.p2.8xlarge", P2_16XLARGE = "ml.p2.16xlarge",
    P3_2XLARGE = "ml.p3.2xlarge", P3_8XLARGE = "ml.p3.8xlarge", P3_16XLARGE = "ml.p3.16xlarge",
    P4D_24XLARGE = "ml.p4d.24xlarge",
    P4DE_24XLARGE = "ml.p4de.24xlarge",
    P5_48XLARGE = "ml.p5.48xlarge",
    P5E_48XLARGE = "ml.p5e.48xlarge",
    P5EN_48XLARGE = "ml.p5en.48xlarge",
    R5_LARGE = "ml.r5.large", R5_XLARGE = "ml.r5.xlarge", R5_2XLARGE = "ml.r5.2xlarge",
    R5_4XLARGE = "ml.r5.4xlarge", R5_12XLARGE = "ml.r5.12xlarge", R5_24XLARGE = "ml.r5.24xlarge",
    R5D_LARGE = "ml.r5d.large", R5D_XLARGE = "ml.r5d.xlarge", R5D_2XLARGE = "ml.r5d.2xlarge",
    R5D_4XLARGE = "ml.r5d.4xlarge", R5D_12XLARGE = "ml.r5d.12xlarge",
    R5D_24XLARGE = "ml.r5d.24xlarge",
    R6G_LARGE = "ml.r6g.large", R6G_XLARGE = "ml.r6g.xlarge", R6G_2XLARGE = "ml.r6g.2xlarge",
    R6G_4XLARGE = "ml.r6g.4xlarge", R6G_8XLARGE = "ml.r6g.8xlarge",
    R6G_12XLARGE = "ml.r6g.12xlarge", R6G_16XLARGE = "ml.r6g.16xlarge",
    R6I_LARGE = "ml.r6i.large", R6I_XLARGE = "ml.r6i.xlarge", R6I_2XLARGE = "ml.r6i.2xlarge",
    R6I_4XLARGE = "ml.r6i.4xlarge", R6I_8XLARGE = "ml.r6i.8xlarge",
    R6I_12XLARGE = "ml.r6i.12xlarge", R6I_16XLARGE = "ml.r6i.16xlarge",
    R6I_24XLARGE = "ml.r6i.24xlarge", R6I_32XLARGE = "ml.r6i.32xlarge",
    R7G_LARGE = "ml.r7g.large", R7G_XLARGE = "ml.r7g.xlarge", R7G_2XLARGE = "ml.r7g.2xlarge",
    R7G_4XLARGE = "ml.r7g.4xlarge", R7G_8XLARGE = "ml.r7g.8xlarge",
    R7G_12XLARGE = "ml.r7g.12xlarge", R7G_16XLARGE = "ml.r7g.16xlarge",
    R7I_LARGE = "ml.r7i.large", R7I_XLARGE = "ml.r7i.xlarge", R7I_2XLARGE = "ml.r7i.2xlarge",
    R7I_4XLARGE = "ml.r7i.4xlarge", R7I_8XLARGE = "ml.r7i.8xlarge",
    R7I_12XLARGE = "ml.r7i.12xlarge", R7I_16XLARGE = "ml.r7i.16xlarge",
    R7I_24XLARGE = "ml.r7i.24xlarge", R7I_48XLARGE = "ml.r7i.48xlarge",
    T2_MEDIUM = "ml.t2.medium", T2_LARGE = "ml.t2.large", T2_XLARGE = "ml.t2.xlarge",
    T2_2XLARGE = "ml.t2.2xlarge",
    T3_MEDIUM = "ml.t3.medium", T3_LARGE = "ml.t3.large", T3_XLARGE = "ml.t3.xlarge",
    T3_2XLARGE = "ml.t3.2xlarge",
    TRN1_2XLARGE = "ml.trn1.2xlarge", TRN1_32XLARGE = "ml.trn1.32xlarge",
    TRN1N_32XLARGE = "ml.trn1n.32xlarge",
    TRN2_48XLARGE = "ml.trn2.48xlarge",
});

impl InstanceType {
    /// Validates and wraps an instance type name: it must start with `ml.`.
    pub fn of(name: impl Into<String>) -> Result<InstanceType, String> {
        let name = name.into();
        if !name.starts_with("ml.") {
            return Err(format!("instance type must start with 'ml.'; (got {name})"));
        }
        Ok(InstanceType(Cow::Owned(name)))
    }

    /// The name, e.g. `ml.m5.large`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the family is burstable (`ml.t*`), which SageMaker cannot autoscale.
    pub fn is_burstable(&self) -> bool {
        self.0.starts_with("ml.t") && !self.0.starts_with("ml.trn")
    }
}

impl fmt::Display for InstanceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Elastic Inference accelerator type (`ml.eia*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AcceleratorType(Cow<'static, str>);

named_types!(AcceleratorType {
    EIA1_MEDIUM = "ml.eia1.medium", EIA1_LARGE = "ml.eia1.large", EIA1_XLARGE = "ml.eia1.xlarge",
    EIA2_MEDIUM = "ml.eia2.medium", EIA2_LARGE = "ml.eia2.large", EIA2_XLARGE = "ml.eia2.xlarge",
});

impl AcceleratorType {
    /// Validates and wraps an accelerator type name: it must start with `ml.`.
    pub fn of(name: impl Into<String>) -> Result<AcceleratorType, String> {
        let name = name.into();
        if !name.starts_with("ml.") {
            return Err(format!(
                "accelerator type must start with 'ml.'; (got {name})"
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

    #[test]
    fn constants_are_valid_and_burstable_detection_works() {
        for t in InstanceType::ALL {
            assert!(InstanceType::of(t.as_str()).is_ok(), "{t}");
        }
        assert!(InstanceType::T2_MEDIUM.is_burstable());
        assert!(InstanceType::of("ml.t3.medium").unwrap().is_burstable());
        assert!(!InstanceType::TRN1_2XLARGE.is_burstable());
        assert!(!InstanceType::P5_48XLARGE.is_burstable());
        assert_eq!(
            InstanceType::of("m5.large").unwrap_err(),
            "instance type must start with 'ml.'; (got m5.large)"
        );
    }
}
