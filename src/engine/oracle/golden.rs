//! Golden files for the Oracle conversions, in `tests/golden/oracle/`: an HR-like Oracle
//! catalog as MySQL DDL (through `oracle::types::catalog_as_mysql` and the MySQL planner) and
//! as PostgreSQL DDL (`catalog_as_postgres` and the PostgreSQL planner, source PostgreSQL),
//! and a Sakila-like MySQL catalog as Oracle and OceanBase Oracle-mode DDL (`oracle::ddl`).
//! Each case writes the plan (`.sql`: objects in order, each under a `-- key (phase)` line)
//! and the conversion report (`.md`).
//!
//! A test fails when the generated text differs from the file. After an intended change,
//! regenerate the files and review the diff before committing:
//! `OMSCTL_BLESS=1 cargo test --lib engine::oracle::golden`

use super::types::{self, RawColumnType};
use crate::config::EngineKind;
use crate::engine::{Conversion, DdlOptions, DdlPlan, Phase, Severity, TableMapping};
use crate::model::catalog::*;
use std::path::Path;

fn golden(name: &str, generated: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/oracle")
        .join(name);
    if std::env::var_os("OMSCTL_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with OMSCTL_BLESS=1", path.display()));
    if want != generated {
        let line = want
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(generated.lines().count()));
        panic!(
            "{} differs from the generated text at line {}:\n  file:      {:?}\n  generated: {:?}\nreview the change, then regenerate with OMSCTL_BLESS=1 cargo test --lib engine::oracle::golden",
            path.display(),
            line + 1,
            want.lines().nth(line),
            generated.lines().nth(line)
        );
    }
}

/// The plan as a script; `end` closes each statement (`;`, or `/` on its own line for
/// SQL*Plus, since Oracle statements carry no semicolon).
fn script(plan: &DdlPlan, end: &str) -> String {
    let mut s = String::new();
    for o in &plan.objects {
        let phase = match o.phase {
            Phase::BeforeData => "before data",
            Phase::AfterData => "after data",
            Phase::Switchover => "at switchover",
        };
        s.push_str(&format!("-- {} ({phase})\n", o.key));
        for st in &o.statements {
            s.push_str(st);
            s.push_str(end);
            s.push('\n');
        }
        s.push('\n');
    }
    s
}

fn report(report: &[Conversion]) -> String {
    let mut s = String::from("# Conversion report\n\n| object | severity | what happens |\n|---|---|---|\n");
    for r in report {
        let sev = match r.severity {
            Severity::Info => "info",
            Severity::Lossy => "lossy",
            Severity::Unsupported => "unsupported",
            Severity::Refused => "refused",
        };
        s.push_str(&format!(
            "| {} | {sev} | {} |\n",
            r.object,
            r.message.replace('|', "\\|")
        ));
    }
    s
}

const OPTS: DdlOptions = DdlOptions {
    indexes_after_data: true,
    defer_constraints: true,
    keys_after_data: false,
};

fn raw(data_type: &str) -> RawColumnType {
    RawColumnType {
        data_type: data_type.into(),
        ..Default::default()
    }
}

fn number(p: Option<u32>, s: Option<i32>) -> RawColumnType {
    RawColumnType {
        precision: p,
        scale: s,
        ..raw("NUMBER")
    }
}

fn varchar2(n: u32) -> RawColumnType {
    RawColumnType {
        data_length: n,
        char_length: n,
        char_used: Some('B'),
        ..raw("VARCHAR2")
    }
}

fn ora(name: &str, r: RawColumnType) -> Column {
    let (data_type, column_type, kind) = types::describe(&r);
    Column {
        name: name.into(),
        data_type,
        column_type,
        kind,
        nullable: true,
        default: ColumnDefault::None,
        auto_increment: false,
        on_update: None,
        generated: None,
        charset: None,
        collation: None,
        comment: String::new(),
        labels: Vec::new(),
    }
}

fn not_null(mut c: Column) -> Column {
    c.nullable = false;
    c
}

fn default(mut c: Column, d: &str) -> Column {
    c.default = ColumnDefault::Expression(d.into());
    c
}

