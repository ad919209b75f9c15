//! Which rule applies to which field. The syntax of each rule is in
//! [`crate::formats`]. Runs before any I/O; every broken rule is reported.

use crate::error::FieldError;
use crate::formats::{self, DOB_FORMATS, FOLLOW_UP_FORMATS, PHONE_DIGITS};
use crate::model::AddCustomerRequest;
use crate::text::quote;

/// Every rule the request breaks; empty when it may be sent.
/// Kapture's customer id is digits: the one rule, for an update's
/// `customer_info.customer_id` and a lookup's `customer_id` alike.
pub fn customer_id_problem(path: &str, id: &str) -> Option<FieldError> {
    let id = id.trim();
    (!id.is_empty() && !id.bytes().all(|b| b.is_ascii_digit())).then(|| {
        FieldError::new(
            path,
            format!("expected Kapture's customer id (digits), got {}", quote(id)),
        )
    })
}

/// A customer id given as a value of the wrong kind in a front end (a
/// bool, a float, an object): `got` says what it was.
pub fn customer_id_kind_error(path: &str, got: &str) -> crate::Error {
    crate::Error::Validation(vec![FieldError::new(
        path,
        format!("expected Kapture's customer id (an integer or a string of digits), got {got}"),
    )])
}

/// An update without Kapture's customer id (it would be sent as an add).
pub fn update_needs_id() -> crate::Error {
    crate::Error::Validation(vec![FieldError::new(
        "customer_info.customer_id",
        "an update needs Kapture's customer id",
    )])
}

pub fn check_rules(request: &AddCustomerRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let customer = &request.customer_info;

    // An update names the customer by Kapture's id (the vendor's Update
    // Customer): name, phone and email become optional.
    let id = customer.customer_id.trim();
    errors.extend(customer_id_problem("customer_info.customer_id", id));
    // The vendor's rule for an add: "name and phone, or name and email".
    if id.is_empty() {
        if customer.customer_name.trim().is_empty() {
            errors.push(FieldError::new(
                "customer_info.customer_name",
                "is required and must not be blank",
            ));
        }
        if customer.phone.trim().is_empty() && customer.email_id.trim().is_empty() {
            errors.push(FieldError::new(
                "customer_info.phone",
                "a phone or an email_id is required with the customer_name (both are blank)",
            ));
        }
    }
    phone(
        &mut errors,
        || "customer_info.phone".into(),
        &customer.phone,
    );
    if formats::is_exponent_number(&customer.pincode) {
        errors.push(FieldError::new(
            "customer_info.pincode",
            exponent_message(&customer.pincode),
        ));
    }
    email(
        &mut errors,
        || "customer_info.email_id".into(),
        &customer.email_id,
    );
    email(
        &mut errors,
        || "customer_info.customer_assign_emp_email".into(),
        &customer.customer_assign_emp_email,
    );

    for (i, contact) in request.contact_info.iter().enumerate() {
        // Formatted only for a problem: this runs on every call.
        let path = |field: &'static str| move || format!("contact_info[{i}].{field}");
        // The vendor marks one of them mandatory in each contact entry.
        if contact.contact_person_phone.trim().is_empty()
            && contact.contact_person_email.trim().is_empty()
        {
            errors.push(FieldError::new(
                format!("contact_info[{i}]"),
                "each contact needs a contact_person_phone or a contact_person_email (the \
                 vendor requires one of them)",
            ));
        }
        phone(
            &mut errors,
            path("contact_person_phone"),
            &contact.contact_person_phone,
        );
        phone(
            &mut errors,
            path("additional_contact_phone"),
            &contact.additional_contact_phone,
        );
        email(
            &mut errors,
            path("contact_person_email"),
            &contact.contact_person_email,
        );
        date(&mut errors, path("dob"), &contact.dob, DOB_FORMATS);
    }

    let enquiry = &request.enquiry_info;
    email(
        &mut errors,
        || "enquiry_info.assign_emp_email".into(),
        &enquiry.assign_emp_email,
    );
    date(
        &mut errors,
        || "enquiry_info.next_follow_up_date".into(),
        &enquiry.next_follow_up_date,
        FOLLOW_UP_FORMATS,
    );
    errors
}

// Each check below passes a blank value: blank means "not given".

/// What is wrong with a phone or pincode a spreadsheet wrote in exponent
/// form, and what to do.
fn exponent_message(value: &str) -> String {
    format!(
        "expected digits, got {}: an exponent number, as a spreadsheet shows a long number, \
         has lost digits; format the column as text and export the file again",
        quote(value)
    )
}

fn phone(errors: &mut Vec<FieldError>, path: impl FnOnce() -> String, value: &str) {
    if formats::is_exponent_number(value) {
        errors.push(FieldError::new(path(), exponent_message(value)));
        return;
    }
    if !value.trim().is_empty() && !formats::is_phone(value) {
        errors.push(FieldError::new(
            path(),
            format!(
                "expected a phone number ({} to {} digits, an optional leading +, and spaces, \
                 dashes or brackets), got {}",
                PHONE_DIGITS.start(),
                PHONE_DIGITS.end(),
                quote(value)
            ),
        ));
    }
}

fn email(errors: &mut Vec<FieldError>, path: impl FnOnce() -> String, value: &str) {
    if !value.trim().is_empty() && !formats::is_email(value) {
        errors.push(FieldError::new(
            path(),
            format!(
                "expected an email address like name@example.com, got {}",
                quote(value)
            ),
        ));
    }
}

fn date(
    errors: &mut Vec<FieldError>,
    path: impl FnOnce() -> String,
    value: &str,
    layouts: &[&str],
) {
    if !value.trim().is_empty() && !formats::matches_date(value, layouts) {
        errors.push(FieldError::new(
            path(),
            format!(
                "expected a date as {}, got {}",
                layouts.join(" or "),
                quote(value)
            ),
        ));
    }
}

impl AddCustomerRequest {
    /// Checks every rule (see [`crate::validate`]) without sending anything.
    pub fn validate(&self) -> Result<(), crate::Error> {
        let problems = check_rules(self);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Validation(problems))
        }
    }
}

/// A request that passed every rule: what a client sends without checking
/// it again. Only the crate makes one (its parsers, which check, and
/// [`AddCustomerRequest::checked`]), so a front end that converted and
/// checked a request once does not pay for the rules twice.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedRequest(AddCustomerRequest);

impl CheckedRequest {
    /// For a request the crate's parsers have just checked.
    pub(crate) fn trusted(request: AddCustomerRequest) -> CheckedRequest {
        CheckedRequest(request)
    }

    pub fn into_request(self) -> AddCustomerRequest {
        self.0
    }
}

impl std::ops::Deref for CheckedRequest {
    type Target = AddCustomerRequest;

    fn deref(&self) -> &AddCustomerRequest {
        &self.0
    }
}

impl AddCustomerRequest {
    /// The request, checked by every rule.
    pub fn checked(self) -> Result<CheckedRequest, crate::Error> {
        self.validate()?;
        Ok(CheckedRequest(self))
    }
}
