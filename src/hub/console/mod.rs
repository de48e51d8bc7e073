//! The county console (issue 12), served by the hub under `/console/` to county staff in a
//! browser. The core knows no HTTP: [`accounts`] (staff, roles, departments, passwords,
//! lock-out), [`sessions`] (cookie tokens, CSRF tokens, idle and absolute expiry), [`cases`]
//! (every 差评 and suggestion followed up: states, history, deadlines, department scoping),
//! [`workdays`] (deadlines in working days with holidays and 调休), [`departments`] (guide →
//! department from the published content), [`stats`] (charts' data), [`export`] (CSV and
//! xlsx), [`health`] (a kiosk's green/amber/red and why), [`published`] (the served
//! repository's versions and changes). [`web`] is the request → response step over plain
//! values, [`pages`] one module per page, [`svg`] the charts. Accounts are made on the hub
//! host with `banshi hub user …`.

pub mod accounts;
pub mod bench;
pub mod cases;
pub mod departments;
pub mod export;
pub mod health;
pub mod lights;
pub mod pages;
pub mod published;
pub mod sessions;
pub mod stats;
pub mod svg;
pub mod web;
pub mod workdays;

#[cfg(test)]
mod tests;
