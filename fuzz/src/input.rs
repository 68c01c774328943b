//! A cursor over fuzz input bytes: small choices and byte strings taken one
//! after another. Running out of input yields zeros, so every input decodes
//! to some sequence and the fuzzer never wastes runs on rejected ones.

pub struct Input<'a> {
    bytes: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Input { bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((b, rest)) => {
                self.bytes = rest;
                *b
            }
            None => 0,
        }
    }

    /// A number below `n` (which must be at least 1).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }

    /// Up to `max` bytes, length first.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let want = usize::from(self.byte()) | usize::from(self.byte()) << 8;
        let n = (want % (max + 1)).min(self.bytes.len());
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        taken
    }
}
