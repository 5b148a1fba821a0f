//! DDL for an Oracle target (Oracle, OceanBase Oracle mode).
