//! vigie-log
