//! The embedded demo organization.
