//! What the LDAP tests ask of any test directory (slapd or Samba AD): run an ldap-utils tool bound as
//! its admin, and on top of that search, read raw values back byte for byte, and modify.

pub trait LdapClient {
    /// Run `tool` (ldapsearch, ldapmodify, ...) bound as the admin; stdout, panicking on failure.
    fn tool(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> String;
    /// Where searches start.
    fn search_base(&self) -> &str;

    /// `ldapsearch -LLL` (unwrapped lines) under the search base.
    fn search(&self, filter: &str, attrs: &[&str]) -> String {
        let base = self.search_base().to_string();
        let mut args = vec!["-LLL", "-o", "ldif-wrap=no", "-b", &base, filter];
        args.extend_from_slice(attrs);
        self.tool("ldapsearch", &args, None)
    }

    /// The raw values of `attr` on the entries `filter` finds (`ldapsearch -t` writes each to a file).
    fn values(&self, filter: &str, attr: &str) -> Vec<Vec<u8>> {
        let out_dir = tempfile::tempdir().expect("temp dir");
        let dir = out_dir.path().display().to_string();
        let base = self.search_base().to_string();
        let text = self.tool(
            "ldapsearch",
            &[
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-t",
                "-T",
                &dir,
                "-b",
                &base,
                filter,
                attr,
            ],
            None,
        );
        text.lines()
            .filter_map(|line| line.split_once(":< file://"))
            .map(|(_, path)| std::fs::read(path).expect("read value file"))
            .collect()
    }

    fn modify(&self, ldif: &str) {
        self.tool("ldapmodify", &[], Some(ldif));
    }
}
