fn main() {
    std::process::exit(contextcore::cli::main());
}
