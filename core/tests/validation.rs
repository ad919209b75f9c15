//! Untyped JSON into the typed request: every rule, every message, all at once.

use kapture_crm::{AddCustomerRequest, Error, FieldError};
use serde_json::{Value, json};

const VENDOR_REQUEST: &str = include_str!("../../tests/fixtures/vendor_request.json");

fn problems(value: Value) -> Vec<FieldError> {
    match AddCustomerRequest::from_json(&value) {
        Err(Error::Validation(errors)) => errors,
        other => panic!("expected validation errors for {value}, got {other:?}"),
    }
}

/// The one problem reported for `value`, as `path: message`.
fn only_problem(value: Value) -> String {
    let errors = problems(value);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors[0].to_string()
}

fn minimal() -> Value {
    json!({"customer_info": {"customer_name": "ABC", "phone": "9380491387"}})
}

fn with_customer(field: &str, value: Value) -> Value {
    let mut request = minimal();
    request["customer_info"][field] = value;
    request
}

#[test]
fn vendor_example_round_trips_exactly() {
    let vendor: Value = serde_json::from_str(VENDOR_REQUEST).unwrap();
    let request = AddCustomerRequest::from_json(&vendor).unwrap();
    assert_eq!(request.contact_info[0].first_name, "Sashankk");
    assert!(request.customer_info.organization);
    assert_eq!(serde_json::to_value(&request).unwrap(), vendor);
}

#[test]
fn minimal_request_has_the_documented_shape() {
    let request = AddCustomerRequest::from_json(&minimal()).unwrap();
    let wire = serde_json::to_value(&request).unwrap();
    let vendor: Value = serde_json::from_str(VENDOR_REQUEST).unwrap();
    for section in ["customer_info", "enquiry_info"] {
        let keys = |v: &Value| {
            let mut k: Vec<String> = v[section].as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&wire), keys(&vendor), "{section}");
    }
    assert_eq!(wire["customer_info"]["email_id"], "");
    assert_eq!(wire["customer_info"]["individual"], false);
    assert_eq!(wire["customer_info"]["additional_fields"], json!({}));
    assert_eq!(wire["enquiry_info"]["subStatus"], "");
    assert_eq!(wire["contact_info"], json!([]));
    // The typed builders give the same thing.
    assert_eq!(AddCustomerRequest::with_phone("ABC", "9380491387"), request);
}

#[test]
fn contact_fields_keep_wire_names() {
    let request = AddCustomerRequest::from_json(&json!({
        "customer_info": {"customer_name": "A", "email_id": "a@b.co"},
        "contact_info": [{"first_name": "X", "matchEmailPhone": true, "contact_person_phone": "9380491387"}],
        "enquiry_info": {"subStatus": "Hot"}
    }))
    .unwrap();
    assert!(request.contact_info[0].match_email_phone);
    assert_eq!(request.enquiry_info.sub_status, "Hot");
    let wire = serde_json::to_value(&request).unwrap();
    assert_eq!(wire["contact_info"][0]["matchEmailPhone"], true);
    assert_eq!(wire["contact_info"][0]["contact_person_email"], "");
}

#[test]
fn unknown_key_suggests_the_documented_one() {
    let mut request = minimal();
    request["customer_info"]["email"] = json!("a@b.co");
    assert_eq!(
        only_problem(request),
        "customer_info.email: unknown field; did you mean `email_id`?"
    );
    let message = only_problem(json!({
        "customer_info": {"customer_name": "A", "phone": "9380491387"},
        "contact_info": [{"contact_person_emial": "a@b.co", "contact_person_phone": "9380491387"}]
    }));
    assert_eq!(
        message,
        "contact_info[0].contact_person_emial: unknown field; did you mean `contact_person_email`?"
    );
    // The misspelt section is reported, and so is what its absence leaves out.
    let errors = problems(json!({"customer_infos": {"customer_name": "A", "phone": "123456"}}));
    assert_eq!(
        errors[0].to_string(),
        "customer_info.customer_name: is required and must not be blank"
    );
    assert_eq!(
        errors[2].to_string(),
        "customer_infos: unknown field; did you mean `customer_info`?"
    );
}

