//! Room names easy to say aloud ("wobble-pasta-embassy-4821"), made in one
//! place: for `lancall host` without `--room`, and for the client, which asks
//! for one (`GET /room-name` from a host's page, the `room_name` command in
//! the app).
//!
//! A made-up name is also what keeps strangers on the LAN out of a room
//! without a passcode, so it must not be guessed: three words of the EFF's
//! large wordlist (7,772 words here, 12.92 bits each) and four digits (13.29
//! bits) make 52.1 bits, over 4 * 10^15 names. Every part is drawn uniformly
//! by `rand::rng()`, a CSPRNG (ChaCha12 seeded and reseeded from the OS).

use std::sync::OnceLock;

use rand::seq::IndexedRandom;
use rand::Rng;

/// How many words a name has.
const WORDS: usize = 3;
/// The number after the words: `0000` to `9999`.
const DIGITS: u32 = 4;

/// The word list, one word a line, `#` lines its source and licence.
const WORD_LIST: &str = include_str!("room_words.txt");

fn words() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        WORD_LIST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

/// A fresh name: three words and a four-digit number, joined by `-`.
pub fn spoken() -> String {
    let mut rng = rand::rng();
    let mut name = String::with_capacity(40);
    for _ in 0..WORDS {
        name.push_str(words().choose(&mut rng).copied().unwrap_or("room"));
        name.push('-');
    }
    let n = rng.random_range(0..10u32.pow(DIGITS));
    name.push_str(&format!("{n:0width$}", width = DIGITS as usize));
    name
}

/// The entropy of a name in bits: what [`spoken`] draws from.
pub fn entropy_bits() -> f64 {
    WORDS as f64 * (words().len() as f64).log2() + f64::from(10u32.pow(DIGITS)).log2()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::protocol::validate_room_id;

    /// Names can't be guessed: at least 48 bits, counted from the list's size.
    #[test]
    fn names_carry_at_least_48_bits() {
        let bits = entropy_bits();
        assert!(bits >= 48.0, "{bits:.1} bits");
        // The list is what it says: distinct lowercase words without a hyphen.
        let list = words();
        let distinct: std::collections::HashSet<_> = list.iter().collect();
        assert_eq!(distinct.len(), list.len(), "a word twice");
        assert!(list.iter().all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())));
        assert!(list.len() >= 7000, "{} words", list.len());
    }

    /// The longest name possible is a valid room id of at most 64 characters.
    #[test]
    fn the_longest_name_is_a_valid_room_id() {
        let longest = words().iter().max_by_key(|w| w.len()).unwrap();
        let name = format!("{0}-{0}-{0}-9999", longest);
        assert!(name.len() <= 64, "{name}");
        validate_room_id(&name, 64).unwrap();
    }

    /// Every name made is a valid room id of the expected shape, and ten
    /// thousand draws give ten thousand names.
    #[test]
    fn names_are_valid_distinct_room_ids() {
        let list: std::collections::HashSet<&str> = words().iter().copied().collect();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let room = spoken();
            validate_room_id(&room, 64).unwrap();
            let parts: Vec<&str> = room.split('-').collect();
            assert_eq!(parts.len(), WORDS + 1, "{room}");
            assert!(parts[..WORDS].iter().all(|w| list.contains(w)), "{room}");
            assert!(parts[WORDS].len() == DIGITS as usize && parts[WORDS].bytes().all(|b| b.is_ascii_digit()), "{room}");
            assert!(seen.insert(room.clone()), "{room} drawn twice");
        }
    }
}
