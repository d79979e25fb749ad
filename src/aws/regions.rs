//! Region names for `--region` and `[regions]`: the partitions' lists, `all`, and a typo caught
//! before anything starts (`us-est-1` is a usage error naming `us-east-1`).

/// Commercial regions (the `aws` partition), for `--region all`. Opt-in regions answer with an
/// error until enabled for the account; that shows as their health, nothing more.
pub const COMMERCIAL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// Commercial regions an account must enable before use (those opened after March 2019): until
/// then AWS answers there as if the account's keys were unknown.
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// Regions of the other partitions (GovCloud, China, the isolated ones, the European
/// sovereign cloud), known so that naming one is no typo.
const OTHER_PARTITIONS: &[&str] = &[
    "us-gov-west-1",
    "us-gov-east-1",
    "cn-north-1",
    "cn-northwest-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isof-south-1",
    "us-isof-east-1",
    "eu-isoe-west-1",
    "eusc-de-east-1",
];

fn known(region: &str) -> bool {
    COMMERCIAL_REGIONS.contains(&region) || OTHER_PARTITIONS.contains(&region)
}

/// The known regions a mistyped name is nearest to (edit distance 2 or less); none
/// when it differs from one only in its number (a region newer than picket's list looks so).
fn closest(region: &str) -> Vec<&'static str> {
    let stem = |r: &str| r.rsplit_once('-').map(|(s, _)| s.to_string());
    let mut near: Vec<(usize, &'static str)> = COMMERCIAL_REGIONS
        .iter()
        .chain(OTHER_PARTITIONS)
        .map(|r| (strsim::levenshtein(region, r), *r))
        .filter(|(d, _)| *d <= 2)
        .collect();
    if near
        .iter()
        .any(|(_, r)| stem(r).is_some() && stem(r) == stem(region))
    {
        return Vec::new();
    }
    near.sort();
    // The nearest only: `us-est-1` is as near to us-east-1 as to us-west-1.
    let nearest = near.first().map_or(0, |(d, _)| *d);
    near.into_iter()
        .filter(|(d, _)| *d == nearest)
        .map(|(_, r)| r)
        .take(3)
        .collect()
}

/// Expands `--region` values: repeated or comma-separated, `all` for every commercial region.
pub fn expand_regions(values: &[String]) -> Result<Vec<String>, String> {
    let mut regions = Vec::new();
    for value in values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        if value.eq_ignore_ascii_case("all") {
            regions.extend(COMMERCIAL_REGIONS.iter().map(|r| r.to_string()));
        } else if value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            let near = if known(value) {
                Vec::new()
            } else {
                closest(value)
            };
            if !near.is_empty() {
                return Err(format!(
                    "'{value}' is no AWS region; did you mean {}?",
                    near.join(" or ")
                ));
            }
            regions.push(value.to_string());
        } else {
            return Err(format!(
                "'{value}' is not a region name (like us-east-1), nor 'all'"
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    regions.retain(|r| seen.insert(r.clone()));
    Ok(regions)
}

/// The regions picket does not know (newer than its list, or another partition's): read all
/// the same, said once at start.
pub fn unknown_regions(regions: &[String]) -> Vec<String> {
    regions
        .iter()
        .filter(|r| !known(r))
        .map(|r| {
            format!("region '{r}' is not one picket knows (newer than picket?): reading it anyway")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_expand_like_the_cli_flag() {
        let got = expand_regions(&[
            "us-east-1,eu-west-1".into(),
            "us-east-1".into(),
            " ap-south-1 ".into(),
        ])
        .expect("valid");
        assert_eq!(got, ["us-east-1", "eu-west-1", "ap-south-1"]);
        let all = expand_regions(&["all".into()]).expect("valid");
        assert_eq!(all.len(), COMMERCIAL_REGIONS.len());
        assert!(expand_regions(&["us east 1".into()]).is_err());
        assert!(expand_regions(&[]).expect("valid").is_empty());
    }

    #[test]
    fn a_typo_is_a_usage_error_naming_the_closest_regions() {
        let error = expand_regions(&["us-est-1".into()]).expect_err("a typo");
        assert_eq!(
            error,
            "'us-est-1' is no AWS region; did you mean us-east-1 or us-west-1?"
        );
        let error = expand_regions(&["eu-wset-1".into()]).expect_err("a typo");
        assert!(error.contains("eu-west-1"), "{error}");
        // Another partition's region is no typo.
        assert_eq!(
            expand_regions(&["us-gov-west-1".into(), "cn-north-1".into()]).expect("known"),
            ["us-gov-west-1", "cn-north-1"]
        );
    }

    #[test]
    fn a_region_newer_than_the_list_is_read_and_said() {
        // Only its number differs from a known region's: no typo, a newer region.
        let regions = expand_regions(&["ap-southeast-9".into()]).expect("accepted");
        assert_eq!(unknown_regions(&regions).len(), 1);
        assert!(unknown_regions(&["us-east-1".to_string()]).is_empty());
        // Far from every known name: a new geography, read as well.
        assert!(expand_regions(&["xx-polar-1".into()]).is_ok());
    }
}
