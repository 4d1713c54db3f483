//! Every id a caller can send is an attack on another tenant. This suite does not list the
//! fields it attacks: it reads them from the introspected schema, so a field added tomorrow is
//! attacked tomorrow. For every persona kind it sends every mutation, every id-taking root field
//! and every filter that names a record, once with an id of a record out of the caller's reach
//! and once with an id of the same kind that does not exist, and asserts that:
//!
//! - the foreign id never succeeds (no data, an error);
//! - the two answers are the same (code and message): out of reach looks exactly like absent, so
//!   no answer tells a caller that a record exists (a filter on a hidden id counts nothing);
//! - the other tenant's records, re-read as the platform admin, have not changed.

use partnergraph_core::ids::{GlobalId, NodeKind};
use partnergraph_tests::{on_each_backend, Backend, Response, TestServer};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

const ADMIN: &str = "admin@platform.example";

/// A caller and the tenant it must never reach.
struct Attack {
    persona: &'static str,
    /// The organization whose records are foreign to the persona.
    foreign_org: &'static str,
    /// Customers of that organization the persona does see (its own), left out of the pool.
    own_customer: Option<&'static str>,
}

/// One persona of each kind: a distributor admin against another distributor's partner, a
/// partner and its read-only viewer against a sibling partner of the same distributor (the
/// nearest foreign tenant), a partner admin against another distributor's partner, and a
/// customer admin against its own partner and the partner's other customers.
const ATTACKS: [Attack; 5] = [
    Attack {
        persona: "dana@northwind.example",
        foreign_org: "Globex Systems",
        own_customer: None,
    },
    Attack {
        persona: "paula@acme.example",
        foreign_org: "Contoso Digital",
        own_customer: None,
    },
    Attack {
        persona: "victor@acme.example",
        foreign_org: "Contoso Digital",
        own_customer: None,
    },
    Attack {
        persona: "olga@globex.example",
        foreign_org: "Acme Cloud",
        own_customer: None,
    },
    Attack {
        persona: "carl@initech.example",
        foreign_org: "Acme Cloud",
        own_customer: Some("Initech"),
    },
];

/// Codes a refused foreign id may carry: absent, or not allowed at all (a caller without the
/// permission is refused before any record is looked up, whichever id it sends).
const REFUSALS: [&str; 2] = ["NOT_FOUND", "FORBIDDEN"];

const INTROSPECTION: &str = "
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
{ __schema {
    queryType { name } mutationType { name }
    types { name kind
      fields { name args { name type { ...T } } type { ...T } }
      inputFields { name type { ...T } }
      enumValues { name } } } }";

/// The records of a tenant that the platform admin reads before and after each persona's walk,
/// with the fields a successful attack would change.
const TENANT: &str = "query($id: ID!) { organization(id: $id) {
  id name salesChannel invoiceOwner parent { id }
  users(first: 50) { nodes { id email status profile { id code } } }
  invoices(first: 5) { nodes { id status balance { amount } } }
  paymentMethods { id isDefault }
  subscriptions(first: 5) { nodes { id quantity status offer { id } } }
  cases(first: 5) { nodes { id subject status priority } }
  customers(first: 4) { totalCount nodes {
    id name email status seats
    users(first: 10) { nodes { id email status profile { id code } } }
    subscriptions(first: 5) { nodes { id quantity status offer { id } } }
    invoices(first: 5) { nodes { id status balance { amount } } }
    payments(first: 5) { nodes { id } }
    paymentMethods { id isDefault }
    cases(first: 5) { nodes { id subject status priority } } } } } }";

on_each_backend!(no_id_of_another_tenant_reaches_anything_through_any_field_filter_or_mutation);

