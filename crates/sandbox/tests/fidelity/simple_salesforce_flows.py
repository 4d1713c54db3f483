"""Runs simple-salesforce, the maintained Python client, against the Salesforce sandbox: JWT
bearer and client credentials logins, SOQL with paging, sObject create/get/update/upsert/delete,
the error array, sObject Collections, Composite and session renewal. Every call must behave as
the client expects of Salesforce, or this exits non-zero.

    python simple_salesforce_flows.py SANDBOX_URL CONSUMER_KEY CONSUMER_SECRET USERNAME KEY_FILE

The client only speaks https to *.salesforce.com hosts; a transport adapter sends its requests
to the sandbox unchanged otherwise (same paths, headers and bodies).
"""
import sys
import urllib.parse

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

sandbox, consumer_key, consumer_secret, username, key_file = sys.argv[1:6]
target = urllib.parse.urlsplit(sandbox).netloc


class Loopback(requests.adapters.HTTPAdapter):
    """Delivers every https request to the sandbox over plain http."""

    def send(self, request, **kwargs):
        parts = urllib.parse.urlsplit(request.url)
        request.url = urllib.parse.urlunsplit(("http", target, parts.path, parts.query, ""))
        return super().send(request, **kwargs)


def session():
    s = requests.Session()
    s.mount("https://", Loopback())
    return s


# JWT bearer: the client signs the assertion with the connected app's key.
sf = Salesforce(username=username, consumer_key=consumer_key, privatekey_file=key_file,
                domain="login", session=session(), version="62.0")
assert sf.session_id and sf.sf_instance == target, (sf.sf_instance, target)

# Client credentials against a My Domain host (the client sends HTTP Basic).
cc = Salesforce(consumer_key=consumer_key, consumer_secret=consumer_secret,
                domain="partnergraph-sandbox.my", session=session(), version="62.0")
assert cc.session_id != sf.session_id

# A wrong key is refused at the token endpoint.
try:
    Salesforce(username="nobody@partnergraph.example", consumer_key=consumer_key,
               privatekey_file=key_file, domain="login", session=session())
    raise AssertionError("an unknown user got a session")
except SalesforceAuthenticationFailed:
    pass

# SOQL, with the record envelope and relationship paths.
partners = sf.query("SELECT Id, Name, Parent.Name FROM Account WHERE ParentId = null ORDER BY Name")
assert partners["done"] and partners["totalSize"] == len(partners["records"]) > 0, partners
first = partners["records"][0]
assert first["attributes"]["type"] == "Account" and first["Id"].startswith("001"), first
children = sf.query(f"SELECT Id, Name, Parent.Name FROM Account WHERE ParentId = '{first['Id']}'")
for child in children["records"]:
    assert child["Parent"]["Name"] == first["Name"], child

# Paging: the sandbox was started with small batches; query_all follows nextRecordsUrl.
page = sf.query("SELECT Id, Email FROM Contact ORDER BY Email")
assert not page["done"] and page["nextRecordsUrl"].startswith("/services/data/v62.0/query/"), page
everything = sf.query_all("SELECT Id, Email FROM Contact ORDER BY Email")
assert everything["totalSize"] == len(everything["records"]) > len(page["records"]), everything
assert len({r["Id"] for r in everything["records"]}) == everything["totalSize"]

# sObject create, get, update, upsert by external id, delete.
created = sf.Account.create({"Name": "Fidelity Co", "ParentId": first["Id"]})
assert created["success"] and created["errors"] == [] and created["id"].startswith("001"), created
account = sf.Account.get(created["id"])
assert account["Name"] == "Fidelity Co" and account["ParentId"] == first["Id"], account
assert sf.Account.update(created["id"], {"Name": "Fidelity Co 2"}) == 204
assert sf.Account.get(created["id"])["Name"] == "Fidelity Co 2"
upserted = sf.Contact.upsert("Partnergraph_Key__c/fidelity-1",
                             {"AccountId": created["id"], "LastName": "Faithful", "Email": "f@fidelity.example"})
