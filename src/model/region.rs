//! Region names as AWS writes them. A finding's region comes from its record, which anyone who
//! can write a finding (or a file) controls; picket builds endpoints from it (write-back, the
//! pivot's search), so a name that is not a region shape never reaches an SDK client: a dot or
//! a slash in it could point a signed request at another host.

/// Checks that `region` has the shape of an AWS region name: lowercase words joined by hyphens,
/// ending in a number (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`).
pub fn check(region: &str) -> Result<&str, String> {
    let parts: Vec<&str> = region.split('-').collect();
    let shaped = region.len() <= 40
        && parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if shaped {
        Ok(region)
    } else {
        Err(format!(
            "'{}' is not an AWS region name; picket sends nothing there",
            crate::model::SafeText::line(region)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn region_names_pass() {
        for region in [
            "us-east-1",
            "us-gov-west-1",
            "cn-northwest-1",
            "eusc-de-east-1",
            "us-isob-east-1",
            "ap-southeast-7",
        ] {
            assert_eq!(check(region), Ok(region));
        }
    }

    #[test]
    fn anything_that_could_change_the_host_is_refused() {
        for bad in [
            "",
            "us-east-1.evil.example",
            "evil.example/#",
            "us-east-1@evil",
            "us-east",
            "US-EAST-1",
            "us--1",
            "us-east-1 ",
            "us-east-1\u{202e}",
            "-east-1",
            &"a-".repeat(30),
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
