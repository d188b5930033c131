//! The Exchange Online admin API's wire encoding (cmdlets.md 8.2, 8.3), in one place: the request body
//! (`CmdletInput`), parameter values (byte arrays, their collections, GenericHashTable edits), the
//! response page (`value`, `@odata.nextLink`, `@adminapi.warnings` / `@adminapi.errors`, annotations)
//! and error bodies. Shapes the spec marks unconfirmed are marked UNCONFIRMED here.

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// `@odata.type` of a single byte array parameter.
pub const BYTE_ARRAY_TYPE: &str = "#Exchange.ByteArrayType";
/// Sibling annotation value for a collection of byte arrays.
pub const BYTE_ARRAY_COLLECTION_TYPE: &str = "#Collection(Exchange.ByteArrayType)";
/// `@odata.type` of a hashtable (e.g. `@{Add=…; Remove=…}`).
pub const HASHTABLE_TYPE: &str = "#Exchange.GenericHashTable";

/// One cmdlet call: `{"CmdletInput":{"CmdletName":…,"Parameters":{…}}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CmdletInput {
    name: String,
    params: Map<String, Value>,
}

impl CmdletInput {
    pub fn new(name: &str) -> CmdletInput {
        CmdletInput {
            name: name.to_string(),
            params: Map::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn params(&self) -> &Map<String, Value> {
        &self.params
    }

    /// The parameter names given, for messages (annotations left out).
    pub fn param_names(&self) -> Vec<&str> {
        self.params
            .keys()
            .map(String::as_str)
            .filter(|k| !k.contains('@'))
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.params.contains_key(name)
    }

    /// A string, number, bool, array of scalars or null: sent as the JSON value.
    pub fn set(&mut self, name: &str, value: Value) -> &mut Self {
        self.params.insert(name.to_string(), value);
        self
    }

    /// A `byte[]` parameter: `{"@odata.type":"#Exchange.ByteArrayType","Data":…}`; `None` sends null
    /// (clears it).
    pub fn bytes(&mut self, name: &str, value: Option<&[u8]>) -> &mut Self {
        let v = match value {
            Some(b) => json!({"@odata.type": BYTE_ARRAY_TYPE, "Data": encode_data(b)}),
            None => Value::Null,
        };
        self.params.insert(name.to_string(), v);
        self
    }

    /// A collection of `byte[]` (UserCertificate, UserSMimeCertificate): `[{"Data":…},…]` with the
    /// sibling `"<name>@odata.type":"#Collection(Exchange.ByteArrayType)"`. Empty sends null (the
    /// multi-valued property is cleared).
    pub fn byte_collection(&mut self, name: &str, values: &[Vec<u8>]) -> &mut Self {
        if values.is_empty() {
            self.params.remove(&format!("{name}@odata.type"));
            self.params.insert(name.to_string(), Value::Null);
            return self;
        }
        let items: Vec<Value> = values
            .iter()
            .map(|b| json!({"Data": encode_data(b)}))
            .collect();
        self.params.insert(
            format!("{name}@odata.type"),
            Value::String(BYTE_ARRAY_COLLECTION_TYPE.into()),
        );
        self.params.insert(name.to_string(), Value::Array(items));
        self
    }

    /// A hashtable parameter, tagged `#Exchange.GenericHashTable` (nested objects too).
    pub fn hashtable(&mut self, name: &str, table: Map<String, Value>) -> &mut Self {
        self.params
            .insert(name.to_string(), tag_hashtable(Value::Object(table)));
        self
    }

    /// A multi-valued edit in place: `@{Add=[…]; Remove=[…]}` (empty sides left out).
    pub fn add_remove(&mut self, name: &str, add: &[String], remove: &[String]) -> &mut Self {
        let mut t = Map::new();
        if !add.is_empty() {
            t.insert("Add".into(), json!(add));
        }
        if !remove.is_empty() {
            t.insert("Remove".into(), json!(remove));
        }
        self.hashtable(name, t)
    }

    /// The request body.
    pub fn body(&self) -> Value {
        json!({"CmdletInput": {"CmdletName": self.name, "Parameters": self.params}})
    }
}

fn tag_hashtable(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            out.insert("@odata.type".into(), Value::String(HASHTABLE_TYPE.into()));
            for (k, v) in m {
                if k == "@odata.type" {
                    continue;
                }
                let v = match v {
                    Value::Object(_) => tag_hashtable(v),
                    other => other,
                };
                out.insert(k, v);
            }
            Value::Object(out)
        }
        other => other,
    }
}