async fn no_id_of_another_tenant_reaches_anything_through_any_field_filter_or_mutation(
    backend: Backend,
) {
    // A gateway of its own: a failed attack would change records other tests read.
    let server = TestServer::dedicated(backend);
    let s = &server;
    let admin = s.token(ADMIN).await;
    let schema = Schema::read(s, &admin).await;
    let orgs = s
        .post_json(
            Some(&admin),
            &json!({ "query": "{ organizations(first: 100) { nodes { id name } } }" }),
        )
        .await;
    let org_id = |name: &str| -> String {
        orgs.data()["organizations"]["nodes"]
            .as_array()
            .and_then(|nodes| nodes.iter().find(|o| o["name"] == name))
            .and_then(|o| o["id"].as_str())
            .unwrap_or_else(|| panic!("no organization {name}"))
            .to_owned()
    };
    let platform_profile = platform_custom_profile(s, &admin).await;
    let mut failures = Vec::new();
    let mut tried = 0;
    for attack in &ATTACKS {
        let token = s.token(attack.persona).await;
        let foreign_org = org_id(attack.foreign_org);
        let before = tenant(s, &admin, &foreign_org).await;
        let mut foreign = foreign_ids(&before, attack.own_customer);
        foreign.extend(platform_profile.clone());
        foreign.extend(foreign_offers(s, &admin, &token).await);
        let own = own_ids(s, &token).await;
        let probe = Probe {
            s,
            schema: &schema,
            token: &token,
            persona: attack.persona,
            own: &own,
        };
        for id in &foreign {
            if !probe.node_is_hidden(id).await {
                failures.push(format!("{}: node({id}) is visible", attack.persona));
            }
        }
        let before_attack = tenant(s, &admin, &foreign_org).await;
        tried += probe.root_fields(&foreign, &mut failures).await;
        tried += probe.mutations(&foreign, &mut failures).await;
        let after = tenant(s, &admin, &foreign_org).await;
        if after != before_attack {
            failures.push(format!(
                "{}: {}'s records changed during the walk:\nbefore {before_attack}\nafter  {after}",
                attack.persona, attack.foreign_org
            ));
        }
    }
    assert!(tried > 500, "the walk sent only {tried} attacks");
    assert!(
        failures.is_empty(),
        "{} of {tried} attacks got through or answered differently from a missing id:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A custom profile the platform created: out of every organization's reach.
async fn platform_custom_profile(s: &TestServer, admin: &str) -> Vec<String> {
    let created = s
        .post_json(
            Some(admin),
            &json!({
                "query": "mutation($input: CreateProfileInput!) { createProfile(input: $input) { profile { id } } }",
                "variables": { "input": { "code": "TENANCY_PLATFORM_ONLY", "name": "Platform only",
                                          "permissions": ["VIEW_CUSTOMERS"] } }
            }),
        )
        .await;
    created.data()["createProfile"]["profile"]["id"]
        .as_str()
        .map(ToOwned::to_owned)
        .into_iter()
        .collect()
}

/// Offers the platform sees and the persona does not.
async fn foreign_offers(s: &TestServer, admin: &str, token: &str) -> Vec<String> {
    let visible = offer_ids(s, token).await;
    offer_ids(s, admin)
        .await
        .into_iter()
        .filter(|id| !visible.contains(id))
        .collect()
}

async fn offer_ids(s: &TestServer, token: &str) -> Vec<String> {
    let body = json!({ "query": "{ offers(first: 100) { nodes { id } } }" });
    ids_in(&s.post_json(Some(token), &body).await.body["data"])
}

/// The tenant's records as the platform admin sees them.
async fn tenant(s: &TestServer, admin: &str, org: &str) -> Value {
    let response = s
        .post_json(
            Some(admin),
            &json!({ "query": TENANT, "variables": { "id": org } }),
        )
        .await;
    response.data()["organization"].clone()
}

/// Every id in a tenant's records that belongs to it alone, but those of the persona's own
/// customer.
fn foreign_ids(tenant: &Value, own_customer: Option<&str>) -> Vec<String> {
    let mut tenant = tenant.clone();
    if let (Some(own), Some(nodes)) = (own_customer, tenant["customers"]["nodes"].as_array_mut()) {
        nodes.retain(|c| c["name"] != own);
    }
    // Profiles (built-in ones are everybody's) and offers (a catalog shared across the channel)
    // are pooled apart, by who may see them.
    let mut ids: Vec<String> = ids_in(&tenant)
        .into_iter()
        .filter(|id| {
            GlobalId::decode(id)
                .is_ok_and(|g| !matches!(g.kind, NodeKind::Profile | NodeKind::Offer))
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The persona's own records of each kind: the valid ids a mutation needs besides the one
/// under attack, so that the attacked id is what decides the answer.
async fn own_ids(s: &TestServer, token: &str) -> HashMap<NodeKind, String> {
    let response = s
        .post_json(
            Some(token),
            // A pending operator first where the caller has one (ids are taken in key order),
            // so that activating a user gets as far as the profile it names.
            &json!({ "query": "{
  aPending: users(first: 1, filter: { status: PENDING }) { nodes { id } }
  viewer { user { id } organization { id } customer { id } profile { id } }
  offers(first: 1) { nodes { id } }
  subscriptions(first: 1, filter: { status: ACTIVE }) { nodes { id } }
  invoices(first: 1, filter: { status: OPEN }) { nodes { id } }
  customers(first: 10, filter: { status: ACTIVE }) { nodes {
    id invoices(first: 1) { nodes { id } } paymentMethods { id } cases(first: 1) { nodes { id } }
    users(first: 1) { nodes { id } } } } }" }),
        )
        .await;
    let mut own = HashMap::new();
    for id in ids_in(&response.body["data"]) {
        if let Ok(global) = GlobalId::decode(&id) {
            own.entry(global.kind).or_insert(id);
        }
    }
    own
}

/// Every `id` value in a JSON tree.
fn ids_in(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_ids(value, &mut out);
    out
}

fn collect_ids(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("id", Value::String(id)) => out.push(id.clone()),
                    _ => collect_ids(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, out)),
        _ => {}
    }
}

/// The same id with its record swapped for one that does not exist.
fn missing_twin(id: &str) -> String {
    let kind = GlobalId::decode(id).expect("a global id").kind;
    GlobalId::new(kind, "tenancy-probe-missing").encode()
}

/// The kinds of record an id-typed argument or input field named `name` takes; `None` for any
/// (`node(id)`, `nodes(ids)`).
fn kinds_for(name: &str) -> Option<&'static [NodeKind]> {
    use NodeKind::*;
    let kinds: &'static [NodeKind] = match name {
        "id" | "ids" => return None,
        "accountId" => &[Organization, Customer],
        "partnerId" | "organizationId" | "parentId" | "eligiblePartnerIds" => &[Organization],
        "customerId" => &[Customer],
        "userId" => &[User],
        "profileId" => &[Profile],
        "offerId" => &[Offer],
        "subscriptionId" => &[Subscription],
        "invoiceId" => &[Invoice],
        "paymentId" => &[Payment],
        "paymentMethodId" => &[PaymentMethod],
        "caseId" => &[Case],
        other => panic!("the walk does not know what an id named `{other}` points at: teach it"),
    };
    Some(kinds)
}

/// The caller's own record for an id field named `name`, if it has one of a kind it takes.
fn own_for<'a>(name: &str, own: &'a HashMap<NodeKind, String>) -> Option<&'a String> {
    kinds_for(name)?.iter().find_map(|k| own.get(k))
}

