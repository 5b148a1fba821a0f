//! LogMiner: parsing of V$LOGMNR_CONTENTS rows (SQL_REDO / SQL_UNDO) into row changes.