fn index(name: &str, kind: IndexKind, cols: &[&str]) -> Index {
    Index {
        name: name.into(),
        kind,
        columns: cols
            .iter()
            .map(|c| {
                let (name, sub_part) = match c.split_once('(') {
                    Some((n, len)) => (n, len.trim_end_matches(')').parse().ok()),
                    None => (*c, None),
                };
                IndexColumn {
                    name: name.into(),
                    sub_part,
                    descending: false,
                }
            })
            .collect(),
        comment: String::new(),
    }
}

fn check(name: &str, expression: &str) -> CheckConstraint {
    CheckConstraint {
        name: name.into(),
        expression: expression.into(),
    }
}

fn fk(name: &str, cols: &[&str], table: TableId, ref_cols: &[&str], on_delete: &str, on_update: &str) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        columns: cols.iter().map(|c| c.to_string()).collect(),
        ref_table: table,
        ref_columns: ref_cols.iter().map(|c| c.to_string()).collect(),
        on_update: on_update.into(),
        on_delete: on_delete.into(),
    }
}

fn table(id: TableId, columns: Vec<Column>) -> Table {
    Table {
        id,
        columns,
        indexes: vec![],
        foreign_keys: vec![],
        checks: vec![],
        triggers: vec![],
        comment: String::new(),
        charset: None,
        collation: None,
        auto_increment: None,
        row_estimate: 0,
        data_bytes: 0,
    }
}

