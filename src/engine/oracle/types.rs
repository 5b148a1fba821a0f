//! Oracle types: catalog description, value kinds, mapping to the MySQL family and PostgreSQL.
