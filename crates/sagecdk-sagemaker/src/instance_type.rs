//! Instance and accelerator types.

use std::borrow::Cow;
use std::fmt;

/// A SageMaker hosting instance type (`ml.*`).
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
    C5_LARGE = "ml.c5.large", C5_XLARGE = "ml.c5.xlarge", C5_2XLARGE = "ml.c5.2xlarge",
    C5_4XLARGE = "ml.c5.4xlarge", C5_9XLARGE = "ml.c5.9xlarge", C5_18XLARGE = "ml.c5.18xlarge",
    C6I_LARGE = "ml.c6i.large", C6I_XLARGE = "ml.c6i.xlarge", C6I_2XLARGE = "ml.c6i.2xlarge",
    C6I_4XLARGE = "ml.c6i.4xlarge", C6I_8XLARGE = "ml.c6i.8xlarge", C6I_16XLARGE = "ml.c6i.16xlarge",
    C7I_LARGE = "ml.c7i.large", C7I_XLARGE = "ml.c7i.xlarge", C7I_4XLARGE = "ml.c7i.4xlarge",
    G4DN_XLARGE = "ml.g4dn.xlarge", G4DN_2XLARGE = "ml.g4dn.2xlarge", G4DN_4XLARGE = "ml.g4dn.4xlarge",
    G4DN_8XLARGE = "ml.g4dn.8xlarge", G4DN_12XLARGE = "ml.g4dn.12xlarge", G4DN_16XLARGE = "ml.g4dn.16xlarge",
    G5_XLARGE = "ml.g5.xlarge", G5_2XLARGE = "ml.g5.2xlarge", G5_4XLARGE = "ml.g5.4xlarge",
    G5_8XLARGE = "ml.g5.8xlarge", G5_12XLARGE = "ml.g5.12xlarge", G5_16XLARGE = "ml.g5.16xlarge",
    G5_24XLARGE = "ml.g5.24xlarge", G5_48XLARGE = "ml.g5.48xlarge",
    G6_XLARGE = "ml.g6.xlarge", G6_2XLARGE = "ml.g6.2xlarge", G6_4XLARGE = "ml.g6.4xlarge",
    G6_8XLARGE = "ml.g6.8xlarge", G6_12XLARGE = "ml.g6.12xlarge", G6_16XLARGE = "ml.g6.16xlarge",
    G6_24XLARGE = "ml.g6.24xlarge", G6_48XLARGE = "ml.g6.48xlarge",
    G6E_XLARGE = "ml.g6e.xlarge", G6E_2XLARGE = "ml.g6e.2xlarge", G6E_4XLARGE = "ml.g6e.4xlarge",
    G6E_8XLARGE = "ml.g6e.8xlarge", G6E_12XLARGE = "ml.g6e.12xlarge", G6E_16XLARGE = "ml.g6e.16xlarge",
    G6E_24XLARGE = "ml.g6e.24xlarge", G6E_48XLARGE = "ml.g6e.48xlarge",
    INF1_XLARGE = "ml.inf1.xlarge", INF1_2XLARGE = "ml.inf1.2xlarge", INF1_6XLARGE = "ml.inf1.6xlarge",
    INF1_24XLARGE = "ml.inf1.24xlarge",
    INF2_XLARGE = "ml.inf2.xlarge", INF2_8XLARGE = "ml.inf2.8xlarge", INF2_24XLARGE = "ml.inf2.24xlarge",
    INF2_48XLARGE = "ml.inf2.48xlarge",
    M5_LARGE = "ml.m5.large", M5_XLARGE = "ml.m5.xlarge", M5_2XLARGE = "ml.m5.2xlarge",
    M5_4XLARGE = "ml.m5.4xlarge", M5_12XLARGE = "ml.m5.12xlarge", M5_24XLARGE = "ml.m5.24xlarge",
    M6I_LARGE = "ml.m6i.large", M6I_XLARGE = "ml.m6i.xlarge", M6I_2XLARGE = "ml.m6i.2xlarge",
    M6I_4XLARGE = "ml.m6i.4xlarge", M6I_8XLARGE = "ml.m6i.8xlarge", M6I_16XLARGE = "ml.m6i.16xlarge",
    M7I_LARGE = "ml.m7i.large", M7I_XLARGE = "ml.m7i.xlarge", M7I_4XLARGE = "ml.m7i.4xlarge",
    P3_2XLARGE = "ml.p3.2xlarge", P3_8XLARGE = "ml.p3.8xlarge", P3_16XLARGE = "ml.p3.16xlarge",
    P4D_24XLARGE = "ml.p4d.24xlarge", P4DE_24XLARGE = "ml.p4de.24xlarge",
    P5_48XLARGE = "ml.p5.48xlarge", P5E_48XLARGE = "ml.p5e.48xlarge", P5EN_48XLARGE = "ml.p5en.48xlarge",
    R5_LARGE = "ml.r5.large", R5_XLARGE = "ml.r5.xlarge", R5_2XLARGE = "ml.r5.2xlarge",
    R5_4XLARGE = "ml.r5.4xlarge", R5_12XLARGE = "ml.r5.12xlarge", R5_24XLARGE = "ml.r5.24xlarge",
    R6I_LARGE = "ml.r6i.large", R6I_XLARGE = "ml.r6i.xlarge", R6I_4XLARGE = "ml.r6i.4xlarge",
    T2_MEDIUM = "ml.t2.medium", T2_LARGE = "ml.t2.large", T2_XLARGE = "ml.t2.xlarge",
    T2_2XLARGE = "ml.t2.2xlarge",
    TRN1_2XLARGE = "ml.trn1.2xlarge", TRN1_32XLARGE = "ml.trn1.32xlarge", TRN1N_32XLARGE = "ml.trn1n.32xlarge",
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
