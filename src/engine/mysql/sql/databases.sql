SELECT SCHEMA_NAME FROM information_schema.SCHEMATA
WHERE SCHEMA_NAME NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys', 'oceanbase', '__recyclebin', 'LBACSYS', 'ORAAUDITOR', 'SYS', '__public', 'METRICS_SCHEMA', 'INFORMATION_SCHEMA', 'PERFORMANCE_SCHEMA')
ORDER BY SCHEMA_NAME
