//! The directory benchmark's data: the same contacts, companies and methods on every run,
//! written straight into the database as multi-row `INSERT`s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use reach::domain::MethodType;
use sqlx::AnyConnection;

/// A contact as written: what the searches and the company filter must find.
pub(crate) struct Person {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Lower-cased addresses, as `address_key` holds them.
    pub(crate) keys: Vec<String>,
    pub(crate) all: bool,
    pub(crate) companies: Vec<usize>,
}

/// splitmix64: the same data on every run.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const FIRST: [&str; 20] = [
    "Ba", "Ce", "Di", "Fo", "Gu", "Ha", "Je", "Ki", "Lo", "Mu", "Na", "Pe", "Ri", "So", "Tu", "Va",
    "We", "Xi", "Yo", "Za",
];
const LAST: [&str; 16] = [
    "ber", "can", "dor", "fel", "gan", "hol", "jas", "kor", "lin", "mor", "nes", "par", "ros",
    "tal", "ven", "wil",
];

/// Contact `i`'s name: 400 first names times 250 last names, so below 100,000 contacts a last
/// name is on 400 of them and a full name on one.
pub(crate) fn name(i: usize) -> (String, String) {
    let (f, j) = (i % 400, (i / 400) % 250);
    let first = format!("{}{}", FIRST[f / 20], FIRST[f % 20].to_lowercase());
    let last = format!("{}{}{}", LAST[j % 16], LAST[j / 16], LAST[(j * 7 + 3) % 16]);
    (first, last[..1].to_uppercase() + &last[1..])
}

pub(crate) fn addresses(i: usize) -> [(MethodType, String); 3] {
    let (first, last) = name(i);
    let local = format!("{first}.{last}.{i}").to_lowercase();
    [
        (MethodType::Email, format!("{local}@example.com")),
        (MethodType::Sms, format!("+3460{:07}", i % 10_000_000)),
        (
            MethodType::Webhook,
            format!("https://hooks.example.net/reach/{i}"),
        ),
    ]
}

/// Contact `i`: 1 in 50 sees every company, the others 1 to 3 of them.
pub(crate) fn person(i: usize) -> Person {
    let r = mix(i as u64);
    let mut companies: Vec<usize> = (0..=r % 3)
        .map(|k| (mix(r ^ k) % COMPANIES as u64) as usize)
        .collect();
    companies.sort_unstable();
    companies.dedup();
    let (first, last) = name(i);
    Person {
        id: uuid::Uuid::now_v7().simple().to_string(),
        name: format!("{first} {last}"),
        keys: addresses(i).iter().map(|(_, a)| a.to_lowercase()).collect(),
        all: r % 50 == 0,
        companies,
    }
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Writes the companies, `n` contacts with their access and methods, and a few technicians (all
/// companies, a primary email each) in one transaction, as multi-row `INSERT`s of the columns
/// the migrations define. Everyone the account has (the admin included), and the company ids.
pub(crate) async fn seed(url: &str, n: usize) -> (Vec<Person>, Vec<String>) {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let admin = sqlx::query("SELECT id, account_id FROM contacts")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let account: String = admin.get("account_id");
    let sealer = reach::keys::Keys::derive(SECRET_KEY).sealing().clone();
    let now = chrono::Utc::now().timestamp_millis();
    let companies: Vec<String> = (0..COMPANIES).map(|_| new_id()).collect();
    let mut people: Vec<Person> = (0..n).map(person).collect();
    let [mut contacts, mut access, mut methods, mut users] = [0; 4].map(|_| Vec::<String>::new());
    let contact = |id: &str, name: &str, all: bool| {
        let key = name.to_lowercase();
        format!("('{id}', '{account}', '{name}', '{key}', {all}, NULL, NULL, {now}, {now})")
    };
    for (i, p) in people.iter().enumerate() {
        contacts.push(contact(&p.id, &p.name, p.all));
        let of = |c: &usize| format!("('{}', '{}')", p.id, companies[*c]);
        access.extend(p.companies.iter().map(of));
        for (k, (kind, address)) in addresses(i).into_iter().enumerate() {
            let id = new_id();
            let secret = match kind {
                MethodType::Webhook => format!("'{}'", sealer.seal("whsec_YmVuY2g=", &id)),
                _ => "NULL".to_owned(),
            };
            let prefs = kind.default_prefs();
            let (kind, key) = (kind.as_str(), address.to_lowercase());
            let severity = prefs.min_severity.map_or("info", |s| s.as_str());
            let (reports, at) = (prefs.reports, now + k as i64);
            methods.push(format!(
                "('{id}', '{account}', '{}', '{kind}', '{address}', '{key}', '{severity}', \
                 {reports}, 0, FALSE, FALSE, {at}, {secret})",
                p.id
            ));
        }
    }
    for u in 0..USERS {
        let (id, email, name) = (
            new_id(),
            format!("tech{u}@example.org"),
            format!("Tech {u}"),
        );
        contacts.push(contact(&id, &name, true));
        users.push(format!(
            "('{id}', '{account}', '{email}', '{email}', 'technician', {now})"
        ));
        methods.push(format!(
            "('{}', '{account}', '{id}', 'email', '{email}', '{email}', 'warning', TRUE, 0, \
             FALSE, TRUE, {now}, NULL)",
            new_id()
        ));
        let (keys, companies) = (vec![email], vec![]);
        people.push(Person {
            id,
            name,
            keys,
            all: true,
            companies,
        });
    }
    let (id, keys) = (admin.get("id"), vec!["bench@example.com".into()]);
    people.push(Person {
        id,
        name: "Bench".into(),
        keys,
        all: true,
        companies: vec![],
    });
    let company_rows = companies
        .iter()
        .enumerate()
        .map(|(i, id)| format!("('{id}', '{account}', 'Company {i:03}', 'company {i:03}', {now})"));
    let tables = [
        (
            "companies (id, account_id, name, name_key, created_at)",
            company_rows.collect(),
        ),
        (
            "contacts (id, account_id, name, name_key, all_companies, locale, timezone, \
             created_at, updated_at)",
            contacts,
        ),
        ("contact_companies (contact_id, company_id)", access),
        (
            "users (contact_id, account_id, email, email_key, role, created_at)",
            users,
        ),
        (
            "contact_methods (id, account_id, contact_id, type, address, address_key, \
             min_severity, reports, delay_minutes, verified, is_primary, created_at, secret)",
            methods,
        ),
    ];
    let mut tx = conn.begin().await.unwrap();
    for (table, rows) in &tables {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let insert = format!("INSERT INTO {table} VALUES {}", chunk.join(", "));
            tx.execute(insert.as_str()).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    // PostgreSQL's autovacuum analyzes tables this size within a minute; SQLite, where Reach
    // never runs ANALYZE, plans without statistics, as it would in production.
    if url.starts_with("postgres") {
        conn.execute("ANALYZE").await.unwrap();
    }
    (people, companies)
}
