//! vigie-detect
