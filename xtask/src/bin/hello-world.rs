//! The smallest Rust program that prints a line: the baseline `cargo xtask
//! bench startup` compares `vcli plugins list` with.

fn main() {
    println!("hello, world");
}
