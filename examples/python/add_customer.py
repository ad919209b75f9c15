"""Adds one customer: to your Kapture CRM when KAPTURE_TOKEN and
KAPTURE_SUBDOMAIN (or KAPTURE_BASE_URL) are set, otherwise to a sandbox
started in this process.

    python examples/python/add_customer.py
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack

import kapture_crm
from kapture_crm.types import AddCustomerRequest


def main() -> int:
    with ExitStack() as stack:
        if os.environ.get("KAPTURE_TOKEN"):
            print("Sending to the Kapture CRM set in KAPTURE_* variables.")
            client = stack.enter_context(kapture_crm.Client())
        else:
            sandbox = stack.enter_context(kapture_crm.Sandbox())
            print(f"No KAPTURE_TOKEN set: sending to a local sandbox at {sandbox.url}.")
            client = stack.enter_context(sandbox.client())

        request: AddCustomerRequest = {
            "customer_info": {
                "customer_name": "Asha Rao",
                "phone": "+91 93804 91387",
                "email_id": "asha.rao@example.in",
                "city": "Bengaluru",
                "individual": True,
            },
            "contact_info": [{"first_name": "Asha", "last_name": "Rao", "contact_person_phone": "+91 93804 91387"}],
        }
        try:
            reply = client.add_customer(request)
        except kapture_crm.KaptureError as error:
            if error.outcome_unknown:
                print(f"Unknown outcome, check the CRM before sending again: {error}", file=sys.stderr)
            else:
                print(f"Failed: {error}", file=sys.stderr)
            return 1
        customer = reply.get("customer", {})
        print(f"Added: customer_id={customer.get('customer_id')} contact_id={customer.get('contact_id')}")

        # Typos are caught before anything is sent, every problem at once.
        try:
            kapture_crm.validate({"customer_info": {"customer_name": "ABC", "email": "abc@example.com"}})
        except kapture_crm.ValidationError as error:
            for problem in error.errors:
                print(f"Refused before sending: {problem['path']}: {problem['message']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
