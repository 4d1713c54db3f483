//! Read policy: which records a caller may see.
