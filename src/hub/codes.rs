//! One-time enrolment codes (`banshi hub code`): 16 letters and digits in four groups
//! (`K7QM-2XPA-…`), easy to copy into `kiosk.toml`, with 80 bits of chance. The hub keeps only
//! their SHA-256, so a copy of its database does not let anyone enrol.

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A fresh code.
pub fn generate() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system's random source works");
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as stored: upper case, without hyphens or spaces, hashed.
pub fn hash(code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .flat_map(char::to_uppercase)
        .collect();
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, plain.as_bytes()).as_ref())
}

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("区划代码 {0} 不对：要写 12 位区划代码，例如县 439021000000。")]
    Region(String),
    #[error("有效期 {0} 不对：写成 年-月-日，例如 2027-01-31。")]
    Day(String),
    #[error("有效期 {0} 已经过去了：写今天或以后的日期。")]
    Past(String),
    #[error(transparent)]
    Db(#[from] super::sql::DbError),
}

/// Issues a code for one kiosk in `region`, usable until the end of day `expires`
/// (`YYYY-MM-DD`); the code itself is returned once and only its hash is stored.
pub fn issue(
    db: &mut dyn super::sql::Db,
    region: &str,
    expires: &str,
    now: i64,
) -> Result<String, CodeError> {
    if !is_region(region) {
        return Err(CodeError::Region(region.to_string()));
    }
    let day = chrono::NaiveDate::parse_from_str(expires, "%Y-%m-%d")
        .map_err(|_| CodeError::Day(expires.to_string()))?;
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.with_timezone(&chrono::Local).date_naive())
        .unwrap_or_default();
    if day < today {
        return Err(CodeError::Past(expires.to_string()));
    }
    let code = generate();
    db.exec(
        "INSERT INTO enrol_code (hash, region, expires, created_at) VALUES ($1, $2, $3, $4)",
        &[
            hash(&code).into(),
            region.into(),
            day.format("%Y-%m-%d").to_string().into(),
            now.into(),
        ],
    )?;
    Ok(code)
}

/// A 12-digit region code (province 2, city 2, county 2, town 3, village 3 digits).
pub fn is_region(r: &str) -> bool {
    r.len() == 12 && r.bytes().all(|b| b.is_ascii_digit())
}

/// Whether region `inner` lies within `outer` (the same, or a town or village of it): the
/// levels `outer` leaves at zero are free.
pub fn region_contains(outer: &str, inner: &str) -> bool {
    if !is_region(outer) || !is_region(inner) {
        return false;
    }
    let kept = [2, 4, 6, 9, 12]
        .into_iter()
        .find(|&n| outer[n..].bytes().all(|b| b == b'0'))
        .unwrap_or(12);
    inner[..kept] == outer[..kept]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_hashed_as_typed_loosely() {
        let c = generate();
        assert_eq!(c.len(), 19);
        assert_eq!(c.matches('-').count(), 3);
        assert_ne!(generate(), c);
        assert_eq!(hash(&c), hash(&c.replace('-', " ").to_lowercase()));
        assert_ne!(hash(&c), hash(&generate()));
    }

    #[test]
    fn a_county_code_covers_its_towns_and_villages_only() {
        assert!(region_contains("439021000000", "439021101201"));
        assert!(region_contains("439021000000", "439021000000"));
        assert!(region_contains("439021101000", "439021101201"));
        assert!(!region_contains("439021101000", "439021102201"));
        assert!(!region_contains("439021000000", "439022101201"));
        assert!(!region_contains("439021000000", "4390"));
    }
}