/// Oracle's HR sample schema, widened with one column of every type family.
fn hr() -> Catalog {
    let dept_id = TableId::new("HR", "DEPARTMENTS");
    let emp_id = TableId::new("HR", "EMPLOYEES");
    let mut departments = table(
        dept_id.clone(),
        vec![
            not_null(ora("DEPARTMENT_ID", number(Some(4), Some(0)))),
            not_null(ora("DEPARTMENT_NAME", varchar2(30))),
            ora("MANAGER_ID", number(Some(6), Some(0))),
            ora("LOCATION_ID", number(Some(4), Some(0))),
        ],
    );
    departments.comment = "Departments of the company; references employees and locations.".into();
    departments.indexes = vec![index("DEPT_ID_PK", IndexKind::Primary, &["DEPARTMENT_ID"])];
    departments.checks = vec![check("SYS_C007001", "\"DEPARTMENT_NAME\" IS NOT NULL")];

    let mut employee_id = not_null(ora("EMPLOYEE_ID", number(Some(6), Some(0))));
    employee_id.auto_increment = true;
    employee_id.comment = "Primary key of employees table.".into();
    let mut annual = ora("ANNUAL_SALARY", number(None, None));
    annual.generated = Some(("\"SALARY\"*12".into(), false));
    let mut employees = table(
        emp_id.clone(),
        vec![
            employee_id,
            ora("FIRST_NAME", varchar2(20)),
            not_null(ora("LAST_NAME", varchar2(25))),
            not_null(ora("EMAIL", varchar2(25))),
            ora("PHONE_NUMBER", varchar2(20)),
            not_null(default(ora("HIRE_DATE", raw("DATE")), "SYSDATE ")),
            not_null(ora("JOB_ID", varchar2(10))),
            ora("SALARY", number(Some(8), Some(2))),
            ora("COMMISSION_PCT", number(Some(2), Some(2))),
            ora("MANAGER_ID", number(Some(6), Some(0))),
            ora("DEPARTMENT_ID", number(Some(4), Some(0))),
            not_null(default(
                ora(
                    "STATUS",
                    RawColumnType {
                        data_length: 4,
                        char_length: 1,
                        char_used: Some('C'),
                        ..raw("CHAR")
                    },
                ),
                "'A'",
            )),
            ora(
                "NICKNAME",
                RawColumnType {
                    data_length: 100,
                    char_length: 50,
                    char_used: Some('C'),
                    ..raw("NVARCHAR2")
                },
            ),
            ora("RESUME", raw("CLOB")),
            ora("PHOTO", raw("BLOB")),
            ora(
                "BADGE",
                RawColumnType {
                    data_length: 16,
                    ..raw("RAW")
                },
            ),
            default(
                ora(
                    "UPDATED_AT",
                    RawColumnType {
                        scale: Some(6),
                        ..raw("TIMESTAMP(6) WITH TIME ZONE")
                    },
                ),
                "SYSTIMESTAMP",
            ),
            ora(
                "LAST_LOGIN",
                RawColumnType {
                    scale: Some(6),
                    ..raw("TIMESTAMP(6) WITH LOCAL TIME ZONE")
                },
            ),
            ora(
                "CREATED_AT",
                RawColumnType {
                    scale: Some(9),
                    ..raw("TIMESTAMP(9)")
                },
            ),
            ora("BONUS_RATE", raw("BINARY_DOUBLE")),
            ora("RATING", raw("BINARY_FLOAT")),
            ora(
                "SCORE",
                RawColumnType {
                    precision: Some(126),
                    ..raw("FLOAT")
                },
            ),
            ora("BALANCE", number(None, None)),
            ora(
                "PROBATION",
                RawColumnType {
                    precision: Some(2),
                    scale: Some(6),
                    ..raw("INTERVAL DAY(2) TO SECOND(6)")
                },
            ),
            ora(
                "TENURE",
                RawColumnType {
                    precision: Some(2),
                    scale: Some(0),
                    ..raw("INTERVAL YEAR(2) TO MONTH")
                },
            ),
            ora("PROFILE", raw("XMLTYPE")),
            ora("PREFS", raw("JSON")),
            ora("OFFICE", raw("SDO_GEOMETRY")),
            default(
                ora("LEGACY_NO", number(Some(10), Some(0))),
                "\"HR\".\"EMP_SEQ\".\"NEXTVAL\"",
            ),
            annual,
        ],
    );
    employees.comment = "Employees; EMPLOYEE_ID is an identity column.".into();
    employees.indexes = vec![
        index("EMP_EMP_ID_PK", IndexKind::Primary, &["EMPLOYEE_ID"]),
        index("EMP_EMAIL_UK", IndexKind::Unique, &["EMAIL"]),
        index("EMP_DEPARTMENT_IX", IndexKind::Plain, &["DEPARTMENT_ID"]),
        index("EMP_MANAGER_IX", IndexKind::Plain, &["MANAGER_ID"]),
        index("EMP_NAME_IX", IndexKind::Plain, &["LAST_NAME", "FIRST_NAME"]),
    ];
    employees.checks = vec![
        check("SYS_C007010", "\"LAST_NAME\" IS NOT NULL"),
        check("SYS_C007011", "\"EMAIL\" IS NOT NULL"),
        check("EMP_SALARY_MIN", "salary > 0"),
        check("EMP_STATUS_CK", "status IN ('A','I')"),
        check("EMP_EMAIL_FMT", "REGEXP_LIKE(email, '^[A-Z0-9._%+-]+$')"),
    ];
    employees.foreign_keys = vec![
        fk(
            "EMP_DEPT_FK",
            &["DEPARTMENT_ID"],
            dept_id.clone(),
            &["DEPARTMENT_ID"],
            "SET NULL",
            "NO ACTION",
        ),
        fk(
            "EMP_MANAGER_FK",
            &["MANAGER_ID"],
            emp_id.clone(),
            &["EMPLOYEE_ID"],
            "NO ACTION",
            "NO ACTION",
        ),
    ];
    employees.triggers = vec![Trigger {
        name: "UPDATE_JOB_HISTORY".into(),
        timing: "AFTER".into(),
        event: "UPDATE".into(),
        statement:
            "BEGIN add_job_history(:old.employee_id, :old.hire_date, sysdate, :old.job_id, :old.department_id); END;"
                .into(),
    }];
    Catalog {
        tables: vec![departments, employees],
        views: vec![View {
            id: TableId::new("HR", "EMP_DETAILS_VIEW"),
            definition: "SELECT e.employee_id, d.department_name FROM employees e, departments d WHERE e.department_id = d.department_id".into(),
            check_option: "NONE".into(),
            security: "DEFINER".into(),
        }],
        unsupported: vec![],
    }
}