#[test]
fn misplaced_key_names_its_section() {
    assert_eq!(
        only_problem(with_customer("first_name", json!("Asha"))),
        "customer_info.first_name: unknown field; `first_name` belongs in contact_info"
    );
    let mut request = minimal();
    request["phone"] = json!("9380491387");
    assert_eq!(
        only_problem(request),
        "phone: unknown field; `phone` belongs inside customer_info"
    );
}

#[test]
fn unknown_key_without_a_near_match_points_to_additional_fields() {
    let message = only_problem(with_customer("favourite_colour", json!("red")));
    assert!(message.contains("additional_fields"), "{message}");
}

#[test]
fn wrong_types_name_what_was_expected() {
    assert_eq!(
        only_problem(with_customer("individual", json!("yes"))),
        "customer_info.individual: expected true or false, got the string \"yes\""
    );
    assert_eq!(
        only_problem(with_customer("city", json!(true))),
        "customer_info.city: expected text, got true"
    );
    let message = only_problem(with_customer("additional_fields", json!([1])));
    assert!(
        message.starts_with("customer_info.additional_fields: expected an object"),
        "{message}"
    );
    assert_eq!(
        only_problem(
            json!({"customer_info": {"customer_name": "A", "phone": "123456"}, "contact_info": {"first_name": "X"}})
        ),
        "contact_info: expected a list of contacts, got an object (wrap the single contact in a list: [ {...} ])"
    );
    assert_eq!(
        only_problem(json!({"customer_info": "ABC"})),
        "customer_info: expected an object, got the string \"ABC\""
    );
    assert_eq!(
        only_problem(json!([1, 2])),
        "expected an object with customer_info, contact_info and enquiry_info, got a list"
    );
}

#[test]
fn spreadsheet_integers_become_their_digits() {
    let mut request = with_customer("phone", json!(9380491387_u64));
    request["customer_info"]["pincode"] = json!(560001);
    request["customer_info"]["customer_code"] = json!(42);
    request["customer_info"]["customer_id"] = json!(191690263);
    let parsed = AddCustomerRequest::from_json(&request).unwrap();
    assert_eq!(parsed.customer_info.phone, "9380491387");
    assert_eq!(parsed.customer_info.pincode, "560001");
    assert_eq!(parsed.customer_info.customer_code, "42");
    assert_eq!(parsed.customer_info.customer_id, "191690263");
}

#[test]
fn decimal_and_exponent_numbers_are_refused_with_a_hint() {
    for number in [json!(9.38e9), json!(560001.5), json!(9380491387.0)] {
        let message = only_problem(with_customer("phone", number.clone()));
        assert!(
            message.starts_with("customer_info.phone: expected text, got the decimal number"),
            "{message}"
        );
        assert!(message.contains("as a string"), "{message}");
    }
}

#[test]
fn null_means_left_out() {
    let mut request = with_customer("city", Value::Null);
    request["enquiry_info"] = Value::Null;
    request["contact_info"] = Value::Null;
    let parsed = AddCustomerRequest::from_json(&request).unwrap();
    assert_eq!(parsed.customer_info.city, "");
    assert!(parsed.contact_info.is_empty());
}

#[test]
fn name_and_phone_or_email_are_required() {
    assert_eq!(
        only_problem(json!({"customer_info": {"phone": "9380491387"}})),
        "customer_info.customer_name: is required and must not be blank"
    );
    assert_eq!(
        only_problem(json!({"customer_info": {"customer_name": "  ", "email_id": "a@b.co"}})),
        "customer_info.customer_name: is required and must not be blank"
    );
    let message = only_problem(json!({"customer_info": {"customer_name": "ABC"}}));
    assert!(
        message.starts_with("customer_info.phone: a phone or an email_id is required"),
        "{message}"
    );
    AddCustomerRequest::from_json(
        &json!({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}}),
    )
    .unwrap();
    assert_eq!(problems(json!({})).len(), 2);
}

#[test]
fn emails_must_look_like_emails_everywhere() {
    let request = json!({
        "customer_info": {"customer_name": "A", "phone": "9380491387", "email_id": "a@b",
                          "customer_assign_emp_email": "emp"},
        "contact_info": [{"contact_person_email": "ok@x.in"}, {"contact_person_email": "no at"}],
        "enquiry_info": {"assign_emp_email": "x@"}
    });
    let paths: Vec<String> = problems(request).into_iter().map(|e| e.path).collect();
    assert_eq!(
        paths,
        [
            "customer_info.email_id",
            "customer_info.customer_assign_emp_email",
            "contact_info[1].contact_person_email",
            "enquiry_info.assign_emp_email",
        ]
    );
    let message = only_problem(with_customer("email_id", json!("asha.example.com")));
    assert_eq!(
        message,
        "customer_info.email_id: expected an email address like name@example.com, got \"asha.example.com\""
    );
}

