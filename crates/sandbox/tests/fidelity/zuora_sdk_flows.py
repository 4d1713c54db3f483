"""Runs Zuora's official Python SDK (zuora-sdk, generated from Zuora's OpenAPI spec) against the
sandbox: every response must load into the SDK's strict models, or this exits non-zero.

    python zuora_sdk_flows.py BASE_URL CLIENT_ID CLIENT_SECRET
"""
import sys

import zuora_sdk
from zuora_sdk.api.o_auth_api import OAuthApi
from zuora_sdk.api.object_queries_api import ObjectQueriesApi
from zuora_sdk.models.create_token_request_grant_type import CreateTokenRequestGrantType

base, client_id, client_secret = sys.argv[1:4]
configuration = zuora_sdk.Configuration(host=base)
client = zuora_sdk.ApiClient(configuration)

token = OAuthApi(client).create_token(
    client_id=client_id,
    client_secret=client_secret,
    grant_type=CreateTokenRequestGrantType.CLIENT_CREDENTIALS,
    zuora_track_id="fidelity-token",
)
assert token.token_type == "bearer", token
assert token.access_token and token.expires_in > 0, token
configuration.access_token = token.access_token

queries = ObjectQueriesApi(client)

# Every account, page by page, through the SDK's cursor.
accounts, cursor = [], None
while True:
    page = queries.query_accounts(page_size=50, cursor=cursor, zuora_track_id="fidelity-accounts")
    accounts.extend(page.data or [])
    cursor = page.next_page
    if not cursor:
        break
assert len(accounts) > 100, len(accounts)
children = [a for a in accounts if a.parent_id]
assert children, "accounts have parents"

# One account by number and by id: a bare object.
first = accounts[0]
by_number = queries.query_account_by_key(first.account_number)
by_id = queries.query_account_by_key(first.id)
assert by_number.id == by_id.id == first.id

# Batch reads of a child's records, the way the connector reads them.
ids = ",".join(a.id for a in children[:20])
for name, call in [
    ("subscriptions", queries.query_subscriptions),
    ("invoices", queries.query_invoices),
    ("payments", queries.query_payments),
    ("payment methods", queries.query_payment_methods),
]:
    result = call(page_size=50, filter=[f"accountid.IN:[{ids}]"])
    assert result.data, f"no {name} for 20 customer accounts"
    for row in result.data:
        assert row.account_id in ids, (name, row.account_id)

# The same records as expansions of a page of accounts, the way the connector reads them for
# a page of customers: the SDK's ExpandedAccount model parses the children.
expanded = queries.query_accounts(
    page_size=50, filter=[f"id.IN:[{ids}]"], fields=["id"],
    expand=["subscriptions", "subscriptions.rateplans.rateplancharges", "invoices", "payments", "paymentmethods"],
).data
assert len(expanded) == 20, len(expanded)
assert all(a.name is None for a in expanded), "fields[] limits the account's fields"
assert any(a.subscriptions for a in expanded) and any(a.invoices for a in expanded)
assert any(a.payments for a in expanded) and any(a.payment_methods for a in expanded)
for a in expanded:
    for child in (a.subscriptions or []) + (a.invoices or []) + (a.payment_methods or []):
        assert child.account_id == a.id, (a.id, child.account_id)
plans = [p for a in expanded for s in (a.subscriptions or []) for p in (s.rate_plans or [])]
assert plans and all(p.rate_plan_charges for p in plans), "rate plans and charges expanded"

invoices = queries.query_invoices(page_size=5, filter=["status.EQ:Posted"], sort=["duedate.DESC"])
assert all(i.status == "Posted" for i in invoices.data), invoices
assert all(isinstance(i.balance, (int, float)) for i in invoices.data)

# Create a child account under a parent, as the connector will for a new end customer.
from zuora_sdk.api.accounts_api import AccountsApi
from zuora_sdk.models.create_account_request import CreateAccountRequest
from zuora_sdk.models.create_account_contact import CreateAccountContact

parent = children[0].parent_id
parent_currency = queries.query_account_by_key(parent).currency
created = AccountsApi(client).create_account(
    CreateAccountRequest(
        name="Fidelity Co",
        currency=parent_currency,
        bill_cycle_day=1,
        parent_id=parent,
        crm_id="001000000000099AAA",
        bill_to_contact=CreateAccountContact(first_name="Fi", last_name="Delity"),
    ),
    idempotency_key="fidelity-create-account",
    zuora_track_id="fidelity-create",
)
assert created.success and created.account_id and created.account_number, created
stored = queries.query_account_by_key(created.account_number)
assert stored.parent_id == parent and stored.crm_id == "001000000000099AAA", stored

# Pay part of an open invoice with the account's stored method.
from zuora_sdk.api.payments_api import PaymentsApi
from zuora_sdk.models.create_payment_request import CreatePaymentRequest
from zuora_sdk.models.create_payment_invoice_application import CreatePaymentInvoiceApplication