/// UNCONFIRMED (cmdlets.md 8.2): the JSON form of `Data` is not confirmed by a capture; OData's
/// Edm.Binary convention, followed here, is a base64 string.
fn encode_data(b: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(b))
}

/// One decoded response page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The objects, annotations (`Prop@odata.type`, `Prop@data.type`) removed.
    pub value: Vec<Map<String, Value>>,
    pub next_link: Option<String>,
    /// `@adminapi.warnings`: written as warnings.
    pub warnings: Vec<String>,
    /// `@adminapi.errors`: non-terminating errors of the cmdlet.
    pub errors: Vec<String>,
    /// `@adminapi.confirmationmessage`: the service asks for a confirmation and did nothing.
    pub confirmation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WireError {
    #[error("the response is not JSON: {0}")]
    NotJson(String),
    #[error("the response is not a JSON object")]
    NotObject,
    #[error("the response's `value` is not a list")]
    ValueNotList,
    #[error("object {index} of the response is not a JSON object")]
    ItemNotObject { index: usize },
    #[error("object {index} of the response is CLIXML, not JSON; mailsec asks for JSON (X-ResponseFormat: json)")]
    Clixml { index: usize },
    #[error("the response's @odata.nextLink is not a string")]
    BadNextLink,
    #[error("{property}: {why}")]
    BadProperty { property: String, why: String },
}

/// Decode a 2xx body. An empty body is an empty page (some Set-*/Remove-* answer with nothing).
pub fn decode_page(body: &[u8]) -> Result<Page, WireError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Page::default());
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| WireError::NotJson(e.to_string()))?;
    let Value::Object(top) = v else {
        return Err(WireError::NotObject);
    };
    let mut page = Page::default();
    match top.get("value") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                let Value::Object(m) = item else {
                    return Err(WireError::ItemNotObject { index });
                };
                if m.contains_key("_clixml") {
                    return Err(WireError::Clixml { index });
                }
                page.value.push(strip_annotations(m));
            }
        }
        Some(_) => return Err(WireError::ValueNotList),
    }
    page.next_link = match top.get("@odata.nextLink") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(WireError::BadNextLink),
    };
    page.warnings = texts(top.get("@adminapi.warnings"));
    page.errors = texts(top.get("@adminapi.errors"));
    page.confirmation = match top.get("@adminapi.confirmationmessage") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(other) => Some(text_of(other)),
    };
    Ok(page)
}

fn strip_annotations(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter()
        .filter(|(k, _)| !k.contains('@'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A list of messages: strings, or objects whose `message`/`Message` (else the whole JSON) says it.
fn texts(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().map(text_of).filter(|s| !s.is_empty()).collect(),
        Some(other) => vec![text_of(other)],
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .get("message")
            .or_else(|| m.get("Message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

/// A `byte[]` property of a response. UNCONFIRMED (cmdlets.md 8.3 shows no binary property): a base64
/// string (OData Edm.Binary), an array of numbers 0..=255, or `{"Data": …}` are all accepted.
pub fn decode_bytes(property: &str, v: &Value) -> Result<Option<Vec<u8>>, WireError> {
    let bad = |why: String| WireError::BadProperty {
        property: property.to_string(),
        why,
    };
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map(Some)
            .map_err(|e| bad(format!("not base64: {e}"))),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| bad("an array that is not bytes".into()))
            })
            .collect::<Result<Vec<u8>, _>>()
            .map(|b| (!b.is_empty()).then_some(b)),
        Value::Object(m) => match m.get("Data") {
            Some(d) => decode_bytes(property, d),
            None => Err(bad("an object without Data".into())),
        },
        other => Err(bad(format!("{other} is not bytes"))),
    }
}

/// A multi-valued `byte[]` property (UserCertificate): a list of what `decode_bytes` takes. A flat
/// list of numbers is one value. UNCONFIRMED, as `decode_bytes`.
pub fn decode_byte_list(property: &str, v: &Value) -> Result<Vec<Vec<u8>>, WireError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_number) => {
            Ok(decode_bytes(property, v)?.into_iter().collect())
        }
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for x in a {
                if let Some(b) = decode_bytes(property, x)? {
                    out.push(b);
                }
            }
            Ok(out)
        }
        other => Ok(decode_bytes(property, other)?.into_iter().collect()),
    }
}

/// A service error, from a non-2xx answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    /// `error.code`, e.g. `NotFound`, `BadRequest`.
    pub code: Option<String>,
    /// The cmdlet's own message (the text after the last `|` of `details[0].message`), else
    /// `error.message`.
    pub message: String,
    /// The Exchange exception named in the details, e.g. `…ManagementObjectNotFoundException`.
    pub exception: Option<String>,
}

