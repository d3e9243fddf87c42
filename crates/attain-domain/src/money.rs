//! Money as people read it: amounts are integers in minor units of the tenant's currency
//! (DESIGN §3), shown in whole units with thousands separators.

/// An integer with thousands separators: `-1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Decimal places of a currency's minor unit (ISO 4217): 2 unless listed.
pub fn minor_digits(currency: &str) -> i32 {
    const ZERO: &[&str] = &[
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    ];
    const THREE: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
    if ZERO.contains(&currency) {
        0
    } else if THREE.contains(&currency) {
        3
    } else {
        2
    }
}

/// An amount in minor units as whole units of the currency: `$12,346`, `-€5`, `1,200 CHF`.
pub fn money(minor: f64, currency: &str) -> String {
    if !minor.is_finite() {
        return "–".into();
    }
    let major = (minor / 10f64.powi(minor_digits(currency))).round() as i64;
    let sign = if major < 0 { "-" } else { "" };
    let amount = thousands(major.abs());
    match currency {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        "" => format!("{sign}{amount}"),
        code => format!("{sign}{amount} {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_become_whole_units_of_the_currency() {
        assert_eq!(money(1_234_567.0, "USD"), "$12,346");
        assert_eq!(money(1_500.0, "JPY"), "1,500 JPY");
        assert_eq!(money(-500.0, "EUR"), "-€5");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
    }
}
