//! Write policy: which writes a caller may make to which records.
