//! The county console (issue 12), served by the hub under `/console/` to county staff in a
//! browser. The core knows no HTTP: [`accounts`] (staff, roles, departments, passwords,
//! lock-out), [`sessions`] (cookie tokens, CSRF tokens, idle and absolute expiry), [`health`]
//! (a kiosk's green/amber/red and why), [`published`] (what the served repository holds);
//! [`web`] is the request → response step over plain values, [`pages`] one module per page,
//! [`svg`] the charts. Accounts are made on the hub host with `banshi hub user …`.

pub mod accounts;
pub mod health;
pub mod pages;
pub mod published;
pub mod sessions;
pub mod svg;
pub mod web;

#[cfg(test)]
mod tests;