#[test]
fn phones_are_checked_in_customer_and_contacts() {
    for good in ["+91 93804 91387", "(080) 2345-6789", "123456"] {
        AddCustomerRequest::from_json(&with_customer("phone", json!(good))).unwrap();
    }
    let message = only_problem(with_customer("phone", json!("12345")));
    assert!(
        message.starts_with("customer_info.phone: expected a phone number (6 to 15 digits"),
        "{message}"
    );
    let request = json!({
        "customer_info": {"customer_name": "A", "phone": "93804x91387"},
        "contact_info": [{"contact_person_phone": "1234567890123456", "additional_contact_phone": "n/a"}]
    });
    let paths: Vec<String> = problems(request).into_iter().map(|e| e.path).collect();
    assert_eq!(
        paths,
        [
            "customer_info.phone",
            "contact_info[0].contact_person_phone",
            "contact_info[0].additional_contact_phone",
        ]
    );
}

#[test]
fn dates_follow_the_accepted_layouts() {
    let mut request = minimal();
    request["contact_info"] = json!([{"dob": "1990-02-28", "contact_person_phone": "9380491387"}]);
    request["enquiry_info"] = json!({"next_follow_up_date": "2026-12-01 09:30:00"});
    AddCustomerRequest::from_json(&request).unwrap();

    request["contact_info"] = json!([{"dob": "28/02/1990", "contact_person_phone": "9380491387"}]);
    request["enquiry_info"] = json!({"next_follow_up_date": "2026-02-30"});
    let errors = problems(request);
    assert_eq!(
        errors[0].to_string(),
        "contact_info[0].dob: expected a date as YYYY-MM-DD, got \"28/02/1990\""
    );
    assert_eq!(
        errors[1].to_string(),
        "enquiry_info.next_follow_up_date: expected a date as YYYY-MM-DD or YYYY-MM-DD hh:mm:ss, got \"2026-02-30\""
    );
}

#[test]
fn every_problem_is_reported_once() {
    let request = json!({
        "customer_info": {"customer_name": "", "phone": 9.38e9, "email": "a@b.co", "individual": "yes"},
        "contact_info": [{"contact_person_email": "bad"}, "not a contact"],
        "enquiry_info": {"next_follow_up_date": "tomorrow"},
        "extra": 1
    });
    let errors = problems(request);
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "customer_info.phone",
            "customer_info.email",
            "customer_info.individual",
            "customer_info.customer_name",
            "contact_info[0].contact_person_email",
            "contact_info[1]",
            "enquiry_info.next_follow_up_date",
            "extra",
        ],
        "{errors:#?}"
    );
    // The phone's type error is not repeated as "phone or email required".
    assert_eq!(
        paths
            .iter()
            .filter(|p| **p == "customer_info.phone")
            .count(),
        1
    );
    let text = Error::Validation(errors).to_string();
    assert!(
        text.starts_with("invalid request (8 problems): customer_info.phone: expected text"),
        "{text}"
    );
}

#[test]
fn typed_requests_are_validated_too() {
    let mut request = AddCustomerRequest::with_email("A", "not-an-email");
    request.contact_info.push(Default::default());
    request.contact_info[0].dob = "1990-1-1".into();
    request.contact_info[0].contact_person_phone = "9380491387".into();
    let Err(Error::Validation(errors)) = request.validate() else {
        panic!("accepted")
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["customer_info.email_id", "contact_info[0].dob"]);
}

