"""The installed wheel, as a user runs it: Sandbox, a customer added, a
ValidationError, the version (KAPTURE_VERSION). Run by tests/install/run and
the release workflow, never from the source tree."""

import os

import kapture_crm

assert kapture_crm.__version__ == os.environ["KAPTURE_VERSION"], kapture_crm.__version__
assert "site-packages" in kapture_crm.__file__, kapture_crm.__file__
with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
    reply = client.add_customer({"customer_info": {"customer_name": "Asha", "phone": "9845012345"}})
    assert reply["status"] == "success", reply
    try:
        client.add_customer({"customer_info": {"customer_name": "Asha"}})
    except kapture_crm.ValidationError as error:
        assert error.errors[0]["path"] == "customer_info.phone", error.errors
    else:
        raise SystemExit("no ValidationError")
    assert len(sandbox.customers()) == 1
print("python: ok", kapture_crm.__version__)
