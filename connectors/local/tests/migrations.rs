//! Upgrading a store that holds records: rows written before a migration are found by what the
//! migration adds, and read as it decides, on SQLite and (with the `postgres` feature) on
//! PostgreSQL.

use chrono::{Duration, Utc};
use partnergraph_core::filter::{CustomerFilter, CustomerOrderField};
use partnergraph_core::ids::{OrgId, ProfileId};
use partnergraph_core::model::{Customer, CustomerStatus, Profile, ProfileOwner};
use partnergraph_core::paging::{Direction, Order, PageRequest};
use partnergraph_core::permission::{BuiltInProfile, Permission};
use partnergraph_core::traits::Directory;
use partnergraph_core::Scope;
use partnergraph_demo as demo;
use partnergraph_local::LocalStore;
use partnergraph_migrations::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// The migrations before customers had term columns.
const BEFORE_TERM_COLUMNS: u32 = 3;
/// The migrations before profiles had owners.
const BEFORE_PROFILE_OWNERS: u32 = 4;

/// Writes `customers` as the store laid them out before the term columns existed.
async fn store_with_old_customer_rows(url: &str, customers: &[Customer]) {
    let db = store_before(url, BEFORE_TERM_COLUMNS).await;
    for customer in customers {
        let doc = serde_json::to_string(customer).expect("encode");
        let (distributor, billing, crm) = (
            customer.distributor_id.as_ref().map(|d| d.0.as_str()),
            customer.external.billing.as_ref().map(|b| b.0.as_str()),
            customer.external.crm.as_ref().map(|c| c.0.as_str()),
        );
        let row = [
            ("id", customer.id.as_str().into()),
            ("doc", doc.into()),
            ("partner_id", customer.partner_id.as_str().into()),
            ("distributor_id", distributor.into()),
            ("billing_id", billing.into()),
            ("crm_id", crm.into()),
        ];
        insert_old_row(&db, "customers", row).await;
    }
}

/// A database with the first `migrations` migrations: a store of that age.
async fn store_before(url: &str, migrations: u32) -> DatabaseConnection {
    let db = Database::connect(url).await.expect("connect");
    Migrator::up(&db, Some(migrations))
        .await
        .expect("the earlier migrations");
    db
}

/// Inserts `row` (each column with its value) into `table`, as a store of that age wrote its
/// rows.
async fn insert_old_row<'a>(
    db: &DatabaseConnection,
    table: &str,
    row: impl IntoIterator<Item = (&'a str, SimpleExpr)>,
) {
    let (columns, values): (Vec<_>, Vec<_>) = row
        .into_iter()
        .map(|(column, value)| (Alias::new(column), value))
        .unzip();
    let insert = Query::insert()
        .into_table(Alias::new(table))
        .columns(columns)
        .values_panic(values)
        .to_owned();
    db.execute(db.get_database_backend().build(&insert))
        .await
        .expect("insert an old row");
}

async fn customers_stored_before_the_term_columns_are_found_by_term_end_and_status(url: &str) {
    let today = Utc::now().date_naive();
    let world = demo::generate(today);
    store_with_old_customer_rows(url, &world.customers).await;
    let store = LocalStore::connect(url, 4096).await.expect("connect");
    store.migrate().await.expect("the term columns' migration");

    let (from, to) = (today + Duration::days(20), today + Duration::days(200));
    let filter = CustomerFilter {
        expires_after: Some(from),
        expires_before: Some(to),
        status: Some(CustomerStatus::Active),
        ..CustomerFilter::default()
    };
    let expected: Vec<&str> = world
        .customers
        .iter()
        .filter(|c| c.status == CustomerStatus::Active)
        .filter(|c| c.expires_on.is_some_and(|e| e > from && e < to))
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        !expected.is_empty() && expected.len() < world.customers.len() / 2,
        "the window picks some customers, not most: {}",
        expected.len()
    );
    let page = store
        .list_customers(
            &Scope::All,
            &filter,
            Order {
                field: CustomerOrderField::Name,
                direction: Direction::Asc,
            },
            &PageRequest::default(),
        )
        .await
        .expect("list");
    assert_eq!(page.total, expected.len() as u64);
    assert!(page.items.iter().all(|c| expected.contains(&c.id.as_str())));
}

