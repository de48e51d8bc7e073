//! The county console (issue 12), served by the hub to county staff in a browser. So far its
//! core, which knows no HTTP: [`accounts`] (staff, roles, departments, passwords, lock-out) and
//! [`sessions`] (cookie tokens, CSRF tokens, idle and absolute expiry). Accounts are made on
//! the hub host with `banshi hub user …`.

pub mod accounts;
pub mod sessions;