/// Issue 9, case 10: a request nested 100,000 deep overflowed the stack.
/// Refused at a fixed depth, naming the path, before anything recurses.
#[test]
fn case_10_deep_nesting_is_refused_not_a_stack_overflow() {
    // Built by hand: `json!` would serialise (recursively) what it embeds.
    let mut deep = json!("bottom");
    for _ in 0..100_000 {
        let mut map = serde_json::Map::new();
        map.insert("k".into(), deep);
        deep = Value::Object(map);
    }
    let mut request = json!({"customer_info": {"customer_name": "A", "phone": "9380491387"}});
    request["customer_info"]["additional_fields"] = deep;
    let Err(Error::Validation(found)) = AddCustomerRequest::from_json(&request) else {
        panic!("accepted")
    };
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .path
            .starts_with("customer_info.additional_fields.k.k"),
        "{}",
        found[0].path
    );
    assert!(found[0].message.contains("nested deeper than 64"));
    // Take it apart without recursion (a recursive drop would overflow too).
    let mut node = request;
    loop {
        let next = match &mut node {
            serde_json::Value::Object(map) => {
                map.values_mut().find(|v| v.is_object()).map(std::mem::take)
            }
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
}

/// Issue 12: the vendor's rule for each contact entry, and the update rules.
#[test]
fn each_contact_needs_a_phone_or_an_email_and_an_update_needs_only_the_id() {
    let errors = problems(json!({
        "customer_info": {"customer_name": "A", "phone": "9380491387"},
        "contact_info": [{"first_name": "Ravi"}, {"contact_person_email": "r@b.co"}]
    }));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "contact_info[0]");

    // An update: the id alone (and the changed fields) is enough.
    let update = AddCustomerRequest::from_json(&json!({
        "customer_info": {"customer_id": "191690263", "city": "Pune"}
    }))
    .unwrap();
    assert_eq!(update.customer_info.customer_id, "191690263");
    let errors = problems(json!({"customer_info": {"customer_id": "19x", "phone": "12"}}));
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["customer_info.customer_id", "customer_info.phone"]);
}

/// The fast path reads keys in the schema's order first; keys in any other
/// order are read the same, and an unknown key among them is still named.
#[test]
fn keys_in_any_order_are_read_the_same() {
    let vendor: Value = serde_json::from_str(VENDOR_REQUEST).unwrap();
    let reversed = |object: &Value| -> Value {
        let Value::Object(map) = object else {
            return object.clone();
        };
        Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    };
    let mut shuffled = reversed(&vendor);
    for section in ["customer_info", "enquiry_info"] {
        shuffled[section] = reversed(&vendor[section]);
    }
    shuffled["contact_info"][0] = reversed(&vendor["contact_info"][0]);
    assert_ne!(
        serde_json::to_string(&shuffled).unwrap(),
        serde_json::to_string(&vendor).unwrap()
    );
    let request = AddCustomerRequest::from_json(&shuffled).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), vendor);

    shuffled["customer_info"]["phnoe"] = json!("9380491387");
    let found = problems(shuffled);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "customer_info.phnoe");
}

/// A request nested exactly to the limit is accepted; one level more is not.
#[test]
fn nesting_up_to_the_limit_is_accepted() {
    let nest = |levels: usize| {
        let mut deep = json!("bottom");
        for _ in 0..levels {
            deep = json!({ "k": deep });
        }
        let mut request = minimal();
        request["customer_info"]["additional_fields"] = deep;
        request
    };
    // The top object is level 0, customer_info 1, additional_fields 2: with
    // 62 objects the innermost is at 63, the last level allowed.
    assert!(AddCustomerRequest::from_json(&nest(62)).is_ok());
    let Err(Error::Validation(found)) = AddCustomerRequest::from_json(&nest(63)) else {
        panic!("accepted")
    };
    assert!(
        found[0].message.contains("nested deeper than 64"),
        "{found:?}"
    );
}