assert upserted == 201, upserted
assert sf.Contact.upsert("Partnergraph_Key__c/fidelity-1", {"FirstName": "Fay"}) in (200, 204)
contact = sf.Contact.get_by_custom_id("Partnergraph_Key__c", "fidelity-1")
assert contact["FirstName"] == "Fay" and contact["AccountId"] == created["id"], contact

# The error array, as the client's exceptions carry it.
try:
    sf.Account.create({"NoSuchField__c": 1, "Name": "x"})
    raise AssertionError("an unknown field was accepted")
except SalesforceMalformedRequest as e:
    assert e.content[0]["errorCode"] == "INVALID_FIELD", e.content
try:
    sf.Contact.create({"FirstName": "NoLastName"})
    raise AssertionError("a contact without a last name was accepted")
except SalesforceMalformedRequest as e:
    assert e.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING", e.content
    assert e.content[0]["fields"] == ["LastName"], e.content

# sObject Collections: positional, null where an id names nothing.
missing = "001Dp000000missingAAA"[:18]
rows = sf.restful("composite/sobjects/Account",
                  params={"ids": f"{created['id']},{missing}", "fields": "Id,Name"})
assert len(rows) == 2 and rows[0]["Name"] == "Fidelity Co 2" and rows[1] is None, rows

# Composite with allOrNone and a reference; a failing subrequest rolls back the others.
def composite(*creates):
    """A Composite request, allOrNone, of (referenceId, sObject, body) creates: its answers."""
    return sf.restful("composite", method="POST", json={
        "allOrNone": True,
        "compositeRequest": [
            {"method": "POST", "url": f"/services/data/v62.0/sobjects/{sobject}",
             "referenceId": reference, "body": body}
            for reference, sobject, body in creates
        ],
    })["compositeResponse"]


answers = composite(
    ("acct", "Account", {"Name": "Composite Co"}),
    ("person", "Contact", {"AccountId": "@{acct.id}", "LastName": "Composed"}),
)
assert [a["httpStatusCode"] for a in answers] == [201, 201], answers
person = sf.Contact.get(answers[1]["body"]["id"])
assert person["AccountId"] == answers[0]["body"]["id"], person
rolled_back = composite(
    ("ok", "Account", {"Name": "Never Co"}),
    ("bad", "Contact", {"FirstName": "NoLastName"}),
)
assert [a["httpStatusCode"] for a in rolled_back] == [400, 400], rolled_back
assert rolled_back[0]["body"][0]["errorCode"] == "PROCESSING_HALTED", rolled_back
assert sf.query("SELECT Id FROM Account WHERE Name = 'Never Co'")["totalSize"] == 0

# Delete (with the account's contacts), then the record is gone.
assert sf.Account.delete(created["id"]) == 204
try:
    sf.Account.get(created["id"])
    raise AssertionError("a deleted account was found")
except SalesforceResourceNotFound:
    pass
assert sf.query(f"SELECT COUNT() FROM Contact WHERE AccountId = '{created['id']}'")["totalSize"] == 0

# An expired session answers 401 INVALID_SESSION_ID, which the client knows: it logs in again
# (a new JWT assertion) and repeats the call.
issued = len(requests.get(f"{sandbox}/_sandbox/tokens", timeout=10).json())
requests.post(f"{sandbox}/_sandbox/expire-tokens", timeout=10).raise_for_status()
assert sf.query("SELECT Id FROM Account LIMIT 1")["totalSize"] == 1
assert len(requests.get(f"{sandbox}/_sandbox/tokens", timeout=10).json()) == issued + 1
log = requests.get(f"{sandbox}/_sandbox/requests", timeout=10).json()
assert [r["status"] for r in log[-3:]] == [401, 200, 200], log[-3:]

print("simple-salesforce ran every flow against the sandbox")
