//! The identity keys met so far in an import (customer_code, phone, email as
//! 64-bit hashes) and the first row holding each: an open-addressing table of
//! 12 bytes a slot, sized once from the file's row count, because a std
//! HashMap costs 17 bytes a slot, rounds up to a power of two and doubles
//! while it grows: for a million-row file that alone went past 100 MiB.

pub struct Seen {
    keys: Vec<u64>,
    rows: Vec<u32>,
    len: usize,
}

/// Slots stay at most 70% full.
const LOAD: (usize, usize) = (7, 10);

impl Seen {
    pub fn with_capacity(keys: usize) -> Seen {
        // Room for `keys` without growing (growing doubles the table while
        // the old one is still alive: the peak this type exists to avoid).
        let slots = keys * LOAD.1 / LOAD.0 + 64;
        Seen {
            keys: vec![0; slots],
            rows: vec![0; slots],
            len: 0,
        }
    }

    fn slot(&self, key: u64) -> usize {
        // Lemire's range reduction: maps the hash onto any table size.
        ((u128::from(key) * self.keys.len() as u128) >> 64) as usize
    }

    /// 0 marks an empty slot, so no key may be 0.
    fn stored(key: u64) -> u64 {
        key.max(1)
    }

    pub fn get(&self, key: u64) -> Option<u32> {
        let key = Self::stored(key);
        let mut i = self.slot(key);
        loop {
            match self.keys[i] {
                0 => return None,
                k if k == key => return Some(self.rows[i]),
                _ => i = (i + 1) % self.keys.len(),
            }
        }
    }

    /// Keeps the first row for a key.
    pub fn insert(&mut self, key: u64, row: u32) {
        if (self.len + 1) * LOAD.1 > self.keys.len() * LOAD.0 {
            self.grow();
        }
        let key = Self::stored(key);
        let mut i = self.slot(key);
        loop {
            match self.keys[i] {
                0 => {
                    self.keys[i] = key;
                    self.rows[i] = row;
                    self.len += 1;
                    return;
                }
                k if k == key => return,
                _ => i = (i + 1) % self.keys.len(),
            }
        }
    }

    fn grow(&mut self) {
        let mut bigger = Seen::with_capacity(self.keys.len() * 2 * LOAD.0 / LOAD.1);
        for (key, row) in self.keys.iter().zip(&self.rows) {
            if *key != 0 {
                bigger.insert(*key, *row);
            }
        }
        *self = bigger;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_number_of_keys_fits_without_growing() {
        let mut seen = Seen::with_capacity(3_000);
        let slots = seen.keys.len();
        for i in 0..3_000u64 {
            seen.insert(crate::rows::fnv(&[&i.to_le_bytes()]), i as u32);
        }
        assert_eq!(seen.keys.len(), slots);
    }

    #[test]
    fn first_row_wins_and_growth_keeps_everything() {
        let mut seen = Seen::with_capacity(4);
        for i in 0..10_000u64 {
            let key = crate::rows::fnv(&[&i.to_le_bytes()]);
            seen.insert(key, i as u32);
            seen.insert(key, 99_999);
        }
        for i in 0..10_000u64 {
            let key = crate::rows::fnv(&[&i.to_le_bytes()]);
            assert_eq!(seen.get(key), Some(i as u32));
        }
        assert_eq!(seen.get(12345), None);
        seen.insert(0, 7);
        assert_eq!(seen.get(0), Some(7));
    }
}