fn mappings(catalog: &Catalog, schema: &str) -> Vec<TableMapping> {
    catalog
        .tables
        .iter()
        .map(|t| TableMapping {
            source: t.id.clone(),
            target: TableId::new(schema, &t.id.name),
            exclude_columns: vec![],
        })
        .collect()
}

#[test]
fn hr_into_mysql_matches_the_golden_files() {
    let source = hr();
    let (catalog, notes) = types::catalog_as_mysql(&source);
    let mut plan = crate::engine::mysql::ddl::plan(
        &catalog,
        crate::engine::mysql::Flavor::MySql,
        crate::engine::mysql::Flavor::MySql,
        &mappings(&source, "hr"),
        &OPTS,
    );
    plan.report.splice(0..0, notes);
    golden("hr-to-mysql.sql", &script(&plan, ";"));
    golden("hr-to-mysql.md", &report(&plan.report));
}

#[test]
fn hr_into_postgres_matches_the_golden_files() {
    let source = hr();
    let (catalog, notes) = types::catalog_as_postgres(&source);
    let mut plan = crate::engine::postgres::ddl::plan(&catalog, EngineKind::Postgres, &mappings(&source, "hr"), &OPTS);
    plan.report.splice(0..0, notes);
    golden("hr-to-postgres.sql", &script(&plan, ";"));
    golden("hr-to-postgres.md", &report(&plan.report));
}

/// A MySQL column as the MySQL catalog reader describes it.
fn my(name: &str, column_type: &str) -> Column {
    let data_type = column_type.split(['(', ' ']).next().unwrap_or(column_type).to_string();
    let kind = crate::engine::mysql::value_kind(&data_type);
    let text = matches!(kind, ValueKind::Text | ValueKind::Enum | ValueKind::Set);
    Column {
        name: name.into(),
        data_type,
        column_type: column_type.into(),
        kind,
        nullable: true,
        default: ColumnDefault::None,
        auto_increment: false,
        on_update: None,
        generated: None,
        charset: text.then(|| "utf8mb4".into()),
        collation: text.then(|| "utf8mb4_0900_ai_ci".into()),
        comment: String::new(),
        labels: Vec::new(),
    }
}

fn literal(mut c: Column, v: &str) -> Column {
    c.default = ColumnDefault::Literal(v.into());
    c
}

fn auto(mut c: Column) -> Column {
    c.auto_increment = true;
    c.nullable = false;
    c
}

fn updated(mut c: Column) -> Column {
    c.nullable = false;
    c.default = ColumnDefault::Expression("CURRENT_TIMESTAMP".into());
    c.on_update = Some("CURRENT_TIMESTAMP".into());
    c
}

