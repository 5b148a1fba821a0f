//! Decoder of the pgoutput logical replication protocol (being written).