/// The introspected schema, as the walk needs it.
struct Schema {
    types: BTreeMap<String, Value>,
    query: String,
    mutation: String,
}

impl Schema {
    async fn read(s: &TestServer, token: &str) -> Self {
        let response = s
            .post_json(Some(token), &json!({ "query": INTROSPECTION }))
            .await;
        let schema = &response.data()["__schema"];
        let types = schema["types"]
            .as_array()
            .expect("types")
            .iter()
            .map(|t| (t["name"].as_str().unwrap_or("").to_owned(), t.clone()))
            .collect();
        Self {
            types,
            query: schema["queryType"]["name"]
                .as_str()
                .expect("Query")
                .to_owned(),
            mutation: schema["mutationType"]["name"]
                .as_str()
                .expect("Mutation")
                .to_owned(),
        }
    }

    fn fields(&self, type_name: &str) -> Vec<Value> {
        self.types[type_name]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn input_fields(&self, type_name: &str) -> Vec<Value> {
        self.types[type_name]["inputFields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The paths to every id-typed field inside an input type, through nested inputs.
    fn id_paths(&self, ty: &Value, depth: usize) -> Vec<Vec<String>> {
        let (named, _) = unwrap_type(ty);
        if named["kind"] != "INPUT_OBJECT" || depth > 3 {
            return Vec::new();
        }
        let mut paths = Vec::new();
        for field in self.input_fields(named["name"].as_str().unwrap_or("")) {
            let name = field["name"].as_str().unwrap_or("").to_owned();
            let (inner, _) = unwrap_type(&field["type"]);
            if inner["name"] == "ID" {
                paths.push(vec![name]);
            } else {
                for mut path in self.id_paths(&field["type"], depth + 1) {
                    path.insert(0, name.clone());
                    paths.push(path);
                }
            }
        }
        paths
    }

    /// A value of `ty` with every required field filled in and `path` (if it leads here) set
    /// to `id`; other ids are the caller's own records of the right kind.
    fn value(
        &self,
        name: &str,
        ty: &Value,
        path: &[String],
        id: &str,
        own: &HashMap<NodeKind, String>,
        serial: usize,
    ) -> Value {
        let (named, list) = unwrap_type(ty);
        let single = match named["kind"].as_str() {
            Some("INPUT_OBJECT") => {
                let mut object = Map::new();
                // An attack through a nested input (an order's new customer) is an alternative
                // to the optional ids beside it (the existing customer): those stay unset.
                let nested_attack = path.len() > 1;
                for field in self.input_fields(named["name"].as_str().unwrap_or("")) {
                    let field_name = field["name"].as_str().unwrap_or("");
                    let on_path = path.first().is_some_and(|p| p == field_name);
                    let required = field["type"]["kind"] == "NON_NULL";
                    // An optional id is given too (the caller's own record), so that inputs that
                    // need one of several ids (an order's customer) get past that check.
                    let own_id = !nested_attack
                        && unwrap_type(&field["type"]).0["name"] == "ID"
                        && own_for(field_name, own).is_some();
                    if !on_path && !required && !own_id {
                        continue;
                    }
                    let rest = if on_path { &path[1..] } else { &[][..] };
                    object.insert(
                        field_name.to_owned(),
                        self.value(field_name, &field["type"], rest, id, own, serial),
                    );
                }
                Value::Object(object)
            }
            Some("ENUM") => named_enum_value(&self.types, named),
            _ => scalar(
                name,
                named["name"].as_str().unwrap_or(""),
                path,
                id,
                own,
                serial,
            ),
        };
        if list {
            json!([single])
        } else {
            single
        }
    }

    /// A selection that makes a field of this type valid: `__typename` for objects, `totalCount`
    /// for connections (a filter's answer is its count), nothing for scalars.
    fn selection(&self, ty: &Value) -> &'static str {
        let (named, _) = unwrap_type(ty);
        let name = named["name"].as_str().unwrap_or("");
        let has_total = self.fields(name).iter().any(|f| f["name"] == "totalCount");
        match named["kind"].as_str() {
            Some("OBJECT") if has_total => "{ totalCount }",
            Some("OBJECT" | "INTERFACE" | "UNION") => "{ __typename }",
            _ => "",
        }
    }
}

/// The named type inside NON_NULL and LIST wrappers, and whether a LIST was among them.
fn unwrap_type(ty: &Value) -> (&Value, bool) {
    let mut ty = ty;
    let mut list = false;
    while ty["kind"] == "NON_NULL" || ty["kind"] == "LIST" {
        list |= ty["kind"] == "LIST";
        ty = &ty["ofType"];
    }
    (ty, list)
}

fn named_enum_value(types: &BTreeMap<String, Value>, named: &Value) -> Value {
    types[named["name"].as_str().unwrap_or("")]["enumValues"][0]["name"].clone()
}

/// A plausible scalar for a required field, chosen by name where the name says what it holds.
fn scalar(
    name: &str,
    type_name: &str,
    path: &[String],
    id: &str,
    own: &HashMap<NodeKind, String>,
    serial: usize,
) -> Value {
    match type_name {
        "ID" if path.is_empty() && !id.is_empty() && name_matches(name, id) => json!(id),
        "ID" => own_for(name, own).map_or(Value::Null, |own| json!(own)),
        "Int" => json!(1),
        "Float" => json!(1.0),
        "Boolean" => json!(false),
        "Decimal" => json!("1.00"),
        "Date" => json!("2031-01-01"),
        "DateTime" => json!("2031-01-01T00:00:00Z"),
        _ => match name {
            "email" => json!(format!("tenancy-{serial}@probe.example")),
            "idempotencyKey" => json!(format!("tenancy-probe-{serial}")),
            "password" => json!("tenancy probe password"),
            "code" => json!(format!("TENANCY_PROBE_{serial}")),
            "permissions" => json!("VIEW_CUSTOMERS"),
            _ => json!("Tenancy probe"),
        },
    }
}

/// Whether `id` is of a kind the field `name` takes (the attacked field was picked for it).
fn name_matches(name: &str, id: &str) -> bool {
    GlobalId::decode(id).is_ok_and(|g| kinds_for(name).is_none_or(|kinds| kinds.contains(&g.kind)))
}

/// One persona's attacks.
struct Probe<'a> {
    s: &'a TestServer,
    schema: &'a Schema,
    token: &'a str,
    persona: &'a str,
    own: &'a HashMap<NodeKind, String>,
}

impl Probe<'_> {
    async fn send(&self, query: &str, variables: Value) -> Response {
        self.s
            .post_json(
                Some(self.token),
                &json!({ "query": query, "variables": variables }),
            )
            .await
    }

