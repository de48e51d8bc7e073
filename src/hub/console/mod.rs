//! The county console (issue 12), served by the hub to county staff in a browser. Its core,
//! which knows no HTTP: [`accounts`] (staff, roles, departments, passwords, lock-out),
//! [`sessions`] (cookie tokens, CSRF tokens, idle and absolute expiry), [`cases`] (every 差评
//! and suggestion followed up: states, history, deadlines, department scoping), [`workdays`]
//! (deadlines in working days with holidays and 调休), [`departments`] (guide → department
//! from the published content), [`stats`] (charts' data) and [`export`] (CSV and xlsx).
//! Accounts are made on the hub host with `banshi hub user …`.

pub mod accounts;
pub mod bench;
pub mod cases;
pub mod departments;
pub mod export;
pub mod sessions;
pub mod stats;
pub mod workdays;
