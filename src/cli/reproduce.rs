//! `provenance verify --reproduce`.