    async fn node_is_hidden(&self, id: &str) -> bool {
        let r = self
            .send(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        r.body["data"]["node"].is_null()
    }

    /// Root fields with an id argument or a filter naming a record, attacked one id at a time.
    async fn root_fields(&self, foreign: &[String], failures: &mut Vec<String>) -> usize {
        let mut tried = 0;
        for field in self.schema.fields(&self.schema.query) {
            let name = field["name"].as_str().unwrap_or("").to_owned();
            let selection = self.schema.selection(&field["type"]);
            for arg in field["args"].as_array().into_iter().flatten() {
                let arg_name = arg["name"].as_str().unwrap_or("");
                let (inner, list) = unwrap_type(&arg["type"]);
                let type_name = inner["name"].as_str().unwrap_or("");
                let paths = if type_name == "ID" {
                    vec![Vec::new()]
                } else {
                    self.schema.id_paths(&arg["type"], 0)
                };
                for path in paths {
                    let leaf = path.last().map_or(arg_name, String::as_str);
                    for id in foreign.iter().filter(|id| name_matches(leaf, id)) {
                        let query = format!(
                            "query($v: {}) {{ {name}({arg_name}: $v) {selection} }}",
                            type_ref(&arg["type"])
                        );
                        let value = |id: &str| {
                            if type_name == "ID" {
                                if list {
                                    json!([id])
                                } else {
                                    json!(id)
                                }
                            } else {
                                self.schema
                                    .value(arg_name, &arg["type"], &path, id, self.own, 0)
                            }
                        };
                        let attacked = self.send(&query, json!({ "v": value(id) })).await;
                        let missing = self
                            .send(&query, json!({ "v": value(&missing_twin(id)) }))
                            .await;
                        tried += 1;
                        let what = format!(
                            "{}: {name}({arg_name}{}) with {id}",
                            self.persona,
                            dotted(&path)
                        );
                        if let Some(failure) = compare(&what, &attacked, &missing, false) {
                            failures.push(failure);
                        }
                    }
                }
            }
        }
        tried
    }

    /// Every mutation, with each id its input can hold set to a foreign record in turn.
    async fn mutations(&self, foreign: &[String], failures: &mut Vec<String>) -> usize {
        let mut tried = 0;
        for (serial, field) in self.schema.fields(&self.schema.mutation).iter().enumerate() {
            let name = field["name"].as_str().unwrap_or("");
            let Some(arg) = field["args"].as_array().and_then(|a| a.first()) else {
                continue;
            };
            let selection = self.schema.selection(&field["type"]);
            let query = format!(
                "mutation($input: {}) {{ {name}(input: $input) {selection} }}",
                type_ref(&arg["type"])
            );
            for path in self.schema.id_paths(&arg["type"], 0) {
                let leaf = path.last().map_or("", String::as_str);
                for (n, id) in foreign
                    .iter()
                    .filter(|id| name_matches(leaf, id))
                    .enumerate()
                {
                    let serial = serial * 10_000 + n * 2 + tried;
                    let input = |id: &str, serial| {
                        self.schema
                            .value("input", &arg["type"], &path, id, self.own, serial)
                    };
                    let attacked = self
                        .send(&query, json!({ "input": input(id, serial) }))
                        .await;
                    let missing = self
                        .send(
                            &query,
                            json!({ "input": input(&missing_twin(id), serial + 1) }),
                        )
                        .await;
                    tried += 1;
                    let what = format!(
                        "{}: {name}(input.{}) with {id}",
                        self.persona,
                        path.join(".")
                    );
                    if let Some(failure) = compare(&what, &attacked, &missing, true) {
                        failures.push(failure);
                    }
                }
            }
        }
        tried
    }
}

fn dotted(path: &[String]) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(".{}", path.join("."))
    }
}

