//! Proving-key file size and load time:
//! `cargo run --release -p zkcredit-prover --example pkload [depth]`
use std::time::Instant;
use zkcredit_circuits::statement::CircuitId;
use zkcredit_prover::{setup, ProvingKeys};

fn main() {
    let depth: usize = std::env::args()
        .nth(1)
        .and_then(|d| d.parse().ok())
        .unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("zkcredit-pkload-{}", std::process::id()));
    for id in [CircuitId::Policy { depth }, CircuitId::Membership { depth }] {
        setup(id, Some(1)).unwrap().save(&dir).unwrap();
        let size = std::fs::metadata(dir.join("proving_key.bin"))
            .unwrap()
            .len();
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                let _ = ProvingKeys::load(&dir).unwrap();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "{id}: proving_key.bin {size} bytes, load (hash, decode, matrices) median {:.0} ms",
            times[2]
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
