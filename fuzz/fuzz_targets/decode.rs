//! Strict decoding of transactions and blocks never panics, and whatever decodes re-encodes
//! to exactly the input (one encoding per value) and hashes stably.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkcredit_ledger::{codec, Block, Tx};

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = codec::decode::<Tx>(data) {
        assert_eq!(codec::encode(&tx), data);
        let _ = tx.hash();
        let _ = tx.message("fuzz");
    }
    if let Ok(block) = codec::decode::<Block>(data) {
        assert_eq!(codec::encode(&block), data);
        let _ = block.header.hash();
        let _ = zkcredit_ledger::tx::tx_root(&block.txs);
    }
});