open_invoice = queries.query_invoices(page_size=50, filter=["status.EQ:Posted", "balance.GT:0"]).data[0]
method = queries.query_payment_methods(page_size=5, filter=[f"accountid.EQ:{open_invoice.account_id}"]).data[0]
account = queries.query_account_by_key(open_invoice.account_id)
payment = PaymentsApi(client).create_payment(
    CreatePaymentRequest(
        account_id=account.id,
        amount=1,
        currency=account.currency,
        type="Electronic",
        payment_method_id=method.id,
        invoices=[CreatePaymentInvoiceApplication(invoice_id=open_invoice.id, amount=1)],
    ),
    idempotency_key="fidelity-pay",
)
assert payment.success and payment.status == "Processed" and payment.number, payment
after = queries.query_invoices(page_size=1, filter=[f"id.EQ:{open_invoice.id}"]).data[0]
assert round(open_invoice.balance - after.balance, 2) == 1, (open_invoice.balance, after.balance)

# Order a subscription for the new child account, billed to its parent, through the Orders API.
import datetime
from zuora_sdk.api.orders_api import OrdersApi
from zuora_sdk.models.create_order_request import CreateOrderRequest

plan_id, charge_id = sys.argv[4:6]
parent_account = queries.query_account_by_key(parent)
order = OrdersApi(client).create_order(
    CreateOrderRequest.from_dict({
        "orderDate": datetime.date.today().isoformat(),
        "existingAccountNumber": parent_account.account_number,
        "subscriptions": [{"orderActions": [{"type": "CreateSubscription", "createSubscription": {
            "subscriptionOwnerAccountNumber": created.account_number,
            "terms": {"initialTerm": {"period": 12, "periodType": "Month", "termType": "TERMED"}, "autoRenew": True,
                      "renewalSetting": "RENEW_WITH_SPECIFIC_TERM", "renewalTerms": [{"period": 12, "periodType": "Month"}]},
            "subscribeToRatePlans": [{"productRatePlanId": plan_id, "chargeOverrides": [{
                "productRatePlanChargeId": charge_id, "pricing": {"recurringPerUnit": {"quantity": 3}}}]}],
        }}]}],
    }),
    idempotency_key="fidelity-order",
    return_ids=True,
)
assert order.success and order.status == "Completed" and order.subscription_numbers, order
subscription = queries.query_subscriptions(
    filter=[f"name.EQ:{order.subscription_numbers[0]}"], expand=["rateplans.rateplancharges"]).data[0]
assert subscription.account_id == created.account_id and subscription.invoice_owner_id == parent, subscription
assert subscription.rate_plans[0].rate_plan_charges[0].quantity == 3, subscription

# The product catalog the portal's offers map to.
products = queries.query_products(page_size=50).data
plans = queries.query_product_rate_plans(page_size=50).data
assert products and plans, (products, plans)
plan = next(p for p in plans if p.id == plan_id)
assert plan.product_id in {p.id for p in products}
charges = queries.query_product_rate_plan_charges(page_size=50, filter=[f"productrateplanid.EQ:{plan_id}"]).data
assert [c.id for c in charges] == [charge_id], charges
tiers = queries.query_product_rate_plan_charge_tiers(page_size=50, filter=[f"productrateplanchargeid.EQ:{charge_id}"]).data
assert tiers and isinstance(tiers[0].price, (int, float)), tiers

# ZOQL: which invoice the payment paid, in batches followed through queryMore.
from zuora_sdk.api.actions_api import ActionsApi
from zuora_sdk.models.proxy_actionquery_request import ProxyActionqueryRequest
from zuora_sdk.models.proxy_actionquery_more_request import ProxyActionqueryMoreRequest

actions = ActionsApi(client)
linked = actions.action_post_query(ProxyActionqueryRequest.from_dict({
    "queryString": f"select InvoiceId, PaymentId, Amount from InvoicePayment where PaymentId = '{payment.id}'"}))
assert linked.done and [r["InvoiceId"] for r in linked.records] == [open_invoice.id], linked
every, batch = [], actions.action_post_query(ProxyActionqueryRequest.from_dict({
    "queryString": "select Id, AccountNumber, ParentId from Account", "conf": {"batchSize": 50}}))
every.extend(batch.records)
while not batch.done:
    batch = actions.action_postquery_more(ProxyActionqueryMoreRequest.from_dict({"queryLocator": batch.query_locator}))
    every.extend(batch.records)
assert len(every) == batch.size == len(accounts) + 1, (len(every), batch.size)

# Undo: delete the subscription, then the account (as a failed order's compensation does).
from zuora_sdk.api.subscriptions_api import SubscriptionsApi
deleted_sub = SubscriptionsApi(client).delete_subscription(order.subscription_numbers[0])
assert deleted_sub.success, deleted_sub
deleted = AccountsApi(client).delete_account(created.account_id)
assert deleted.success and deleted.id == created.account_id, deleted
assert not queries.query_accounts(filter=[f"id.EQ:{created.account_id}"]).data

print(f"zuora-sdk {zuora_sdk.__version__ if hasattr(zuora_sdk, '__version__') else ''}: "
      f"token, {len(accounts)} accounts, by-key reads, batch queries, ZOQL, writes and deletes load into the SDK's models")
