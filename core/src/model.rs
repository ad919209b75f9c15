//! The Add Customer request, field for field as the vendor documents it.
//!
//! Every field is always serialized: a field left at its `Default` goes out as
//! the vendor's example shows it (`""`, `false`, `{}`), so even a minimal
//! request has the documented shape. Serde names are the wire names
//! (`email_id`, `matchEmailPhone`, `subStatus`), so the vendor's JSON can be
//! pasted as it is.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Free-form JSON object, used for `additional_fields` and `associate_fields`.
pub type JsonObject = Map<String, Value>;

/// Body of `POST /ms/customer/customer/api/v1/add-update`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddCustomerRequest {
    pub customer_info: CustomerInfo,
    pub contact_info: Vec<ContactInfo>,
    pub enquiry_info: EnquiryInfo,
}

/// `customer_info`: the customer (person or organisation) itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CustomerInfo {
    pub customer_name: String,
    pub phone: String,
    pub email_id: String,
    pub locality: String,
    pub city: String,
    pub state: String,
    pub country: String,
    pub address: String,
    #[serde(rename = "type")]
    pub customer_type: String,
    pub classification: String,
    pub pincode: String,
    pub customer_code: String,
    /// Set together with `update: true` to update an existing customer.
    pub customer_id: String,
    pub customer_assign_emp_name: String,
    pub customer_assign_emp_code: String,
    pub customer_assign_emp_email: String,
    pub zone: String,
    pub customer_remarks: String,
    pub individual: bool,
    pub organization: bool,
    pub channel_partner: bool,
    pub remarks: String,
    pub primary_source: String,
    pub secondary_source: String,
    pub tertiary_source: String,
    pub additional_fields: JsonObject,
    pub associate_fields: JsonObject,
    pub update: bool,
}

/// One entry of `contact_info`: a person to reach at the customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContactInfo {
    pub contact_id: String,
    pub title: String,
    pub first_name: String,
    pub last_name: String,
    pub contact_person_name: String,
    pub country_code: String,
    pub contact_person_phone: String,
    pub contact_person_email: String,
    pub additional_contact_phone: String,
    pub dob: String,
    pub gender: String,
    pub update: bool,
    #[serde(rename = "matchEmailPhone")]
    pub match_email_phone: bool,
}

/// `enquiry_info`: the lead or enquiry that comes with the customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnquiryInfo {
    pub enquiry_id: String,
    pub assign_emp_name: String,
    pub assign_emp_code: String,
    pub assign_emp_email: String,
    pub round_robin_key: String,
    pub next_follow_up_date: String,
    pub action: String,
    #[serde(rename = "subStatus")]
    pub sub_status: String,
    pub additional_fields: JsonObject,
    pub associate_fields: JsonObject,
    pub update: bool,
    pub remarks: String,
}

impl AddCustomerRequest {
    /// The smallest request the vendor accepts: a name and a phone number.
    pub fn with_phone(name: impl Into<String>, phone: impl Into<String>) -> Self {
        let mut request = Self::default();
        request.customer_info.customer_name = name.into();
        request.customer_info.phone = phone.into();
        request
    }

    /// The other smallest request the vendor accepts: a name and an email.
    pub fn with_email(name: impl Into<String>, email: impl Into<String>) -> Self {
        let mut request = Self::default();
        request.customer_info.customer_name = name.into();
        request.customer_info.email_id = email.into();
        request
    }
}