/// The module's text when an error body cannot be read (cmdlets.md 7).
pub const UNREADABLE_ERROR: &str = "A server side error has occurred because of which the operation could not be completed. Please try again after some time. If the problem still persists, please reach out to MS support.";

/// Decode an error body: `{"error":{"code","message","details":[{"message":"Ex…|Type|Text"}]}}`.
/// Anything else (e.g. the NUL byte a 403 sends for an unknown cmdlet) gives the module's fallback.
pub fn decode_error(body: &[u8]) -> ServiceError {
    let fallback = ServiceError {
        code: None,
        message: UNREADABLE_ERROR.to_string(),
        exception: None,
    };
    let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(body) else {
        return fallback;
    };
    let Some(Value::Object(err)) = top.get("error") else {
        return fallback;
    };
    let code = err.get("code").and_then(Value::as_str).map(str::to_string);
    let outer = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let detail = err
        .get("details")
        .and_then(Value::as_array)
        .and_then(|d| d.first())
        .and_then(|d| d.get("message"))
        .and_then(Value::as_str);
    let (message, exception) = match detail {
        Some(d) => {
            let parts: Vec<&str> = d.splitn(3, '|').collect();
            match parts.as_slice() {
                [_, ty, text] => (text.trim().to_string(), Some(ty.trim().to_string())),
                _ => (d.trim().to_string(), None),
            }
        }
        None => (outer, None),
    };
    ServiceError {
        code,
        message: if message.is_empty() {
            UNREADABLE_ERROR.to_string()
        } else {
            message
        },
        exception,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_request_body_is_cmdlet_input() {
        let mut c = CmdletInput::new("Set-Mailbox");
        c.set("Identity", json!("jo@contoso.com")).add_remove(
            "EmailAddresses",
            &["smtp:jo2@contoso.com".into()],
            &["smtp:old@contoso.com".into()],
        );
        assert_eq!(
            c.body(),
            json!({"CmdletInput":{"CmdletName":"Set-Mailbox","Parameters":{"Identity":"jo@contoso.com","EmailAddresses":{"@odata.type":"#Exchange.GenericHashTable","Add":["smtp:jo2@contoso.com"],"Remove":["smtp:old@contoso.com"]}}}})
        );
        assert_eq!(c.param_names(), vec!["Identity", "EmailAddresses"]);
    }

    #[test]
    fn byte_arrays_and_their_collections_are_annotated() {
        let mut c = CmdletInput::new("Set-MailContact");
        c.byte_collection("UserCertificate", &[vec![1, 2, 3], vec![255]])
            .bytes("SMIMECertificateIssuingCA", Some(&[0, 1]));
        let p = c.params();
        assert_eq!(
            p["UserCertificate@odata.type"],
            json!("#Collection(Exchange.ByteArrayType)")
        );
        assert_eq!(
            p["UserCertificate"],
            json!([{"Data":"AQID"},{"Data":"/w=="}])
        );
        assert_eq!(
            p["SMIMECertificateIssuingCA"],
            json!({"@odata.type":"#Exchange.ByteArrayType","Data":"AAE="})
        );
        assert_eq!(
            c.param_names(),
            vec!["UserCertificate", "SMIMECertificateIssuingCA"]
        );
        // Clearing drops the annotation and sends null.
        c.byte_collection("UserCertificate", &[])
            .bytes("SMIMECertificateIssuingCA", None);
        assert_eq!(c.params()["UserCertificate"], Value::Null);
        assert!(!c.params().contains_key("UserCertificate@odata.type"));
        assert_eq!(c.params()["SMIMECertificateIssuingCA"], Value::Null);
    }

    #[test]
    fn nested_hashtables_are_tagged() {
        let mut c = CmdletInput::new("X");
        let mut inner = Map::new();
        inner.insert("k".into(), json!(1));
        let mut t = Map::new();
        t.insert("Inner".into(), Value::Object(inner));
        c.hashtable("P", t);
        assert_eq!(
            c.params()["P"],
            json!({"@odata.type":"#Exchange.GenericHashTable","Inner":{"@odata.type":"#Exchange.GenericHashTable","k":1}})
        );
    }

    #[test]
    fn a_page_drops_annotations_and_keeps_links_warnings_and_errors() {
        let body = br##"{"@odata.context":"x","adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":["careful"],
            "value":[{"Name":"x","EmailAddresses@odata.type":"#Collection(String)","EmailAddresses":["SMTP:x@c.com"],
            "Guid@data.type":"System.Guid","Guid@odata.type":"#Guid","Guid":"6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11"}],
            "@odata.nextLink":"https://h/next?$skiptoken=2","@adminapi.errors":[{"message":"half failed"}]}"##;
        let p = decode_page(body).unwrap();
        assert_eq!(p.value.len(), 1);
        assert_eq!(
            p.value[0].keys().collect::<Vec<_>>(),
            vec!["Name", "EmailAddresses", "Guid"]
        );
        assert_eq!(p.next_link.as_deref(), Some("https://h/next?$skiptoken=2"));
        assert_eq!(p.warnings, vec!["careful"]);
        assert_eq!(p.errors, vec!["half failed"]);
        assert_eq!(decode_page(b"").unwrap(), Page::default());
        assert_eq!(
            decode_page(br#"{"value":[{"_clixml":"<Objs/>"}]}"#),
            Err(WireError::Clixml { index: 0 })
        );
        assert_eq!(decode_page(b"[1]"), Err(WireError::NotObject));
    }

    #[test]
    fn bytes_decode_from_base64_numbers_or_data_objects() {
        assert_eq!(
            decode_bytes("P", &json!("AQID")).unwrap(),
            Some(vec![1, 2, 3])
        );
        assert_eq!(
            decode_bytes("P", &json!([1, 2, 3])).unwrap(),
            Some(vec![1, 2, 3])
        );
        assert_eq!(
            decode_bytes("P", &json!({"Data": "AQID"})).unwrap(),
            Some(vec![1, 2, 3])
        );
        assert_eq!(decode_bytes("P", &Value::Null).unwrap(), None);
        assert!(decode_bytes("P", &json!([256])).is_err());
        assert!(decode_bytes("P", &json!("not base64!")).is_err());
        assert_eq!(
            decode_byte_list("P", &json!(["AQID", {"Data": "/w=="}])).unwrap(),
            vec![vec![1, 2, 3], vec![255]]
        );
        assert_eq!(
            decode_byte_list("P", &json!([1, 2])).unwrap(),
            vec![vec![1, 2]]
        );
        assert!(decode_byte_list("P", &json!([])).unwrap().is_empty());
    }

    #[test]
    fn error_bodies_give_the_cmdlet_message_and_exception() {
        let body = br#"{"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"Context","target":"","message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found."}]}}"#;
        let e = decode_error(body);
        assert_eq!(e.code.as_deref(), Some("NotFound"));
        assert!(e.message.starts_with("The operation couldn't be performed"));
        assert_eq!(
            e.exception.as_deref(),
            Some("Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException")
        );
        let nul = decode_error(b"\0");
        assert_eq!(nul.message, UNREADABLE_ERROR);
        let plain = decode_error(br#"{"error":{"code":"BadRequest","message":"A parameter cannot be found that matches parameter name 'Bogus'."}}"#);
        assert!(plain.message.contains("'Bogus'"));
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|n| json!(n)),
            ".{0,12}".prop_map(Value::String),
            prop_oneof![
                Just("value"),
                Just("@odata.nextLink"),
                Just("@adminapi.warnings"),
                Just("@adminapi.errors"),
                Just("Data"),
                Just("_clixml")
            ]
            .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            let key = prop_oneof![
                Just("value".to_string()),
                Just("@odata.nextLink".to_string()),
                Just("@adminapi.warnings".to_string()),
                Just("@adminapi.errors".to_string()),
                Just("@adminapi.confirmationmessage".to_string()),
                Just("error".to_string()),
                Just("details".to_string()),
                Just("message".to_string()),
                Just("Data".to_string()),
                Just("_clixml".to_string()),
                ".{0,8}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics_the_decoders(v in arb_json()) {
            let body = serde_json::to_vec(&v).unwrap();
            let _ = decode_page(&body);
            let _ = decode_error(&body);
            let _ = decode_bytes("P", &v);
            let _ = decode_byte_list("P", &v);
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoders(b in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode_page(&b);
            let _ = decode_error(&b);
        }

        #[test]
        fn byte_arrays_round_trip(b in prop::collection::vec(any::<u8>(), 1..64)) {
            let mut c = CmdletInput::new("X");
            c.bytes("P", Some(&b));
            prop_assert_eq!(decode_bytes("P", &c.params()["P"]).unwrap(), Some(b.clone()));
            c.byte_collection("L", std::slice::from_ref(&b));
            prop_assert_eq!(decode_byte_list("L", &c.params()["L"]).unwrap(), vec![b]);
        }
    }
}