/// MySQL's Sakila sample, trimmed, with a table holding the types Sakila lacks.
fn sakila() -> Catalog {
    let id = |n: &str| TableId::new("sakila", n);
    let mut actor = table(
        id("actor"),
        vec![
            auto(my("actor_id", "smallint unsigned")),
            not_null(my("first_name", "varchar(45)")),
            not_null(my("last_name", "varchar(45)")),
            updated(my("last_update", "timestamp")),
        ],
    );
    actor.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["actor_id"]),
        index("idx_actor_last_name", IndexKind::Plain, &["last_name"]),
    ];
    actor.auto_increment = Some(201);
    actor.collation = Some("utf8mb4_0900_ai_ci".into());
    actor.charset = Some("utf8mb4".into());

    let mut address = table(
        id("address"),
        vec![
            auto(my("address_id", "smallint unsigned")),
            not_null(my("address", "varchar(50)")),
            my("address2", "varchar(50)"),
            not_null(my("district", "varchar(20)")),
            my("postal_code", "varchar(10)"),
            not_null(my("phone", "varchar(20)")),
            not_null(my("location", "geometry")),
            updated(my("last_update", "timestamp")),
        ],
    );
    address.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["address_id"]),
        index("idx_location", IndexKind::Spatial, &["location"]),
    ];

    let mut rating = literal(my("rating", "enum('G','PG','PG-13','R','NC-17')"), "G");
    rating.comment = "MPAA rating".into();
    let mut film = table(
        id("film"),
        vec![
            auto(my("film_id", "smallint unsigned")),
            not_null(my("title", "varchar(128)")),
            my("description", "text"),
            my("release_year", "year"),
            not_null(my("language_id", "tinyint unsigned")),
            not_null(literal(my("rental_duration", "tinyint unsigned"), "3")),
            not_null(literal(my("rental_rate", "decimal(4,2)"), "4.99")),
            my("length", "smallint unsigned"),
            not_null(literal(my("replacement_cost", "decimal(5,2)"), "19.99")),
            rating,
            my(
                "special_features",
                "set('Trailers','Commentaries','Deleted Scenes','Behind the Scenes')",
            ),
            updated(my("last_update", "timestamp")),
        ],
    );
    film.comment = "Films in the catalogue".into();
    film.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["film_id"]),
        index("idx_title", IndexKind::Plain, &["title"]),
        index("idx_fk_language_id", IndexKind::Plain, &["language_id"]),
    ];
    film.foreign_keys = vec![fk(
        "fk_film_language",
        &["language_id"],
        id("language"),
        &["language_id"],
        "RESTRICT",
        "CASCADE",
    )];
    film.triggers = vec![Trigger {
        name: "ins_film".into(),
        timing: "AFTER".into(),
        event: "INSERT".into(),
        statement: "BEGIN INSERT INTO film_text (film_id, title, description) VALUES (new.film_id, new.title, new.description); END".into(),
    }];

    let mut film_actor = table(
        id("film_actor"),
        vec![
            not_null(my("actor_id", "smallint unsigned")),
            not_null(my("film_id", "smallint unsigned")),
            updated(my("last_update", "timestamp")),
        ],
    );
    film_actor.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["actor_id", "film_id"]),
        index("idx_fk_film_id", IndexKind::Plain, &["film_id"]),
    ];
    film_actor.foreign_keys = vec![
        fk(
            "fk_film_actor_actor",
            &["actor_id"],
            id("actor"),
            &["actor_id"],
            "RESTRICT",
            "CASCADE",
        ),
        fk(
            "fk_film_actor_film",
            &["film_id"],
            id("film"),
            &["film_id"],
            "RESTRICT",
            "CASCADE",
        ),
    ];

    let mut film_text = table(
        id("film_text"),
        vec![
            not_null(my("film_id", "smallint")),
            not_null(my("title", "varchar(255)")),
            my("description", "text"),
        ],
    );
    film_text.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["film_id"]),
        index("idx_title_description", IndexKind::Fulltext, &["title", "description"]),
    ];

    let mut payment = table(
        id("payment"),
        vec![
            auto(my("payment_id", "smallint unsigned")),
            not_null(my("customer_id", "smallint unsigned")),
            my("staff_id", "tinyint unsigned"),
            my("rental_id", "int"),
            not_null(my("amount", "decimal(5,2)")),
            not_null(my("payment_date", "datetime")),
            updated(my("last_update", "timestamp")),
        ],
    );
    payment.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["payment_id"]),
        index("fk_payment_rental", IndexKind::Plain, &["rental_id"]),
    ];
    payment.checks = vec![check("payment_chk_1", "(`amount` >= 0)")];
    payment.foreign_keys = vec![fk(
        "fk_payment_rental",
        &["rental_id"],
        id("rental"),
        &["rental_id"],
        "SET NULL",
        "CASCADE",
    )];

    let mut rental = table(
        id("rental"),
        vec![
            auto(my("rental_id", "int")),
            not_null(my("rental_date", "datetime")),
            not_null(my("inventory_id", "mediumint unsigned")),
            not_null(my("customer_id", "smallint unsigned")),
            my("return_date", "datetime"),
            not_null(my("staff_id", "tinyint unsigned")),
            updated(my("last_update", "timestamp")),
        ],
    );
    rental.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["rental_id"]),
        index(
            "rental_date",
            IndexKind::Unique,
            &["rental_date", "inventory_id", "customer_id"],
        ),
        index("idx_fk_inventory_id", IndexKind::Plain, &["inventory_id"]),
    ];

    let mut password = my("password", "varbinary(40)");
    password.comment = "SHA1 of the password".into();
    let mut staff = table(
        id("staff"),
        vec![
            auto(my("staff_id", "tinyint unsigned")),
            not_null(my("first_name", "varchar(45)")),
            my("picture", "blob"),
            my("email", "varchar(50)"),
            not_null(literal(my("active", "tinyint(1)"), "1")),
            not_null(my("username", "varchar(16)")),
            password,
            updated(my("last_update", "timestamp")),
        ],
    );
    staff.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["staff_id"]),
        index("idx_email", IndexKind::Unique, &["email(20)"]),
    ];

    let mut zoo_total = my("total", "decimal(12,2)");
    zoo_total.generated = Some(("(`price` * `qty`)".into(), false));
    let mut zoo_slug = my("slug", "varchar(64)");
    zoo_slug.generated = Some(("lower(`name`)".into(), true));
    let mut zoo_doc = my("doc", "json");
    zoo_doc.charset = None;
    zoo_doc.collation = None;
    let mut zoo = table(
        id("type_zoo"),
        vec![
            not_null(my("id", "bigint unsigned")),
            my("tiny", "tinyint"),
            my("medium", "mediumint unsigned"),
            my("flags", "bit(12)"),
            my("price", "decimal(10,2)"),
            my("qty", "int"),
            zoo_total,
            my("huge", "decimal(65,30)"),
            my("ratio", "float"),
            my("score", "double"),
            my("name", "varchar(200)"),
            zoo_slug,
            my("code", "char(3)"),
            my("wide", "varchar(2000)"),
            my("widest", "varchar(5000)"),
            my("body", "longtext"),
            my("hash", "binary(16)"),
            my("blob_ish", "varbinary(3000)"),
            my("born", "date"),
            literal(my("seen", "datetime(6)"), "2000-01-01 00:00:00.000000"),
            my("duration", "time(3)"),
            not_null(zoo_doc),
            my("state", "enum('','on','off')"),
        ],
    );
    zoo.indexes = vec![
        index("PRIMARY", IndexKind::Primary, &["id"]),
        index("name_uk", IndexKind::Unique, &["name"]),
        index("name_dup", IndexKind::Plain, &["name"]),
        index("body_prefix", IndexKind::Plain, &["body(100)"]),
        index("price_qty", IndexKind::Unique, &["price", "qty"]),
    ];
    zoo.checks = vec![check("type_zoo_chk_1", "(`qty` between 0 and 1000)")];

    Catalog {
        tables: vec![actor, address, film, film_actor, film_text, payment, rental, staff, zoo],
        views: vec![View {
            id: id("film_list"),
            definition: "select `film`.`film_id` AS `FID`, `film`.`title` AS `title` from `film`".into(),
            check_option: "NONE".into(),
            security: "DEFINER".into(),
        }],
        unsupported: vec![Unsupported {
            object: "routine sakila.rewards_report".into(),
            reason: "stored routines are not migrated".into(),
        }],
    }
}

#[test]
fn sakila_into_oracle_matches_the_golden_files() {
    let source = sakila();
    let plan = super::ddl::plan(&source, &mappings(&source, "SAKILA"), &OPTS, false);
    golden("sakila-to-oracle.sql", &script(&plan, "\n/"));
    golden("sakila-to-oracle.md", &report(&plan.report));
}

#[test]
fn sakila_into_oceanbase_oracle_mode_matches_the_golden_files() {
    let source = sakila();
    let opts = DdlOptions {
        indexes_after_data: false,
        defer_constraints: false,
        keys_after_data: false,
    };
    let plan = super::ddl::plan(&source, &mappings(&source, "SAKILA"), &opts, true);
    golden("sakila-to-oceanbase-oracle.sql", &script(&plan, "\n/"));
    golden("sakila-to-oceanbase-oracle.md", &report(&plan.report));
}
