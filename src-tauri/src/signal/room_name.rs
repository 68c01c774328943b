//! Room names easy to say aloud ("calm-otter-42"), made in one place: for
//! `lancall host` without `--room`, and for the client, which asks for one
//! (`GET /room-name` from a host's page, the `room_name` command in the app).

use rand::seq::IndexedRandom;
use rand::Rng;

const ADJECTIVES: [&str; 12] =
    ["calm", "bright", "quiet", "amber", "misty", "sunny", "swift", "gentle", "silver", "cosy", "lucky", "brave"];
const NOUNS: [&str; 12] =
    ["otter", "maple", "harbor", "falcon", "meadow", "comet", "river", "pine", "lantern", "willow", "panda", "island"];

/// A fresh name: adjective, noun and a number from 10 to 99.
pub fn spoken() -> String {
    let mut rng = rand::rng();
    let adjective = ADJECTIVES.choose(&mut rng).copied().unwrap_or("calm");
    let noun = NOUNS.choose(&mut rng).copied().unwrap_or("otter");
    format!("{adjective}-{noun}-{}", rng.random_range(10..100))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name made is a valid room id of the expected shape.
    #[test]
    fn names_are_valid_room_ids() {
        for _ in 0..200 {
            let room = spoken();
            super::super::protocol::validate_room_id(&room, 64).unwrap();
            let parts: Vec<&str> = room.split('-').collect();
            assert!(ADJECTIVES.contains(&parts[0]) && NOUNS.contains(&parts[1]), "{room}");
            assert!((10..100).contains(&parts[2].parse::<u32>().unwrap()), "{room}");
        }
    }
}
