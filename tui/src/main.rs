fn main() {
    println!("comanda {}", env!("CARGO_PKG_VERSION"));
}