#[tokio::test]
async fn sqlite_customers_stored_before_the_term_columns_are_found_by_term_end_and_status() {
    on_sqlite(customers_stored_before_the_term_columns_are_found_by_term_end_and_status).await;
}

/// Writes `profiles` as the store laid them out before profiles had owners: no owner column,
/// and a `built_in` flag in the record instead of its owner.
async fn store_with_old_profile_rows(url: &str, profiles: &[Profile]) {
    let db = store_before(url, BEFORE_PROFILE_OWNERS).await;
    for profile in profiles {
        let mut doc = serde_json::to_value(profile).expect("encode");
        let old = doc.as_object_mut().expect("a record is an object");
        old.remove("owner");
        old.insert("built_in".to_owned(), profile.is_built_in().into());
        let row = [
            ("id", profile.id.as_str().into()),
            ("doc", doc.to_string().into()),
        ];
        insert_old_row(&db, "profiles", row).await;
    }
}

async fn custom_profiles_stored_before_owners_become_the_platforms(url: &str) {
    let custom = Profile {
        id: ProfileId::from("profile-old-clerk"),
        code: "OLD_CLERK".to_owned(),
        name: "Old clerk".to_owned(),
        permissions: [Permission::ViewBilling, Permission::PayInvoices].into(),
        owner: ProfileOwner::Platform,
    };
    let viewer = BuiltInProfile::Viewer.profile();
    store_with_old_profile_rows(url, &[custom.clone(), viewer.clone()]).await;
    let store = LocalStore::connect(url, 4096).await.expect("connect");
    store
        .migrate()
        .await
        .expect("the profile owners' migration");

    let read = store
        .profiles(&[custom.id.clone(), viewer.id.clone()])
        .await
        .expect("the old profiles still decode");
    let owner_of = |id: &ProfileId| read.iter().find(|p| &p.id == id).map(|p| p.owner.clone());
    assert_eq!(
        owner_of(&custom.id),
        Some(ProfileOwner::Platform),
        "an unowned custom profile is the platform's: only platform admins edit it"
    );
    assert_eq!(owner_of(&viewer.id), Some(ProfileOwner::BuiltIn));
    assert_eq!(read.iter().find(|p| p.id == custom.id), Some(&custom));

    // A profile saved now keeps its organization in the new column too.
    let acme = Profile {
        id: ProfileId::from("profile-acme"),
        owner: ProfileOwner::Organization(OrgId::from("org-acme")),
        ..custom
    };
    store.save_profile(&acme).await.expect("save");
    let db = Database::connect(url).await.expect("connect");
    let select = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("profiles"))
        .and_where(sea_orm::sea_query::Expr::col(Alias::new("owner_org_id")).eq("org-acme"))
        .to_owned();
    let rows = db
        .query_all(db.get_database_backend().build(&select))
        .await
        .expect("select by owner");
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("", "id").expect("id"))
        .collect();
    assert_eq!(ids, vec!["profile-acme".to_owned()]);
}

/// A SQLite database in a temporary file.
async fn on_sqlite<F: AsyncFnOnce(&str)>(run: F) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.db").display()
    );
    run(&url).await;
}

#[tokio::test]
async fn sqlite_custom_profiles_stored_before_owners_become_the_platforms() {
    on_sqlite(custom_profiles_stored_before_owners_become_the_platforms).await;
}

/// A fresh database on the PostgreSQL server of `PARTNERGRAPH_TEST_POSTGRES_URL`, dropped after.
#[cfg(feature = "postgres")]
async fn on_postgres<F: AsyncFnOnce(&str)>(run: F) {
    let admin_url = std::env::var("PARTNERGRAPH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL is reachable (start it, or set PARTNERGRAPH_TEST_POSTGRES_URL)");
    let name = format!("pg_migrate_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create the test database");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    run(&format!("{base}/{name}")).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop the test database");
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_customers_stored_before_the_term_columns_are_found_by_term_end_and_status() {
    on_postgres(customers_stored_before_the_term_columns_are_found_by_term_end_and_status).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_custom_profiles_stored_before_owners_become_the_platforms() {
    on_postgres(custom_profiles_stored_before_owners_become_the_platforms).await;
}