/// The SDL spelling of an introspected type reference.
fn type_ref(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap_or("").to_owned(),
    }
}

/// What a response says, without what differs between any two requests (request ids) or names
/// the id that was sent.
fn answer(response: &Response) -> Value {
    let mut body = response.body.clone();
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            if let Some(ext) = error.get_mut("extensions").and_then(Value::as_object_mut) {
                ext.remove("requestId");
            }
            if let Some(obj) = error.as_object_mut() {
                obj.remove("locations");
            }
        }
    }
    json!({ "status": response.status, "body": body })
}

/// Why an attack counts as failed, if it does: it succeeded, it was refused with a code that
/// is no refusal, or its answer told it apart from a missing id's.
fn compare(what: &str, attacked: &Response, missing: &Response, mutation: bool) -> Option<String> {
    let codes = attacked.error_codes();
    if mutation && codes.is_empty() {
        return Some(format!("{what}: SUCCEEDED: {}", attacked.body));
    }
    if mutation && !codes.iter().all(|c| REFUSALS.contains(&c.as_str())) {
        return Some(format!(
            "{what}: refused with {codes:?}, not {REFUSALS:?}: {}",
            attacked.body
        ));
    }
    let (a, m) = (answer(attacked), answer(missing));
    (a != m).then(|| format!("{what}: answered\n    {a}\n  but a missing id got\n    {m}"))
}