/// `from_json_str` reads a clean request straight into the typed request;
/// on every input it must say exactly what `from_json` says.
#[test]
fn text_path_agrees_with_the_untyped_path() {
    let mut nested = json!("bottom");
    for _ in 0..70 {
        nested = json!({ "k": nested });
    }
    let mut too_deep = minimal();
    too_deep["enquiry_info"] = json!({ "additional_fields": nested });
    let cases = [
        VENDOR_REQUEST.to_string(),
        minimal().to_string(),
        // Within serde_json's own limit (128) but past the core's (64).
        too_deep.to_string(),
        r#"{"customer_info": {"customer_name": "A", "phone": 9380491387}}"#.into(),
        r#"{"customer_info": {"customer_name": "A", "phone": "9380491387"}, "enquiry_info": null}"#
            .into(),
        r#"{"customer_info": {"customer_name": "A", "phnoe": "9380491387"}}"#.into(),
        r#"{"customer_info": {"customer_name": "A", "phone": "1", "phone": "9380491387"}}"#.into(),
        r#"{"customer_info": {"customer_name": "", "phone": "12", "email_id": "x"}}"#.into(),
        r#"[1, 2]"#.into(),
        // Derived `Deserialize` would read a struct from an array of its
        // fields; the untyped path refuses it, so the text path must too.
        r#"[{}, [], {}]"#.into(),
        r#"{"customer_info": ["A", "9380491387"]}"#.into(),
        r#"{"customer_info": {"customer_name": "A", "phone": "9380491387"}, "contact_info": [["B", "9380491387"]]}"#.into(),
        r#"{"customer_info": {"customer_name": "A", "phone": "9380491387"}} trailing"#.into(),
    ];
    for text in cases {
        let value = serde_json::from_str::<Value>(&text);
        let from_text = AddCustomerRequest::from_json_str(&text);
        match value {
            Ok(value) => assert_eq!(
                format!("{from_text:?}"),
                format!("{:?}", AddCustomerRequest::from_json(&value)),
                "{text}"
            ),
            Err(_) => {
                let Err(Error::Validation(found)) = from_text else {
                    panic!("accepted {text}")
                };
                assert!(
                    found[0].message.starts_with("not a JSON object"),
                    "{found:?}"
                );
            }
        }
    }
    let Err(Error::Validation(found)) = AddCustomerRequest::from_json_str(&too_deep.to_string())
    else {
        panic!("accepted")
    };
    assert!(
        found[0]
            .path
            .starts_with("enquiry_info.additional_fields.k"),
        "{found:?}"
    );
}

/// serde_json stops JSON text at 128 levels without saying where; the
/// error still names the path, as it does for a parsed value.
#[test]
fn text_nested_past_the_parser_limit_names_the_path() {
    let levels = 5000;
    let mut text = String::from(
        r#"{"customer_info": {"customer_name": "A", "phone": "9380491387", "additional_fields": {"x": [1, {"a\"b": "#,
    );
    text.push_str(&r#"{"k": "#.repeat(levels));
    text.push_str(&"[".repeat(levels));
    text.push_str(&"]".repeat(levels));
    text.push_str(&"}".repeat(levels));
    text.push_str("}]}}}");
    let Err(Error::Validation(found)) = AddCustomerRequest::from_json_str(&text) else {
        panic!("accepted")
    };
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.contains("nested deeper than 64"),
        "{found:?}"
    );
    // top 0, customer_info 1, additional_fields 2, x 3, x[1] 4, a"b 5 ...
    let expected = format!(
        "customer_info.additional_fields.x[1].a\"b{}",
        ".k".repeat(64 - 5)
    );
    assert_eq!(found[0].path, expected);
}

/// A spreadsheet shows a long number in exponent form (`4.11E+05`), its
/// digits already lost: refused in phone and pincode fields, with what to
/// do; elsewhere such text is just text.
#[test]
fn an_exponent_number_in_a_phone_or_pincode_is_refused_with_the_spreadsheet_hint() {
    for (field, value) in [
        ("pincode", "4.11E+05"),
        ("phone", "9.38E+09"),
        ("phone", "9.845012345e9"),
    ] {
        let problem = only_problem(with_customer(field, json!(value)));
        assert!(
            problem.starts_with(&format!("customer_info.{field}: ")),
            "{problem}"
        );
        assert!(
            problem.contains("exponent number") && problem.contains("format the column as text"),
            "{problem}"
        );
    }
    let mut contact = minimal();
    contact["contact_info"] =
        json!([{"contact_person_name": "A", "contact_person_phone": "9.8E+09"}]);
    assert!(
        only_problem(contact).starts_with("contact_info[0].contact_person_phone: expected digits")
    );
    for (field, value) in [
        ("customer_code", "12E45"),
        ("remarks", "4.11E+05"),
        ("pincode", "411001"),
    ] {
        let request = AddCustomerRequest::from_json(&with_customer(field, json!(value))).unwrap();
        assert_eq!(
            serde_json::to_value(&request).unwrap()["customer_info"][field],
            value
        );
    }
}
