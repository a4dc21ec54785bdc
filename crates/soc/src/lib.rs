//! vigie-soc
