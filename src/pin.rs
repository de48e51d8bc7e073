//! The technician PIN: stored in the config only as a salted PBKDF2-HMAC-SHA256 hash
//! (`pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX`), made with `banshi pin-hash`.

use std::num::NonZeroU32;

use aws_lc_rs::pbkdf2;

const ALGORITHM: &str = "pbkdf2-sha256";
const ITERATIONS: u32 = 200_000;
const LEN: usize = 32;

/// Checks a PIN's shape: 4 to 12 digits.
pub fn check_pin(pin: &str) -> Result<(), String> {
    if (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("技术员 PIN 要是 4 到 12 位数字。".into())
    }
}

/// Hashes `pin` with a fresh random salt.
pub fn hash(pin: &str) -> String {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).expect("system random numbers");
    let mut out = [0u8; LEN];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(ITERATIONS).unwrap(),
        &salt,
        pin.as_bytes(),
        &mut out,
    );
    format!(
        "{ALGORITHM}${ITERATIONS}${}${}",
        hex::encode(salt),
        hex::encode(out)
    )
}

struct Parsed {
    iterations: NonZeroU32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn parse(stored: &str) -> Option<Parsed> {
    let mut parts = stored.split('$');
    if parts.next()? != ALGORITHM {
        return None;
    }
    let iterations = NonZeroU32::new(parts.next()?.parse().ok()?)?;
    let salt = hex::decode(parts.next()?).ok()?;
    let hash = hex::decode(parts.next()?).ok()?;
    (parts.next().is_none() && salt.len() >= 8 && hash.len() == LEN).then_some(Parsed {
        iterations,
        salt,
        hash,
    })
}

/// Whether a stored hash is well formed (for config checking).
pub fn is_valid_hash(stored: &str) -> bool {
    parse(stored).is_some()
}

/// Whether `pin` matches `stored` (constant-time comparison).
pub fn verify(pin: &str, stored: &str) -> bool {
    match parse(stored) {
        Some(p) => pbkdf2::verify(
            pbkdf2::PBKDF2_HMAC_SHA256,
            p.iterations,
            &p.salt,
            pin.as_bytes(),
            &p.hash,
        )
        .is_ok(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_pin_and_is_salted() {
        let a = hash("246810");
        assert!(is_valid_hash(&a));
        assert!(verify("246810", &a));
        assert!(!verify("246811", &a));
        assert_ne!(a, hash("246810"), "a new salt each time");
        assert!(!verify("246810", "sha1$1$00$00"));
        assert!(!is_valid_hash("246810"));
        assert!(
            check_pin("1234").is_ok() && check_pin("12a4").is_err() && check_pin("123").is_err()
        );
    }
}
