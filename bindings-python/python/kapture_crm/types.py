"""TypedDicts of the Add Customer request and reply, field for field as the
vendor documents them. Every field is optional here: the SDK sends what you
leave out as the vendor's example shows it ("", False, {})."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union, final

__all__ = [
    "AddCustomerRequest",
    "CustomerInfo",
    "ContactInfo",
    "EnquiryInfo",
    "AddCustomerResponse",
    "CustomerResult",
    "FieldProblem",
    "Upserted",
    "Found",
]

#: Text fields also take a whole number (a phone or pincode from a spreadsheet).
Text = Union[str, int]


class CustomerInfo(TypedDict, total=False):
    customer_name: Text
    phone: Text
    email_id: str
    locality: str
    city: str
    state: str
    country: str
    address: str
    type: str
    classification: str
    pincode: Text
    customer_code: Text
    customer_id: Text
    customer_assign_emp_name: str
    customer_assign_emp_code: Text
    customer_assign_emp_email: str
    zone: str
    customer_remarks: str
    individual: bool
    organization: bool
    channel_partner: bool
    remarks: str
    primary_source: str
    secondary_source: str
    tertiary_source: str
    additional_fields: Dict[str, Any]
    associate_fields: Dict[str, Any]
    update: bool


class ContactInfo(TypedDict, total=False):
    contact_id: Text
    title: str
    first_name: str
    last_name: str
    contact_person_name: str
    country_code: Text
    contact_person_phone: Text
    contact_person_email: str
    additional_contact_phone: Text
    dob: str
    gender: str
    update: bool
    matchEmailPhone: bool


class EnquiryInfo(TypedDict, total=False):
    enquiry_id: Text
    assign_emp_name: str
    assign_emp_code: Text
    assign_emp_email: str
    round_robin_key: str
    next_follow_up_date: str
    action: str
    subStatus: str
    additional_fields: Dict[str, Any]
    associate_fields: Dict[str, Any]
    update: bool
    remarks: str


class AddCustomerRequest(TypedDict, total=False):
    customer_info: CustomerInfo
    contact_info: List[ContactInfo]
    enquiry_info: EnquiryInfo


class CustomerResult(TypedDict, total=False):
    result: bool
    customer_id: int
    action: str
    action_event: str
    contact_id: int


# final: `"found_by" in outcome` (or `"action" in`) tells the outcomes apart for
# a type checker.
@final
class AddCustomerResponse(TypedDict, total=False):
    """The reply; every field the server sent is kept, these are the documented ones."""

    status: str
    customer: CustomerResult
    message: str


@final
class Upserted(TypedDict):
    """What ``upsert_customer`` did: added a customer, or updated the one its
    lookup found (or the one a duplicate refusal named), with its id."""

    action: Literal["added", "updated"]
    customer_id: Optional[int]
    response: AddCustomerResponse


@final
class Found(TypedDict):
    """A record an earlier run left with an unknown outcome, which
    ``add_customers(..., reconcile=True)`` found added: its customer exists.
    The reply to that add was lost, so there is none; ``found_by`` says how
    it was found (a lookup, or a re-send refused as a duplicate of it)."""

    found_by: Literal["lookup", "already exists"]
    customer_id: Optional[int]


class CustomerContact(TypedDict, total=False):
    """A contact of a looked-up customer (the vendor's camelCase keys)."""

    id: int
    leadId: int
    contactPerson: str
    phone: str
    email: str


class Customer(TypedDict, total=False):
    """A customer as Get Customer returns it (``find_customer``): the
    documented keys; every other field the server sent is kept too."""

    id: int
    cmId: int
    name: str
    isOrganization: bool
    address: str
    city: str
    state: str
    country: str
    pinCode: str
    customerCode: str
    remarks: str
    generationDate: str
    currentStatus: str
    contacts: List[CustomerContact]


class FieldProblem(TypedDict):
    path: str
    message: str
