//! The partition of a region and the ECR hostname there.

/// The ECR hostname of `region` (`ecr.<region>.<partition DNS suffix>`), as botocore's
/// endpoint resolver gives it for every region of the catalog.
///
/// ```
/// assert_eq!(sagecdk_images::ecr_hostname("cn-north-1"), "ecr.cn-north-1.amazonaws.com.cn");
/// ```
pub fn ecr_hostname(region: &str) -> String {
    format!("ecr.{region}.{}", dns_suffix(region))
}

/// The DNS suffix of the region's partition.
pub fn dns_suffix(region: &str) -> &'static str {
    const SUFFIXES: &[(&str, &str)] = &[
        ("cn-", "amazonaws.com.cn"),
        ("us-isob-", "sc2s.sgov.gov"),
        ("us-isof-", "csp.hci.ic.gov"),
        ("us-iso-", "c2s.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk"),
        ("eusc-", "amazonaws.eu"),
    ];
    SUFFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("amazonaws.com", |(_, suffix)| suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_per_partition() {
        for (region, host) in [
            ("us-west-2", "ecr.us-west-2.amazonaws.com"),
            ("us-gov-west-1", "ecr.us-gov-west-1.amazonaws.com"),
            ("cn-northwest-1", "ecr.cn-northwest-1.amazonaws.com.cn"),
            ("us-iso-east-1", "ecr.us-iso-east-1.c2s.ic.gov"),
            ("us-isob-east-1", "ecr.us-isob-east-1.sc2s.sgov.gov"),
            ("us-isof-south-1", "ecr.us-isof-south-1.csp.hci.ic.gov"),
            ("eu-isoe-west-1", "ecr.eu-isoe-west-1.cloud.adc-e.uk"),
            ("eusc-de-east-1", "ecr.eusc-de-east-1.amazonaws.eu"),
            ("il-central-1", "ecr.il-central-1.amazonaws.com"),
        ] {
            assert_eq!(ecr_hostname(region), host);
        }
    }
}
