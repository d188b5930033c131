//! The main.cf keys mailsec needs, worked out from their current values: its tables go first in the
//! `*_maps` lists, its sender check goes before the first `permit*` restriction, and every other entry an
//! admin wrote stays as it was. Pure functions; `commands.rs` reads and writes the values.

/// How a table is named in main.cf: relative to the config directory, so a copied config keeps working.
pub fn table_ref(file: &str) -> String {
    format!("hash:${{config_directory}}/{file}")
}

/// The items of a Postfix list value (separated by commas and/or whitespace), with their byte offsets.
/// `{ ... }` groups stay one item.
pub fn items(value: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b',' || c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut depth = 0usize;
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'{' {
                depth += 1;
            } else if c == b'}' {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && (c == b',' || c.is_ascii_whitespace()) {
                break;
            }
            i += 1;
        }
        out.push((start, &value[start..i]));
    }
    out
}

/// Does the list hold `item` (a table reference; also found as its expanded path)?
fn holds(value: &str, item: &str, expanded: &str) -> bool {
    items(value)
        .iter()
        .any(|(_, v)| *v == item || *v == expanded)
}

/// A `*_maps` list with mailsec's table first (its entries win), or unchanged when it is already there.
pub fn with_table_first(value: &str, table: &str, expanded: &str) -> String {
    if holds(value, table, expanded) {
        return value.to_string();
    }
    let rest = value.trim();
    if rest.is_empty() {
        table.to_string()
    } else {
        format!("{table}, {rest}")
    }
}

/// A restriction list with `check` (e.g. `check_sender_access hash:...`) placed before the first
/// `permit*` item, so the admin's permits cannot skip it; at the end when there is none. Unchanged when
/// the check is already there.
pub fn with_restriction(value: &str, check: &str, table: &str, expanded: &str) -> String {
    let list = items(value);
    let present = list
        .windows(2)
        .any(|w| w[0].1 == check && (w[1].1 == table || w[1].1 == expanded));
    if present {
        return value.to_string();
    }
    let item = format!("{check} {table}");
    match list.iter().find(|(_, v)| v.starts_with("permit")) {
        Some((at, _)) => format!("{}{item}, {}", &value[..*at], &value[*at..]),
        None if value.trim().is_empty() => item,
        None => format!("{}, {item}", value.trim_end()),
    }
}

/// A list with `item` appended once (restriction class names).
pub fn with_item(value: &str, item: &str) -> String {
    if items(value).iter().any(|(_, v)| *v == item) {
        return value.to_string();
    }
    if value.trim().is_empty() {
        item.to_string()
    } else {
        format!("{}, {item}", value.trim_end())
    }
}

/// One main.cf key mailsec changes, with its value before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    pub key: String,
    pub old: String,
    pub new: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T: &str = "hash:${config_directory}/mailsec_tls_policy";
    const X: &str = "hash:/etc/postfix/mailsec_tls_policy";

    #[test]
    fn maps_get_mailsec_first_once() {
        assert_eq!(with_table_first("", T, X), T);
        assert_eq!(
            with_table_first("hash:/etc/postfix/tls_policy", T, X),
            format!("{T}, hash:/etc/postfix/tls_policy")
        );
        let once = with_table_first("hash:/a", T, X);
        assert_eq!(with_table_first(&once, T, X), once);
        assert_eq!(
            with_table_first("hash:/a, hash:/etc/postfix/mailsec_tls_policy", T, X),
            "hash:/a, hash:/etc/postfix/mailsec_tls_policy"
        );
    }

    #[test]
    fn restriction_goes_before_the_first_permit() {
        let v = "reject_non_fqdn_sender, permit_mynetworks, reject_unknown_sender_domain";
        assert_eq!(
            with_restriction(v, "check_sender_access", T, X),
            format!("reject_non_fqdn_sender, check_sender_access {T}, permit_mynetworks, reject_unknown_sender_domain")
        );
        assert_eq!(
            with_restriction("reject_unknown_sender_domain", "check_sender_access", T, X),
            format!("reject_unknown_sender_domain, check_sender_access {T}")
        );
        assert_eq!(
            with_restriction("", "check_sender_access", T, X),
            format!("check_sender_access {T}")
        );
        let done = with_restriction(v, "check_sender_access", T, X);
        assert_eq!(with_restriction(&done, "check_sender_access", T, X), done);
        // The same table behind another check is not mailsec's check.
        let other = format!("check_client_access {T}");
        assert_ne!(with_restriction(&other, "check_sender_access", T, X), other);
    }

    #[test]
    fn braces_are_one_item() {
        let v = "check_ccert_access { hash:/a, { search_order = cert_fingerprint } }, permit";
        let got: Vec<&str> = items(v).into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            got,
            vec![
                "check_ccert_access",
                "{ hash:/a, { search_order = cert_fingerprint } }",
                "permit"
            ]
        );
    }

    #[test]
    fn items_are_appended_once() {
        assert_eq!(with_item("", "a"), "a");
        assert_eq!(with_item("b", "a"), "b, a");
        assert_eq!(with_item("b, a", "a"), "b, a");
    }

    proptest! {
        #[test]
        fn any_list_value_splits_without_panic(v in "\\PC{0,60}") {
            let _ = with_restriction(&v, "check_sender_access", T, X);
            let _ = with_table_first(&v, T, X);
            let _ = with_item(&v, "a");
        }

        #[test]
        fn list_edits_never_panic_and_keep_the_admins_items(v in "[ ,a-z_:=/$]{0,60}") {
            let t = with_table_first(&v, T, X);
            let r = with_restriction(&v, "check_sender_access", T, X);
            for (_, it) in items(&v) {
                prop_assert!(items(&t).iter().any(|(_, x)| *x == it));
                prop_assert!(items(&r).iter().any(|(_, x)| *x == it));
            }
        }
    }
}
